"""What the reward service's routes share: the typed unit of work and path parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.uow import UnitOfWork

RewardUow = Annotated[UnitOfWork[RewardSettings], Depends(current_unit_of_work)]

PersonId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        max_length=64,
        examples=["p-1001"],
        description="The person's id, as HR knows them",
    ),
]
UnitId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        max_length=64,
        examples=["u-kirjasto"],
        description="The organisational unit's id, as HR knows it",
    ),
]
