"""HTTP routes of the notification service (routes only; the work is in ``usecases``)."""
