"""The ideas page (GET /ideas): how many ideas a search found, said exactly, or, past the 1,000
that intake counts, as "more than". The portal runs in-process against a stand-in intake."""

from __future__ import annotations

from typing import Any

from portal_standins import Intake, sign_in

from ideapaja_runtime.testing import RunningService


def found(total: int, *, exact: bool) -> dict[str, Any]:
    return {"items": [], "total": total, "total_exact": exact, "limit": 20, "next_cursor": None}


async def browse(portal: RunningService, language: str, answer: dict[str, Any]) -> str:
    intake = Intake()
    intake.answers["/public/ideas"] = answer
    async with sign_in(portal, language, intake=intake) as (client, _):
        response = await client.get("/ideas", params={"q": "kirjasto"})
    assert response.status_code == 200, response.text
    assert intake.requests[-1].url.params["q"] == "kirjasto"
    return response.text


async def test_a_search_past_the_count_limit_says_more_than(portal: RunningService) -> None:
    assert "Yli 1\xa0000 ideaa" in await browse(portal, "fi", found(1000, exact=False))
    assert "Fler än 1\xa0000 idéer" in await browse(portal, "sv", found(1000, exact=False))
    assert "More than 1,000 ideas" in await browse(portal, "en", found(1000, exact=False))


async def test_a_counted_search_says_how_many(portal: RunningService) -> None:
    text = await browse(portal, "fi", found(2, exact=True))
    assert "2 ideaa" in text and "Yli" not in text
    # An answer without the field (an older intake) is read as exact.
    older = found(3, exact=True)
    del older["total_exact"]
    assert "3 ideas" in await browse(portal, "en", older)
