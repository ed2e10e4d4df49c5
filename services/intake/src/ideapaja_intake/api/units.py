"""The lists the forms choose from: units and departments (as HR describes them), categories."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_intake.api.deps import IntakeUow, SettingsDep
from ideapaja_intake.authz import POLICY
from ideapaja_intake.schemas.catalogue import Catalogue, UnitPublic
from ideapaja_intake.usecases import catalogue
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import Actor, service_router

units_router = service_router(prefix="/units", tags=["units"])
categories_router = service_router(prefix="/categories", tags=["units"])


@units_router.get(
    "",
    response_model=Page[UnitPublic],
    summary="Units and departments an idea can concern (as HR describes them)",
    **POLICY.route("units.read", description="Departments first, then units, each by id."),
)
async def read_units(
    uow: IntakeUow,
    page: PageParams,
    kind: Annotated[UnitKind | None, Query(description="Only units or only departments")] = None,
) -> Page[UnitPublic]:
    return await catalogue.units(uow, page, UnitPublic.model_validate, kind.value if kind else None)


@categories_router.get(
    "",
    response_model=Catalogue,
    summary="Idea categories and benefit kinds, with names in Finnish, Swedish and English",
    **POLICY.route("categories.read"),
)
async def read_categories(actor: Actor, settings: SettingsDep) -> Catalogue:
    return Catalogue.of(catalogue.categories(actor, settings))
