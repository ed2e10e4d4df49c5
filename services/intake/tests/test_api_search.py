"""Search in Finnish and Swedish, filters, cursor pages, similar ideas and the CSV export, on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from intake_testkit import AUTHOR, COLLEAGUE, REVIEWER, idea_payload

from ideapaja_runtime.testing import DevKeys, RunningService

FI_IDEAS = {
    "kirjastossa": ("Lainaus kirjastossa iltaisin", "Jonot kirjastossa ovat pitkiä."),
    "kirjastoon": ("Pyöräparkki kirjastoon", "Pyörille ei ole tilaa."),
    "uimahalli": ("Uimahallin aukiolo", "Allas on kiinni aamuisin."),
}
SV_IDEAS = {
    "biblioteket": ("Öppettider på biblioteket", "Biblioteket stänger för tidigt."),
    "biblioteken": ("Samarbete mellan biblioteken", "Biblioteken delar inte material."),
    "simhallen": ("Simhallens kafé", "Kaféet är stängt."),
}


async def post(
    running: RunningService, dev_keys: DevKeys, person: str = AUTHOR, **changes: Any
) -> str:
    response = await running.client.post(
        "/ideas", json=idea_payload(**changes), headers=dev_keys.headers(person, "employee")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def search(running: RunningService, dev_keys: DevKeys, query: str, **params: Any) -> set[str]:
    response = await running.client.get(
        "/public/ideas",
        params={"q": query, **params},
        headers=dev_keys.headers(COLLEAGUE, "employee"),
    )
    assert response.status_code == 200, response.text
    return {item["title"] for item in response.json()["items"]}


async def test_finnish_and_swedish_inflections_are_found(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    for title, problem in FI_IDEAS.values():
        await post(org_any_db, dev_keys, title=title, problem=problem, language="fi",
                   solution="Lisää aukioloa.")  # fmt: skip
    for title, problem in SV_IDEAS.values():
        await post(org_any_db, dev_keys, title=title, problem=problem, language="sv",
                   solution="Längre öppettider.")  # fmt: skip
    library_fi = {FI_IDEAS["kirjastossa"][0], FI_IDEAS["kirjastoon"][0]}
    library_sv = {SV_IDEAS["biblioteket"][0], SV_IDEAS["biblioteken"][0]}

    assert await search(org_any_db, dev_keys, "kirjasto") == library_fi
    assert await search(org_any_db, dev_keys, "kirjastoissa") == library_fi
    assert await search(org_any_db, dev_keys, "bibliotek") == library_sv
    assert await search(org_any_db, dev_keys, "biblioteket") == library_sv
    # Every word must match; stopwords alone find nothing.
    assert await search(org_any_db, dev_keys, "kirjasto pyörille") == {FI_IDEAS["kirjastoon"][0]}
    assert await search(org_any_db, dev_keys, "ja och") == set()
    assert await search(org_any_db, dev_keys, "'; DROP TABLE ideas; --") == set()


async def test_filters_by_status_scope_unit_category_and_date(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    library = await post(org_any_db, dev_keys, title="Kirjaston idea", category="services")
    museum = await post(org_any_db, dev_keys, title="Museon idea", unit_id="u-museo", scope="city")
    department = await post(
        org_any_db, dev_keys, title="Toimialan idea", unit_id="d-sivistys", scope="department"
    )
    headers = dev_keys.headers(REVIEWER, "change_agent")

    async def ids(**params: Any) -> set[str]:
        response = await org_any_db.client.get("/ideas", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert await ids(unit_id="u-museo") == {museum}
    # A department includes its units.
    assert await ids(unit_id="d-sivistys") == {library, museum, department}
    assert await ids(scope="city") == {museum}
    assert await ids(category="services") == {library}
    assert await ids(status="submitted") == {library, museum, department}
    assert await ids(status=["accepted", "rejected"]) == set()
    today = datetime.now(UTC).date()
    assert await ids(submitted_from=today.isoformat(), submitted_to=today.isoformat()) == {
        library, museum, department
    }  # fmt: skip
    assert await ids(submitted_to=(today - timedelta(days=1)).isoformat()) == set()
    swedish = await post(org_any_db, dev_keys, title="Bibliotekets idé", language="sv")
    assert await ids(language="sv") == {swedish}
    assert await ids(language="fi") == {library, museum, department}
    listed = await org_any_db.client.get("/ideas", params={"language": "sv"}, headers=headers)
    assert [i["language"] for i in listed.json()["items"]] == ["sv"]
    bad = await org_any_db.client.get("/ideas", params={"status": "lost"}, headers=headers)
    assert bad.status_code == 422
    bad = await org_any_db.client.get("/ideas", params={"language": "de"}, headers=headers)
    assert bad.status_code == 422


async def test_cursor_pages_neither_skip_nor_repeat(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    created = [await post(org_any_db, dev_keys, title=f"Idea {n:02d}") for n in range(7)]
    headers = dev_keys.headers(COLLEAGUE, "employee")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await org_any_db.client.get("/public/ideas", params=params, headers=headers)).json()
        pages += 1
        seen += [i["id"] for i in page["items"]]
        if pages == 1:
            # An idea submitted meanwhile does not shift the next pages.
            await post(org_any_db, dev_keys, title="Myöhäinen")
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    assert pages == 3
    bad = await org_any_db.client.get("/public/ideas", params={"cursor": "bm90LWEtY3Vyc29y"},
                                      headers=headers)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_similar_ideas_while_typing(org_any_db: RunningService, dev_keys: DevKeys) -> None:
    target = await post(
        org_any_db,
        dev_keys,
        title="Omatoimikirjasto iltaisin",
        problem="Asiakkaat eivät ehdi kirjastoon aukioloaikoina.",
    )
    await post(org_any_db, dev_keys, title="Uimahallin kahvio", problem="Kahvio on kiinni.",
               solution="Automaatti.")  # fmt: skip
    headers = dev_keys.headers(COLLEAGUE, "employee")

    async def similar(text: str) -> list[dict[str, Any]]:
        response = await org_any_db.client.get(
            "/ideas/similar", params={"text": text}, headers=headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["limit"], page["next_cursor"], page["total"]) == (5, None, len(page["items"]))
        result: list[dict[str, Any]] = page["items"]
        return result

    [found] = await similar("omatoimikirjasto iltaisin")
    assert found["id"] == target and found["score"] == 1.0
    reworded = await similar("kirjastoon iltaisin")
    assert [s["id"] for s in reworded] == [target]
    assert await similar("pysäköinti virastotalolla") == []
    # A typo in the title is still caught by trigram similarity.
    assert [s["id"] for s in await similar("Omatoimikirjsto iltasin")] == [target]


async def test_csv_export_for_reporting_roles_without_anonymous_authors(
    org: RunningService, dev_keys: DevKeys
) -> None:
    named = await post(org, dev_keys, title='=HYPERLINK("http://x")', benefit_kinds=["money"])
    anonymous = await post(org, dev_keys, person=COLLEAGUE, anonymous=True)
    for role in ("employee", "change_agent", "committee_member"):
        refused = await org.client.get(
            "/reports/ideas.csv", headers=dev_keys.headers(REVIEWER, role)
        )
        assert refused.status_code == 403
    for role in ("management", "admin", "hr"):
        response = await org.client.get(
            "/reports/ideas.csv", headers=dev_keys.headers("p-raportti", role)
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(response.text))}
        assert rows.keys() == {named, anonymous}
        assert rows[named]["author_ids"] == AUTHOR
        assert rows[named]["title"].startswith("'=")
        assert rows[named]["benefit_kinds"] == "money"
        assert rows[anonymous]["author_ids"] == "" and rows[anonymous]["anonymous"] == "true"
        assert COLLEAGUE not in response.text
    filtered = await org.client.get(
        "/reports/ideas.csv", params={"q": "HYPERLINK"}, headers=dev_keys.headers("p-r", "hr")
    )
    assert [r["id"] for r in csv.DictReader(io.StringIO(filtered.text))] == [named]


@pytest.mark.parametrize("params", [{"q": "x" * 201}, {"limit": 0}, {"unit_id": "u x"}])
async def test_list_parameters_are_limited(
    org: RunningService, dev_keys: DevKeys, params: dict[str, Any]
) -> None:
    response = await org.client.get(
        "/public/ideas", params=params, headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert response.status_code == 422
