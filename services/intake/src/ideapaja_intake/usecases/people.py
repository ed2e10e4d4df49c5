"""Colleagues by name, for choosing co-authors: the people an employee may name on an idea are
the city's active staff, so that is whom the search covers (everyone with a staff role may
search; name, unit and id are shown, never contact details). The searcher is left out (they are
already the author); looking people up by id (to show the names of co-authors already chosen)
includes them."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from ideapaja_intake.db.people import PEOPLE_ORDER, colleagues
from ideapaja_intake.domain.people import QUERY_MIN_LETTERS, query_words
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.pagination import Page, PageRequest, page_of

R = TypeVar("R")


async def find_people(
    uow: Uow, query: str | None, ids: Collection[str], page: PageRequest, item: Callable[[Any], R]
) -> Page[R]:
    """Active colleagues whose name has a part starting with each word of ``query`` (blind to
    case and accents), and/or those of ``ids``; by name, then id."""
    if query is None and not ids:
        raise InvalidInput("q", "give part of a name (q) or person ids (id)", kind="missing")
    prefixes: list[str] = []
    if query is not None:
        found = query_words(query)
        if found is None:
            raise InvalidInput(
                "q",
                f"type at least {QUERY_MIN_LETTERS} letters of a name",
                kind="string_too_short",
            )
        prefixes = found
    excluded = uow.person.person_id if query is not None else None
    return await page_of(
        uow.session,
        colleagues(prefixes, ids, excluded=excluded),
        keys=PEOPLE_ORDER,
        page=page,
        item=item,
        descending=False,
    )
