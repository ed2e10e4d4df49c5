"""What the privacy service's routes share: the typed unit of work and runtime, and the
person id parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ideapaja_privacy.settings import PrivacySettings
from ideapaja_runtime.deps import get_runtime, id_path
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.uow import UnitOfWork

PrivacyUow = Annotated[UnitOfWork[PrivacySettings], Depends(current_unit_of_work)]


# For the routes whose steps commit one by one around calls to NATS or other services (an erasure
# request, the access report), where one unit of work would span those calls.
PrivacyRuntime = Annotated[Runtime[PrivacySettings], Depends(get_runtime)]

PersonId = Annotated[
    str, id_path("The person's id, as HR knows them", examples=["p-does-not-exist"])
]
