"""What the forms choose from: the units and departments HR describes, and the categories.
Citizens read them for the citizen channel's form, so not while that channel is closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ideapaja_intake.db.models import Unit
from ideapaja_intake.db.org import UNIT_ORDER, list_units, units_of_kind
from ideapaja_intake.domain.categories import Category
from ideapaja_intake.domain.visibility import is_staff
from ideapaja_intake.errors import ChannelClosed
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.pagination import Page, PageRequest, page_of

R = TypeVar("R")


def for_the_forms(reader: Principal, settings: IntakeSettings) -> None:
    """Staff read the lists for their forms; citizens only while their channel is open."""
    if not is_staff(reader.roles) and not settings.citizen_channel_enabled:
        raise ChannelClosed


async def units(
    uow: Uow, page: PageRequest, item: Callable[[Unit], R], kind: str | None = None
) -> Page[R]:
    """Units and departments by kind, then id (the table is HR's organisation: a few hundred
    rows, read through its primary key)."""
    for_the_forms(uow.person, uow.settings)
    return await page_of(
        uow.session, units_of_kind(kind), keys=UNIT_ORDER, page=page, item=item, descending=False
    )


def categories(reader: Principal, settings: IntakeSettings) -> list[Category]:
    """The configured categories (no database: the settings hold them)."""
    for_the_forms(reader, settings)
    return list(settings.categories)


async def units_for_the_page(uow: Uow) -> list[Unit]:
    """The units for the embeddable page's form (staff only, whose role the route checked)."""
    return list(await list_units(uow.session))
