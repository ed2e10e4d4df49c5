"""HTTP routes of the reward service (routes only; the work is in ``usecases``)."""
