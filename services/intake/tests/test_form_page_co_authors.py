"""The embeddable page's co-authors, on SQLite and PostgreSQL: found by name, never typed as
ids. Without JavaScript, "Search" posts the page to itself and it comes back with what was typed
and the matches as checkboxes (nothing is submitted, the form token still works); ticked ones
are invited with the idea. The page's script may call the search (connect-src 'self')."""

from __future__ import annotations

import re
from typing import Any

import pytest
from intake_testkit import AUTHOR, count_rows, form_payload, outbox_events
from sqlalchemy import select
from test_api_form_people import token_of
from test_api_people import ANNA, ASA, LEENA, seed_names

from ideapaja_intake.db.models import Idea, IdeaAuthor
from ideapaja_runtime.testing import DevKeys, RunningService

PAGE = "/embed/idea-form"
LABELS = {
    "fi": "Kanssatekijät: hae työkavereita nimellä",
    "sv": "Medförfattare: sök kolleger med namn",
    "en": "Co-authors: find colleagues by name",
}


def checkbox(html: str, person_id: str) -> str | None:
    found = re.search(
        rf'<input type="checkbox" name="co_author_ids" value="{person_id}"[^>]*>', html
    )
    return found.group(0) if found else None


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_the_page_asks_for_colleagues_by_name_not_by_id(
    org: RunningService, dev_keys: DevKeys, language: str
) -> None:
    token = await token_of(org, dev_keys)
    page = await org.client.get(PAGE, params={"form_token": token, "language": language})
    assert page.status_code == 200, page.text
    html = page.text
    assert f'<label for="co_author_query">{LABELS[language]}</label>' in html
    assert '<input type="search" id="co_author_query" name="co_author_query"' in html
    assert 'id="co_author_results" class="results" aria-live="polite"' in html
    assert re.search(
        r'<button type="submit" name="co_author_search" value="1" formnovalidate>', html
    )
    assert 'data-people-url="/ideas/form/people"' in html
    # No field asks for ids, and nothing says "person number" in any language.
    assert 'type="text" id="co_author_ids"' not in html
    for wording in ("person id", "personnummer", "henkilönumero", "henkilönumerot"):
        assert wording not in html.lower()
    # The page's script (a file) may ask intake itself, nothing else.
    csp = page.headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "default-src 'none'" in csp
    assert 'src="/embed/static/idea-form.js"' in html and "unsafe-inline" not in csp


async def test_search_without_javascript_shows_matches_and_keeps_what_was_typed(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    token = await token_of(org_any_db, dev_keys)
    typed: dict[str, Any] = {
        "form_token": token,
        "lang": "en",
        "title": "Evening loans",
        "co_author_ids": [ASA],
        "co_author_query": "kor",
        "co_author_search": "1",
    }
    found = await org_any_db.client.post(PAGE, data=typed)
    assert found.status_code == 200, found.text
    html = found.text
    assert 'value="Evening loans"' in html and 'value="kor"' in html
    # The match, by name and unit, to tick; the one already chosen stays ticked, by name.
    leena = checkbox(html, LEENA)
    assert leena is not None and "checked" not in leena
    assert "Leena Korhonen, Library</label>" in html
    chosen = checkbox(html, ASA)
    assert chosen is not None and "checked" in chosen and "Åsa Åhlund, Museum" in html
    assert checkbox(html, AUTHOR) is None  # the searcher is the author already
    assert "autofocus" in html
    assert await count_rows(org_any_db.runtime, Idea) == 0
    # Too short a name is told beside the box (and nothing is submitted either).
    short = await org_any_db.client.post(PAGE, data={**typed, "co_author_query": "k"})
    assert short.status_code == 422
    assert 'id="co_author_query-error"' in short.text and 'aria-invalid="true"' in short.text
    nobody = await org_any_db.client.post(PAGE, data={**typed, "co_author_query": "zzz"})
    assert "No colleagues found by that name." in nobody.text
    # Ticking them and sending: both invited; the token was not used up by searching.
    sent = await org_any_db.client.post(
        PAGE,
        data={
            **form_payload(),
            "form_token": token,
            "lang": "en",
            "co_author_query": "kor",
            "co_author_ids": [ASA, LEENA],
        },
    )
    assert sent.status_code == 201, sent.text
    [event] = await outbox_events(org_any_db.runtime, "idea.submitted")
    assert event["author_ids"] == [AUTHOR]
    async with org_any_db.runtime.db.transaction() as session:
        rows = (await session.execute(select(IdeaAuthor.person_id, IdeaAuthor.kind))).all()
    assert sorted(rows) == [(AUTHOR, "submitter"), (LEENA, "co_author"), (ASA, "co_author")]


async def test_a_refused_submission_shows_the_chosen_co_authors_by_name(
    org: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org.runtime)
    token = await token_of(org, dev_keys)
    refused = await org.client.post(
        PAGE,
        data={
            **form_payload(title="ab"),
            "form_token": token,
            "lang": "sv",
            "co_author_ids": [ANNA],
        },
    )
    assert refused.status_code == 422
    box = checkbox(refused.text, ANNA)
    assert box is not None and "checked" in box and "Anna-Liisa Mäkelä" in refused.text
