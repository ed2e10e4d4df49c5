"""What the intake service does: ``async def verb(uow, ...)``, whoever calls it (a route, an event
handler, a background job). Use cases raise domain errors (``errors.py``) and import no FastAPI."""

from __future__ import annotations

from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.uow import UnitOfWork

# The unit of work every intake use case gets (typed by the service's settings).
Uow = UnitOfWork[IntakeSettings]
