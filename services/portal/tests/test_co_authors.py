"""The idea form's co-authors, chosen by name (intake's GET /people) and never by a typed id: HTMX
suggestions and chips, the same without JavaScript (a search button, checkboxes, remove buttons),
drafts that keep them, and the idea page naming its authors. The portal runs in-process, signed in
by a stored session; intake and review are stand-ins answering as the services do."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from portal_standins import ASA, CSRF, LEENA, ME, Intake, sign_in

from ideapaja_runtime.testing import RunningService


@pytest.fixture
async def signed_in(portal: RunningService) -> AsyncIterator[tuple[httpx.AsyncClient, Intake]]:
    async with sign_in(portal) as signed:
        yield signed


def form(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"csrf_token": CSRF, "title": "Omatoimikirjasto iltaisin",
        "problem": "Jonot.", "solution": "Aukiolo.", "scope": "unit", "unit_id": "u-kirjasto",
        "language": "fi"}  # fmt: skip
    values.update(changes)
    return values


async def test_the_form_finds_co_authors_by_name_and_asks_no_ids(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, _ = signed_in
    page_ = await client.get("/ideas/new")
    assert page_.status_code == 200, page_.text
    html = page_.text
    assert '<label for="co-author-q">Find a colleague by name</label>' in html
    assert 'id="co-author-suggestions" aria-live="polite"' in html
    assert 'name="action" value="find_co_authors"' in html
    # Nowhere to type an id: co_author_ids only ever rides in hidden inputs or checkboxes.
    for field in re.findall(r"<input[^>]*name=\"co_author_ids\"[^>]*>", html):
        assert 'type="hidden"' in field or 'type="checkbox"' in field
    assert "person id" not in html.casefold()
    # The search button is the form's first: Enter in a text field never removes a co-author.
    buttons = re.findall(r"<button[^>]*type=\"submit\"[^>]*>", html.split('action="/ideas/new"')[1])
    assert 'value="find_co_authors"' in buttons[0]


async def test_suggestions_while_typing_leave_out_who_is_chosen(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, intake = signed_in
    found = await client.get("/ideas/co-authors", params={"co_author_q": "kor"})
    assert found.status_code == 200
    assert "Leena Korhonen" in found.text and "Library" in found.text
    assert f"/ideas/co-authors/chip?person_id={LEENA}" in found.text
    assert "1 colleague found" in found.text
    again = await client.get(
        "/ideas/co-authors", params={"co_author_q": "kor", "co_author_ids": [LEENA]}
    )
    assert "Leena Korhonen" not in again.text and "Nobody found" in again.text
    short = await client.get("/ideas/co-authors", params={"co_author_q": "k"})
    assert "at least two letters" in short.text
    assert ("GET", "/people") in {(m, p) for m, p, _ in intake.sent}


async def test_a_pick_becomes_a_removable_chip_holding_the_id(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, _ = signed_in
    chip = await client.get("/ideas/co-authors/chip", params={"person_id": LEENA})
    assert chip.status_code == 200
    assert f'<input type="hidden" name="co_author_ids" value="{LEENA}">' in chip.text
    assert "Leena Korhonen was added as a co-author." in chip.text
    assert 'name="remove_co_author"' in chip.text and "autofocus" in chip.text
    bad = await client.get("/ideas/co-authors/chip", params={"person_id": "not an id"})
    assert bad.status_code == 422


async def test_without_javascript_the_search_lists_checkboxes_on_the_same_page(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, intake = signed_in
    searched = await client.post(
        "/ideas/new",
        data=form(action="find_co_authors", co_author_q="ahl", co_author_ids=[LEENA]),
    )
    assert searched.status_code == 200, searched.text
    html = searched.text
    assert f'<input type="checkbox" name="co_author_ids" value="{ASA}">' in html
    assert "Åsa Åhlund" in html
    # What was written stays, and Leena is already a chip.
    assert 'value="Omatoimikirjasto iltaisin"' in html
    assert f'<input type="hidden" name="co_author_ids" value="{LEENA}">' in html
    assert ("POST", "/ideas") not in {(m, p) for m, p, _ in intake.sent}
    removed = await client.post(
        "/ideas/new", data=form(co_author_ids=[LEENA, ASA], remove_co_author=LEENA)
    )
    assert removed.status_code == 200
    assert f'name="co_author_ids" value="{LEENA}"' not in removed.text
    assert f'<input type="hidden" name="co_author_ids" value="{ASA}">' in removed.text


async def test_the_idea_is_sent_with_its_co_authors_and_drafts_keep_them(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, intake = signed_in
    sent = await client.post("/ideas/new", data=form(co_author_ids=[LEENA, ASA]))
    assert sent.status_code == 303 and sent.headers["location"].startswith("/ideas/i-1")
    [posted] = [b for m, p, b in intake.sent if (m, p) == ("POST", "/ideas")]
    assert posted["co_author_ids"] == [LEENA, ASA]
    saved = await client.post("/ideas/new", data=form(action="draft", co_author_ids=[ASA]))
    assert saved.status_code == 303
    [draft] = [b for m, p, b in intake.sent if (m, p) == ("POST", "/drafts")]
    assert draft["co_author_ids"] == [ASA]
    intake.draft = {"id": "d-1", "content": {"title": "Luonnos", "co_author_ids": [ASA]}}
    again = await client.get("/ideas/new", params={"draft": "d-1"})
    assert "Åsa Åhlund" in again.text
    assert f'<input type="hidden" name="co_author_ids" value="{ASA}">' in again.text


async def test_a_co_author_who_left_is_named_as_such_beside_the_field(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, intake = signed_in
    intake.refuse = {"title": "Invalid input", "status": 422, "errors": [
        {"field": "co_author_ids", "message": "unknown", "type": "unknown_person"}]}  # fmt: skip
    refused = await client.post("/ideas/new", data=form(co_author_ids=["p-9999"]))
    assert refused.status_code == 422
    assert "no longer in the city&#39;s service" in refused.text
    assert "A former colleague" in refused.text


async def test_the_idea_page_names_its_authors_and_the_invited_answer_there(
    signed_in: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, intake = signed_in
    mine = await client.get("/ideas/i-1")
    assert mine.status_code == 200, mine.text
    assert "Aino Author" in mine.text and "Leena Korhonen" in mine.text
    assert LEENA not in mine.text.replace(f"/{LEENA}", "")
    assert "You are invited as a co-author" not in mine.text
    intake.idea["author_ids"], intake.idea["invited_ids"] = [LEENA], [ME]
    invited = await client.get("/ideas/i-1")
    assert "You are invited as a co-author" in invited.text
    accepted = await client.post("/ideas/i-1/co-authors/accept", data={"csrf_token": CSRF})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/ideas/i-1?joined=1"
    assert ("POST", f"/ideas/i-1/co-authors/{ME}/confirm") in {(m, p) for m, p, _ in intake.sent}
    declined = await client.post("/ideas/i-1/co-authors/decline", data={"csrf_token": CSRF})
    assert declined.status_code == 303
    assert ("DELETE", f"/ideas/i-1/co-authors/{ME}") in {(m, p) for m, p, _ in intake.sent}
