"""HTTP routes of the privacy service (routes only; the work is in ``usecases``)."""
