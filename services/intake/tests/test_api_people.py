"""GET /people: colleagues by name for the idea form's co-author picker, on SQLite and
PostgreSQL: any part of a name, its start, blind to case and accents; active staff only, name and
unit only; the names of co-authors on an idea; names leave with the person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from intake_testkit import AUTHOR, COLLEAGUE, assert_problem, idea_payload
from person_history import erase
from sqlalchemy import select

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_intake.db.models import Person, PersonNameWord
from ideapaja_intake.db.org import upsert_person
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import DevKeys, RunningService

LEENA, ASA, ANNA, GONE = "p-3001", "p-3002", "p-3003", "p-3004"
NAMED = {
    AUTHOR: ("Aino Author", "u-kirjasto"),
    LEENA: ("Leena Korhonen", "u-kirjasto"),
    ASA: ("Åsa Åhlund", "u-museo"),
    ANNA: ("Anna-Liisa Mäkelä", "u-museo"),
    GONE: ("Kalle Korpela", "u-museo"),
}


# What a search for "kor" answers: name and unit, nothing more.
LEENA_FOUND = {
    "items": [
        {
            "id": LEENA,
            "display_name": "Leena Korhonen",
            "unit_id": "u-kirjasto",
            "unit_name_fi": "Kirjasto",
            "unit_name_sv": "Biblioteket",
            "unit_name_en": "Library",
        }
    ],
    "total": 1,
    "total_exact": True,
    "limit": 50,
    "next_cursor": None,
}


async def hr_says(runtime: Runtime, event: PersonUpserted | PersonLeft, minutes: int = 0) -> None:
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    async with runtime.db.transaction() as session:
        await upsert_person(session, event, at, recorded_at=at)


def upserted(person_id: str, name: str, unit_id: str = "u-kirjasto") -> PersonUpserted:
    return PersonUpserted(
        person_id=person_id, unit_id=unit_id, display_name=name, email="x@kuusijarvi.example"
    )


async def seed_names(runtime: Runtime) -> None:
    for person_id, (name, unit_id) in NAMED.items():
        await hr_says(runtime, upserted(person_id, name, unit_id))
    await hr_says(runtime, PersonLeft(person_id=GONE, left_on="2026-05-31"), minutes=1)


async def find(
    running: RunningService, dev_keys: DevKeys, person: str = AUTHOR, **params: Any
) -> dict[str, Any]:
    response = await running.client.get(
        "/people", params=params, headers=dev_keys.headers(person, "employee")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def names(running: RunningService, dev_keys: DevKeys, q: str) -> list[str]:
    return [p["display_name"] for p in (await find(running, dev_keys, q=q))["items"]]


async def test_any_part_of_a_name_is_found_by_its_start_blind_to_case_and_accents(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    assert await names(org_any_db, dev_keys, "kor") == ["Leena Korhonen"]
    assert await names(org_any_db, dev_keys, "KORH") == ["Leena Korhonen"]
    assert await names(org_any_db, dev_keys, "ahl") == ["Åsa Åhlund"]
    assert await names(org_any_db, dev_keys, "Åhl") == ["Åsa Åhlund"]
    assert await names(org_any_db, dev_keys, "asa") == ["Åsa Åhlund"]
    assert await names(org_any_db, dev_keys, "liisa") == ["Anna-Liisa Mäkelä"]
    assert await names(org_any_db, dev_keys, "mäk") == ["Anna-Liisa Mäkelä"]
    assert await names(org_any_db, dev_keys, "make") == ["Anna-Liisa Mäkelä"]
    # Several words: each starts a part of the name, in any order.
    assert await names(org_any_db, dev_keys, "leena k") == ["Leena Korhonen"]
    assert await names(org_any_db, dev_keys, "kor le") == ["Leena Korhonen"]
    assert await names(org_any_db, dev_keys, "leena ah") == []
    # The middle of a word is not its start.
    assert await names(org_any_db, dev_keys, "honen") == []
    # Several matches come by name.
    assert await names(org_any_db, dev_keys, "an") == ["Anna-Liisa Mäkelä"]


async def test_a_colleague_is_shown_by_name_and_unit_and_nothing_more(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    page = await find(org_any_db, dev_keys, q="kor")
    assert page == LEENA_FOUND
    assert "kuusijarvi.example" not in str(page)


async def test_people_who_left_and_the_searcher_are_not_offered(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    runtime = org_any_db.runtime
    await seed_names(runtime)
    # Kalle Korpela left: no longer found, and his name is no longer kept.
    assert await names(org_any_db, dev_keys, "korp") == []
    async with runtime.db.transaction() as session:
        gone = await session.get(Person, GONE)
        words = (
            await session.scalars(
                select(PersonNameWord.word).where(PersonNameWord.person_id == GONE)
            )
        ).all()
    assert gone is not None and (gone.active, gone.display_name, gone.name_key) == (False, "", "")
    assert words == []
    # The searcher is the author already; someone else finds them.
    assert await names(org_any_db, dev_keys, "aino") == []
    assert [p["id"] for p in (await find(org_any_db, dev_keys, LEENA, q="aino"))["items"]] == [
        AUTHOR
    ]
    # A late, older record of the person who left changes nothing.
    await hr_says(runtime, upserted(GONE, "Kalle Korpela", "u-museo"), minutes=-5)
    assert await names(org_any_db, dev_keys, "korp") == []
    # A new name replaces the old one's words.
    await hr_says(runtime, upserted(LEENA, "Leena Virtanen"), minutes=2)
    assert await names(org_any_db, dev_keys, "kor") == []
    assert await names(org_any_db, dev_keys, "virt") == ["Leena Virtanen"]


async def test_an_erased_person_is_neither_found_nor_named(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    runtime = org_any_db.runtime
    await seed_names(runtime)
    await erase(org_any_db, LEENA, at=datetime.now(UTC) + timedelta(minutes=5))
    assert await names(org_any_db, dev_keys, "kor") == []
    assert (await find(org_any_db, dev_keys, id=[LEENA]))["items"] == []
    async with runtime.db.transaction() as session:
        assert await session.get(Person, LEENA) is None
        left = await session.scalars(
            select(PersonNameWord).where(PersonNameWord.person_id == LEENA)
        )
        assert left.all() == []


async def test_co_authors_already_chosen_are_named_by_id(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    page = await find(org_any_db, dev_keys, id=[ASA, LEENA, GONE, AUTHOR, "p-404"])
    assert [(p["id"], p["display_name"]) for p in page["items"]] == [
        (AUTHOR, "Aino Author"),
        (ASA, "Åsa Åhlund"),  # by the folded name: "asa ahlund"
        (LEENA, "Leena Korhonen"),
    ]
    both = await find(org_any_db, dev_keys, id=[ASA, LEENA], q="ahl")
    assert [p["id"] for p in both["items"]] == [ASA]


async def test_pages_follow_the_name_order(org_any_db: RunningService, dev_keys: DevKeys) -> None:
    runtime = org_any_db.runtime
    for i in range(5):
        await hr_says(runtime, upserted(f"p-40{i}", f"Virta {'EDCBA'[i]}"))
    first = await find(org_any_db, dev_keys, q="virta", limit=3)
    assert first["total"] == 5
    second = await find(org_any_db, dev_keys, q="virta", limit=3, cursor=first["next_cursor"])
    assert [p["display_name"] for p in first["items"] + second["items"]] == [
        f"Virta {c}" for c in "ABCDE"
    ]
    assert second["next_cursor"] is None


async def test_a_chosen_colleague_is_invited_and_sees_the_idea_in_their_ideas(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    [leena] = (await find(org_any_db, dev_keys, q="kor"))["items"]
    response = await org_any_db.client.post(
        "/ideas",
        json=idea_payload(co_author_ids=[leena["id"]]),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    assert response.status_code == 201, response.text
    idea = response.json()
    assert (idea["author_ids"], idea["invited_ids"]) == ([AUTHOR], [LEENA])
    mine = await org_any_db.client.get(
        "/ideas", params={"mine": "true"}, headers=dev_keys.headers(LEENA, "employee")
    )
    assert [i["id"] for i in mine.json()["items"]] == [idea["id"]]
    named = await find(org_any_db, dev_keys, LEENA, id=idea["author_ids"] + idea["invited_ids"])
    assert [p["display_name"] for p in named["items"]] == ["Aino Author", "Leena Korhonen"]
    confirmed = await org_any_db.client.post(
        f"/ideas/{idea['id']}/co-authors/{LEENA}/confirm",
        headers=dev_keys.headers(LEENA, "employee"),
    )
    assert confirmed.status_code == 200, confirmed.text


async def test_bad_searches_are_refused_with_problem_details(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    client, employee = org_any_db.client, dev_keys.headers(COLLEAGUE, "employee")
    for params, field in [
        ({}, "q"),
        ({"q": "k"}, "q"),
        ({"q": "-- ,"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"id": "not an id"}, "id.0"),
        ({"id": [f"p-{i}" for i in range(21)]}, "id"),
        ({"q": "kor", "email": "x"}, "email"),
        ({"q": "kor", "limit": 101}, "limit"),
    ]:
        body = assert_problem(await client.get("/people", params=params, headers=employee), 422)
        assert field in {e["field"].removeprefix("query.") for e in body["errors"]}, (params, body)
    assert_problem(await client.get("/people", params={"q": "kor"}), 401)
    citizen = dev_keys.headers("c-1", "citizen")
    assert_problem(await client.get("/people", params={"q": "kor"}, headers=citizen), 403)


async def test_the_access_report_has_the_persons_name_as_hr_gave_it(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    await seed_names(org_any_db.runtime)
    response = await org_any_db.client.get(
        f"/privacy/persons/{LEENA}", headers=dev_keys.headers(LEENA, "employee")
    )
    assert response.status_code == 200, response.text
    assert response.json()["hr"]["display_name"] == "Leena Korhonen"
