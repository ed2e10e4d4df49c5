"""What the reward service does: ``async def verb(uow, ...)``, whoever calls it (a route or a
handler). Raises domain errors; imports no FastAPI and no ``api``."""
