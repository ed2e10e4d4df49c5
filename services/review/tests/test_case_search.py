"""The work list searches the ideas' text by lemma (issue 12 §3) and filters by language, on
SQLite and PostgreSQL; the list's items carry the idea's language."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    ADMIN,
    ORG,
    Delivery,
    FakeClock,
    NewCase,
    idea,
    org_delivery,
    review_settings,
)

from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaUpdated
from ideapaja_review import handlers
from ideapaja_review.usecases import case_records
from ideapaja_runtime.db import Database
from ideapaja_runtime.pagination import PageRequest


@pytest.fixture
def deliver(db: Database) -> Delivery:
    return org_delivery(
        db, {IdeaUpdated: handlers.on_idea_updated}, settings=review_settings(), clock=FakeClock()
    )


def submitted(idea_id: str, title: str, problem: str, language: str = "fi") -> IdeaSubmitted:
    return idea(idea_id).model_copy(
        update={"title": title, "problem": problem, "solution": "Ratkaisu.", "language": language}
    )


async def found(db: Database, q: str, **filters: Any) -> list[str]:
    async with db.transaction() as session:
        page = await case_records.list_cases(
            session, PageRequest(), item=lambda r: r.case.idea_id, reviewer_id=None, q=q, **filters
        )
    return page.items


async def test_work_list_finds_forms_whose_stem_changes_and_ranks_parts_after(
    db: Database, deliver: Delivery
) -> None:
    await deliver.all(ORG)
    await deliver(submitted("i-kodissa", "Melu päiväkodissa", "Ruokailu on meluisaa."))
    await deliver(submitted("i-kirjasto", "Kirjaston aukiolo", "Liian lyhyt."))
    await deliver(submitted("i-koti", "Koti-ikävä", "Kotiin on pitkä matka."))
    await deliver(submitted("i-edited", "Ulkoilu", "Katokset puuttuvat."))
    # An edit is indexed too.
    await deliver(
        IdeaUpdated(idea_id="i-edited", revision=2, title="Ulkoilu",
                    problem="Päiväkodeissa ei ole katoksia.", solution="Katos.",
                    edited_by="p-author")
    )  # fmt: skip
    assert await found(db, "päiväkoti") == ["i-kodissa", "i-edited"]
    # "koti" itself first, though opened later; then the compounds, oldest first.
    assert await found(db, "koti") == ["i-koti", "i-kodissa", "i-edited"]
    assert await found(db, "ja") == []


async def test_work_list_finds_swedish_forms_and_filters_by_language(
    db: Database, deliver: Delivery
) -> None:
    await deliver.all(ORG)
    await deliver(submitted("i-sv1", "Öppettider på biblioteket", "Stänger tidigt.", "sv"))
    await deliver(submitted("i-sv2", "Samarbete mellan biblioteken", "Inget delas.", "sv"))
    await deliver(submitted("i-fi", "Kirjasto", "Bibliotek on ruotsiksi kirjasto.", "fi"))
    assert await found(db, "bibliotek", language="sv") == ["i-sv1", "i-sv2"]
    assert await found(db, "bibliotek") == ["i-sv1", "i-sv2", "i-fi"]
    async with db.transaction() as session:
        page = await case_records.list_cases(
            session, PageRequest(), item=lambda r: r.case.idea_id, reviewer_id=None, language="fi"
        )
    assert page.items == ["i-fi"]


async def test_get_cases_takes_q_and_language_and_shows_the_language(
    client: AsyncClient, as_: Any, new_case: NewCase
) -> None:
    case = await new_case()
    response = await client.get(
        "/cases", params={"q": "kirjastoissa", "language": "fi"}, headers=as_(*ADMIN)
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert case["id"] in [item["id"] for item in items]
    assert {item["language"] for item in items} == {"fi"}
    other = await client.get("/cases", params={"language": "sv"}, headers=as_(*ADMIN))
    assert case["id"] not in [item["id"] for item in other.json()["items"]]
    bad = await client.get("/cases", params={"language": "de"}, headers=as_(*ADMIN))
    assert bad.status_code == 422
