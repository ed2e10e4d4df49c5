"""What the reward service's routes share: the typed unit of work and path parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.deps import id_path
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.uow import UnitOfWork

RewardUow = Annotated[UnitOfWork[RewardSettings], Depends(current_unit_of_work)]

PersonId = Annotated[
    str, id_path("The person's id, as HR knows them", examples=["p-does-not-exist"])
]
UnitId = Annotated[
    str, id_path("The organisational unit's id, as HR knows it", examples=["u-kirjasto"])
]

# The error answers a route can give besides 401/403/413/422 (documented on every app).
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: PROBLEM_SCHEMA}
CONFLICT: Responses = {409: PROBLEM_SCHEMA}
