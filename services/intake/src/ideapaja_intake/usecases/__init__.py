"""What the intake service does: ``async def verb(uow, ...)``, whoever calls it (a route, an event
handler, a background job). Use cases raise domain errors (``errors.py``) and import no FastAPI."""
