"""What the reward service's routes share: the typed unit of work and path parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.deps import id_path
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.uow import UnitOfWork

RewardUow = Annotated[UnitOfWork[RewardSettings], Depends(current_unit_of_work)]

PersonId = Annotated[
    str, id_path("The person's id, as HR knows them", examples=["p-does-not-exist"])
]
UnitId = Annotated[
    str, id_path("The organisational unit's id, as HR knows it", examples=["u-kirjasto"])
]
