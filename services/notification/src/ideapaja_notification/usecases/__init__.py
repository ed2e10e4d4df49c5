"""What the notification service does: ``async def verb(uow, ...)`` for routes, and
``async def verb(event, ctx)`` for events (``ctx`` is the consumer's unit of work). Raises domain
errors; imports no FastAPI and no ``api``."""
