"""What the review service does: ``async def verb(uow, ...)``, whoever calls it (a route, a
handler, the deadline sweep). Raises the domain errors of ``ideapaja_review.errors``."""
