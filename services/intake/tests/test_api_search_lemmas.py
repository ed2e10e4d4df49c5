"""Search by lemmas (issue 12 §3): forms whose stem changes, compound parts ranked after exact
matches, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from intake_testkit import AUTHOR, COLLEAGUE, REVIEWER, idea_payload

from ideapaja_runtime.testing import DevKeys, RunningService


async def post(running: RunningService, dev_keys: DevKeys, **changes: Any) -> str:
    response = await running.client.post(
        "/ideas", json=idea_payload(**changes), headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def listed(
    running: RunningService, dev_keys: DevKeys, path: str, **params: Any
) -> dict[str, Any]:
    headers = (
        dev_keys.headers(REVIEWER, "change_agent")
        if path == "/ideas"
        else dev_keys.headers(COLLEAGUE, "employee")
    )
    response = await running.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_forms_whose_stem_changes_are_found(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    singular = await post(org_any_db, dev_keys, title="Melu päiväkodissa",
                          problem="Ruokailu on meluisaa.", language="fi")  # fmt: skip
    plural = await post(org_any_db, dev_keys, title="Ulkoilu",
                        problem="Päiväkodeissa ei ole katoksia.", language="fi")  # fmt: skip
    await post(org_any_db, dev_keys, title="Uimahallin aukiolo", problem="Allas on kiinni.")
    for path in ("/ideas", "/public/ideas"):
        page = await listed(org_any_db, dev_keys, path, q="päiväkoti")
        assert {i["id"] for i in page["items"]} == {singular, plural}, path
        assert page["total"] == 2
        page = await listed(org_any_db, dev_keys, path, q="päiväkodeissa")
        assert {i["id"] for i in page["items"]} == {singular, plural}, path


async def test_a_compound_part_is_found_after_exact_matches_across_pages(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    exact = await post(org_any_db, dev_keys, title="Koti-ikävä", problem="Kotiin on pitkä matka.")
    # Newer, but only a compound containing "koti": ranked after the exact match.
    compound = await post(org_any_db, dev_keys, title="Päiväkoti", problem="Tilat ovat ahtaat.")
    await post(org_any_db, dev_keys, title="Kirjasto", problem="Aukiolo on lyhyt.")
    page = await listed(org_any_db, dev_keys, "/ideas", q="koti")
    assert [i["id"] for i in page["items"]] == [exact, compound]
    assert page["total"] == 2
    first = await listed(org_any_db, dev_keys, "/ideas", q="koti", limit=1)
    assert [i["id"] for i in first["items"]] == [exact] and first["total"] == 2
    second = await listed(
        org_any_db, dev_keys, "/ideas", q="koti", limit=1, cursor=first["next_cursor"]
    )
    assert [i["id"] for i in second["items"]] == [compound]
    assert second["next_cursor"] is None


async def test_swedish_definite_and_plural_forms_are_found(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    definite = await post(org_any_db, dev_keys, title="Öppettider på biblioteket", language="sv",
                          problem="Det stänger tidigt.", solution="Öppna längre.")  # fmt: skip
    plural = await post(org_any_db, dev_keys, title="Samarbete mellan biblioteken",
                        language="sv", problem="Inget delas.", solution="Dela.")  # fmt: skip
    page = await listed(org_any_db, dev_keys, "/ideas", q="bibliotek", language="sv")
    assert {i["id"] for i in page["items"]} == {definite, plural}
    assert {i["language"] for i in page["items"]} == {"sv"}
    assert (await listed(org_any_db, dev_keys, "/ideas", q="bibliotek", language="fi"))[
        "items"
    ] == []
