"""What the privacy service does: ``async def verb(uow, ...)`` (or, where NATS or other services
are asked outside any transaction, the steps that open their own). Raises domain errors; imports
no FastAPI and no ``api``."""
