"""GET /ideas/form/people: the co-author search of the form pages, authorised by the page's form
token (a page has no bearer token), on SQLite and PostgreSQL: the same search as GET /people,
the token's person left out, the same limits and problem+json refusals; searching does not use
up the token."""

from __future__ import annotations

from typing import Any

from intake_testkit import AUTHOR, assert_problem, form_payload
from test_api_people import ASA, LEENA, LEENA_FOUND, seed_names

from ideapaja_intake.api.people import IDS_MAX
from ideapaja_runtime.testing import DevKeys, RunningService

PATH = "/ideas/form/people"


def fields(error: dict[str, Any]) -> str:
    """The field an error names, without its location ("query.q": "q")."""
    return str(error["field"]).rsplit(".", 1)[-1]


async def token_of(running: RunningService, dev_keys: DevKeys, person: str = AUTHOR) -> str:
    issued = await running.client.post(
        "/form-tokens", headers=dev_keys.headers(person, "employee", units=("u-kirjasto",))
    )
    assert issued.status_code == 201, issued.text
    token: str = issued.json()["form_token"]
    return token


async def search(running: RunningService, token: str, **params: Any) -> Any:
    return await running.client.get(PATH, params={"form_token": token, **params})


async def test_the_form_tokens_person_finds_colleagues_by_name_and_not_themselves(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    token = await token_of(org_any_db, dev_keys)
    response = await search(org_any_db, token, q="kor")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == LEENA_FOUND
    assert "kuusijarvi.example" not in response.text
    assert response.headers["content-type"].startswith("application/json")
    # The searcher is left out; the same name is found by a colleague's token.
    assert (await search(org_any_db, token, q="aino")).json()["items"] == []
    leenas = await token_of(org_any_db, dev_keys, LEENA)
    assert [p["id"] for p in (await search(org_any_db, leenas, q="aino")).json()["items"]] == [
        AUTHOR
    ]
    # Chosen co-authors are named by id; people who left are neither found nor named.
    named = await search(org_any_db, token, id=[ASA, LEENA, "p-3004"])
    assert [p["display_name"] for p in named.json()["items"]] == ["Åsa Åhlund", "Leena Korhonen"]
    assert (await search(org_any_db, token, q="korp")).json()["items"] == []
    # Pages as GET /people's.
    first = (await search(org_any_db, token, q="a", limit=1)).status_code
    assert first == 422


async def test_bad_input_is_a_422_problem_naming_the_field(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    token = await token_of(org_any_db, dev_keys)
    short = assert_problem(await search(org_any_db, token, q="k"), 422)
    assert [fields(e) for e in short["errors"]] == ["q"]
    long = assert_problem(await search(org_any_db, token, q="k" * 101), 422)
    assert [fields(e) for e in long["errors"]] == ["q"]
    # Letters are needed: punctuation alone is no name.
    assert_problem(await search(org_any_db, token, q="--"), 422)
    nothing = assert_problem(await search(org_any_db, token), 422)
    assert [fields(e) for e in nothing["errors"]] == ["q"]
    too_many = assert_problem(
        await search(org_any_db, token, id=[f"p-{i}" for i in range(IDS_MAX + 1)]), 422
    )
    assert [fields(e) for e in too_many["errors"]] == ["id"]
    unknown = assert_problem(await search(org_any_db, token, q="kor", person="x"), 422)
    assert "person" in str(unknown)
    assert_problem(await search(org_any_db, token, q="kor", limit=101), 422)


async def test_only_a_valid_form_token_is_accepted(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    assert_problem(await org_any_db.client.get(PATH, params={"q": "kor"}), 401)
    assert_problem(await search(org_any_db, "v1.e30.forged", q="kor"), 401)
    token = await token_of(org_any_db, dev_keys)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert_problem(await search(org_any_db, altered, q="kor"), 401)
    # A bearer token is for GET /people: here it is not a credential.
    bearer = await org_any_db.client.get(
        PATH, params={"q": "kor"}, headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert_problem(bearer, 401)
    # A token issued to someone without a staff role cannot search.
    roleless = await org_any_db.client.post("/form-tokens", headers=dev_keys.headers(AUTHOR))
    if roleless.status_code == 201:
        refused = assert_problem(
            await search(org_any_db, roleless.json()["form_token"], q="kor"), 403
        )
        assert refused["reason"] == "role"


async def test_searching_does_not_use_up_the_token(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    token = await token_of(org_any_db, dev_keys)
    for _ in range(2):
        assert (await search(org_any_db, token, q="kor")).status_code == 200
    sent = await org_any_db.client.post(
        "/ideas/form",
        data={**form_payload(), "co_author_ids": LEENA, "form_token": token},
        headers={"Accept": "application/json"},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["invited_ids"] == [LEENA]


async def test_the_search_is_documented_as_a_form_token_route(
    org_any_db: RunningService,
) -> None:
    document = (await org_any_db.client.get("/openapi.json")).json()
    operation = document["paths"][PATH]["get"]
    assert operation["x-ideapaja-action"] == "intake.people.search"
    assert operation["x-ideapaja-form-token"]["in"] == "query"
    assert {p["name"] for p in operation["parameters"]} >= {"form_token", "q", "id", "limit"}
