"""A whole committee meeting: committee and members, city ideas into review, the agenda,
attendance, conflicts of interest, scoring, quorum, the decision, deferral, closing and the
minutes in JSON, Markdown and CSV in three languages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    As,
    call_meeting,
    events_of,
    handler_delivery,
    idea,
    ok,
    outbox_events,
    refused,
)

from ideapaja_contracts.events.idea import Scope
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
CHAIR = ("p-com-1", "employee", "committee_member")
SECRETARY = ("p-sec", "employee", "committee_member")
M2 = ("p-com-2", "employee", "committee_member")
M3 = ("p-com-3", "employee", "committee_member")
M4 = ("p-com-4", "employee", "committee_member")
OUTSIDER = ("p-com-5", "employee", "committee_member")
EMPLOYEE = ("p-emp-kirjasto", "employee")

GOOD = {"benefit": 5, "feasibility": 4, "cost": 3, "impact": 4, "novelty": 2}
FAIR = {"benefit": 3, "feasibility": 3, "cost": 3, "impact": 3, "novelty": 3}
WEAK = {"benefit": 2, "feasibility": 1, "cost": 1, "impact": 2, "novelty": 5}
WEIGHTS = {"benefit": 3, "feasibility": 2, "cost": 2, "impact": 2, "novelty": 1}


def weighted(scores: dict[str, int]) -> float:
    return sum(WEIGHTS[k] * v for k, v in scores.items()) / sum(WEIGHTS.values())


@pytest.fixture(scope="module")
async def committee(api: RunningService, dev_keys: Any) -> dict[str, Any]:
    client = api.client
    admin = dev_keys.headers(*ADMIN)
    created = ok(
        await client.post(
            "/committees",
            json={"name": "Kehittämistoimikunta", "city_wide": True, "quorum": 3},
            headers=admin,
        ),
        201,
    )
    assert [c["key"] for c in created["criteria"]] == list(WEIGHTS)
    path = f"/committees/{created['id']}/members"
    for person_id, role in [
        ("p-com-1", "chair"),
        ("p-sec", "secretary"),
        ("p-com-2", "member"),
        ("p-com-3", "member"),
        ("p-com-4", "member"),
    ]:
        ok(await client.put(f"{path}/{person_id}", json={"role": role}, headers=admin))
    return dict(ok(await client.get(f"/committees/{created['id']}", headers=admin)))


async def city_case(api: RunningService, as_: As, authors: list[str], title: str) -> dict[str, Any]:
    submitted = idea(scope=Scope.CITY, unit_id="u-kirjasto", authors=authors)
    submitted = submitted.model_copy(update={"title": title})
    await handler_delivery(api).all([submitted])
    case = ok(await api.client.get(f"/cases/by-idea/{submitted.idea_id}", headers=as_(*ADMIN)))
    ok(
        await api.client.post(
            f"/cases/{case['id']}/accept-for-review", json={}, headers=as_(*CHAIR)
        )
    )
    return dict(case)


async def test_committee_meeting_from_agenda_to_minutes(
    api: RunningService, client: AsyncClient, as_: As, clock: Any, committee: dict[str, Any]
) -> None:
    committee_id = committee["id"]
    assert {m["person_id"]: m["role"] for m in committee["members"]} == {
        "p-com-1": "chair",
        "p-sec": "secretary",
        "p-com-2": "member",
        "p-com-3": "member",
        "p-com-4": "member",
    }
    a = await city_case(api, as_, ["p-author"], "Sähköpotkulaudat kotihoitoon")
    b = await city_case(api, as_, ["p-com-4"], "Yhteinen auto")
    c = await city_case(api, as_, ["p-author"], "Kirjastoauto kyliin")
    # City ideas go to the committee's members; an author never reviews their own idea.
    assert a["committee_id"] == committee_id
    assert a["reviewer_ids"] == ["p-com-1", "p-com-2", "p-com-3", "p-com-4", "p-sec"]
    assert "p-com-4" not in b["reviewer_ids"]

    # --- the agenda: every case in review waiting for the committee, oldest first
    problem = await client.post(
        f"/committees/{committee_id}/meetings",
        json={"title": "x", "scheduled_at": "2025-05-06T14:00:00+03:00"},
        headers=as_(*M2),
    )
    assert refused(problem, 403)["detail"].startswith("Calling a meeting")
    meeting = await call_meeting(
        client,
        committee_id,
        as_(*CHAIR),
        title="Toukokuun kokous",
        scheduled_at="2025-05-06T14:00:00+03:00",
    )
    meeting_id = meeting["id"]
    assert [i["id"] for i in meeting["agenda"]] == [a["id"], b["id"], c["id"]]
    assert meeting["quorum"] == 3 and meeting["status"] == "planned"
    history = ok(await client.get(f"/cases/{a['id']}", headers=as_(*CHAIR)))["history"]
    assert history[-1]["action"] == "agenda_added"

    ok(
        await client.put(
            f"/meetings/{meeting_id}/attendance",
            json={"present_ids": ["p-com-1", "p-sec", "p-com-2", "p-com-3", "p-com-4"]},
            headers=as_(*SECRETARY),
        )
    )
    stranger = await client.put(
        f"/meetings/{meeting_id}/attendance",
        json={"present_ids": ["p-com-5"]},
        headers=as_(*SECRETARY),
    )
    refused(stranger, 422)

    # --- conflicts of interest: recorded, and the conflicted never score
    item_a = f"/meetings/{meeting_id}/items/{a['id']}"
    ok(
        await client.post(
            f"{item_a}/conflicts", json={"reason": "Puoliso on ideoija."}, headers=as_(*M3)
        ),
        201,
    )
    score = {"scores": GOOD, "comment": "Vahva hyöty."}
    assert (
        "conflict of interest"
        in refused(await client.put(f"{item_a}/scores/me", json=score, headers=as_(*M3)), 403)[
            "detail"
        ]
    )
    item_b = f"/meetings/{meeting_id}/items/{b['id']}"
    refused(await client.put(f"{item_b}/scores/me", json=score, headers=as_(*M4)), 403)
    refused(await client.put(f"{item_a}/scores/me", json=score, headers=as_(*SECRETARY)), 403)
    refused(await client.put(f"{item_a}/scores/me", json=score, headers=as_(*OUTSIDER)), 403)
    for bad in ({**GOOD, "benefit": 6}, {"benefit": 3}, {**GOOD, "beauty": 1}):
        refused(
            await client.put(f"{item_a}/scores/me", json={"scores": bad}, headers=as_(*M2)), 422
        )

    # --- scoring and quorum
    ok(await client.put(f"{item_a}/scores/me", json=score, headers=as_(*CHAIR)))
    ok(await client.put(f"{item_a}/scores/me", json={"scores": WEAK}, headers=as_(*M2)))
    # A member may change their scores until the item is decided.
    ok(
        await client.put(
            f"{item_a}/scores/me",
            json={"scores": FAIR, "comment": "Kohtuullinen."},
            headers=as_(*M2),
        )
    )
    accept = {"decision": "accepted", "rationale": "Toimikunta puoltaa, pisteet 3,8."}
    quorum = refused(await client.post(f"{item_a}/decision", json=accept, headers=as_(*CHAIR)), 409)
    assert quorum["title"] == "Quorum not met" and "quorum is 3" in quorum["detail"]
    ok(await client.put(f"{item_a}/scores/me", json={"scores": GOOD}, headers=as_(*M4)))
    evaluation = ok(await client.get(item_a, headers=as_(*M2)))
    assert (evaluation["scorer_count"], evaluation["quorum_met"]) == (3, True)
    assert evaluation["eligible_ids"] == ["p-com-1", "p-com-2", "p-com-4"]
    expected = (2 * weighted(GOOD) + weighted(FAIR)) / 3
    assert evaluation["weighted_mean"] == pytest.approx(round(expected, 2))
    assert evaluation["criterion_means"]["benefit"] == pytest.approx(round(13 / 3, 2))
    assert [c["person_id"] for c in evaluation["conflicts"]] == ["p-com-3"]

    # --- the decision: the chair records it; it is the case's decision
    refused(await client.post(f"{item_a}/decision", json=accept, headers=as_(*SECRETARY)), 403)
    decided = ok(await client.post(f"{item_a}/decision", json=accept, headers=as_(*CHAIR)))
    assert decided["status"] == "decided"
    case_a = ok(await client.get(f"/cases/{a['id']}", headers=as_(*ADMIN)))
    assert (case_a["status"], case_a["decision"], case_a["decided_by"]) == (
        "decided",
        "accepted",
        "p-com-1",
    )
    assert case_a["history"][-1]["details"] == {"in_meeting": True}
    scored = [h for h in case_a["history"] if h["action"] == "scored"]
    # Every scoring is kept, the changed one too (p-com-2 scored twice).
    assert [h["actor_id"] for h in scored] == ["p-com-1", "p-com-2", "p-com-2", "p-com-4"]
    assert scored[2]["details"] == {"meeting_id": meeting_id, "scores": FAIR}
    events = await outbox_events(api.runtime.db, "ideapaja.review.decided.v1")
    [review_decided] = events_of(events, case_id=a["id"])
    assert (review_decided["decision"], review_decided["rationale"]) == (
        "accepted",
        accept["rationale"],
    )
    again = await client.post(f"{item_a}/decision", json=accept, headers=as_(*CHAIR))
    assert refused(again, 409)["title"] == "Item handled"
    refused(await client.put(f"{item_a}/scores/me", json=score, headers=as_(*M2)), 409)

    # --- a conflict recorded after scoring takes the score out of the count
    item_c = f"/meetings/{meeting_id}/items/{c['id']}"
    ok(await client.put(f"{item_c}/scores/me", json={"scores": FAIR}, headers=as_(*M3)))
    assert ok(await client.get(item_c, headers=as_(*CHAIR)))["scorer_count"] == 1
    refused(
        await client.post(
            f"{item_c}/conflicts",
            json={"person_id": "p-com-3", "reason": "x"},
            headers=as_(*M2),
        ),
        403,
    )
    ok(
        await client.post(
            f"{item_c}/conflicts",
            json={"person_id": "p-com-3", "reason": "Työskentelee kirjastoautossa."},
            headers=as_(*SECRETARY),
        ),
        201,
    )
    assert ok(await client.get(item_c, headers=as_(*CHAIR)))["scorer_count"] == 0

    # --- deferral, and the minutes are members' until the meeting closes
    ok(
        await client.post(
            f"{item_b}/deferral",
            json={"reason": "Lisäselvitys kustannuksista."},
            headers=as_(*SECRETARY),
        )
    )
    minutes_path = f"/meetings/{meeting_id}/minutes"
    refused(await client.get(minutes_path, headers=as_(*EMPLOYEE)), 403)
    ok(await client.get(minutes_path, headers=as_(*M2)))
    closed = ok(await client.post(f"/meetings/{meeting_id}/close", headers=as_(*SECRETARY)))
    assert closed["status"] == "closed"
    assert [i["status"] for i in closed["agenda"]] == ["decided", "deferred", "deferred"]
    [published] = events_of(
        await outbox_events(api.runtime.db, "ideapaja.committee.minutes_published.v1"),
        meeting_id=meeting_id,
    )
    assert published["decided_idea_ids"] == [a["idea_id"]]
    assert published["deferred_idea_ids"] == [b["idea_id"], c["idea_id"]]
    assert published["closed_by"] == "p-sec"
    # Every member is told the minutes are out (notification reads them from the event).
    assert published["member_ids"] == ["p-com-1", "p-com-2", "p-com-3", "p-com-4", "p-sec"]
    refused(await client.put(f"{item_c}/scores/me", json=score, headers=as_(*M2)), 409)

    # --- minutes: JSON
    data = ok(await client.get(minutes_path, headers=as_(*EMPLOYEE)))
    assert (data["committee_name"], data["title"], data["status"]) == (
        "Kehittämistoimikunta",
        "Toukokuun kokous",
        "closed",
    )
    assert data["present_ids"] == ["p-com-1", "p-com-2", "p-com-3", "p-com-4", "p-sec"]
    first = data["items"][0]
    assert (first["decision"], first["rationale"], first["decided_by"]) == (
        "accepted",
        accept["rationale"],
        "p-com-1",
    )
    assert first["conflicts"] == [{"person_id": "p-com-3", "reason": "Puoliso on ideoija."}]
    assert [s["person_id"] for s in first["scores"]] == ["p-com-1", "p-com-2", "p-com-4"]
    assert first["weighted_mean"] == pytest.approx(round(expected, 2))
    assert [i["status"] for i in data["items"]] == ["decided", "deferred", "deferred"]
    assert data["items"][1]["rationale"] == "Lisäselvitys kustannuksista."

    # --- minutes: Markdown in three languages, CSV
    headings = {
        "fi": (
            "# Pöytäkirja: Toukokuun kokous",
            "Esteellisyydet",
            "Hyväksytty",
            "Pantiin pöydälle",
        ),
        "sv": ("# Protokoll: Toukokuun kokous", "Jäv", "Godkänt", "Bordlagt"),
        "en": ("# Minutes: Toukokuun kokous", "Conflicts of interest", "Accepted", "Deferred"),
    }
    for lang, expected_texts in headings.items():
        response = await client.get(
            minutes_path, params={"format": "markdown", "language": lang}, headers=as_(*EMPLOYEE)
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/markdown")
        assert "attachment" in response.headers["content-disposition"]
        for text in expected_texts:
            assert text in response.text, (lang, text)
        assert accept["rationale"] in response.text
    csv_response = await client.get(
        minutes_path, params={"format": "csv", "language": "en"}, headers=as_(*EMPLOYEE)
    )
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.text)))
    assert rows[0][:5] == ["Item", "Idea", "Case", "Title", "Member"]
    scored = [r for r in rows[1:] if r[1] == a["idea_id"]]
    assert [r[4] for r in scored] == ["p-com-1", "p-com-2", "p-com-4", "Mean"]
    assert scored[-1][-3:] == ["Accepted", accept["rationale"], "p-com-3: Puoliso on ideoija."]
    refused(await client.get(minutes_path, params={"format": "pdf"}, headers=as_(*EMPLOYEE)), 422)

    # --- the deferred items wait for the next meeting's agenda
    nxt = await call_meeting(
        client,
        committee_id,
        as_(*SECRETARY),
        title="Kesäkuun kokous",
        scheduled_at="2025-06-03T14:00:00+03:00",
    )
    assert [i["id"] for i in nxt["agenda"]] == [b["id"], c["id"]]


async def test_calling_a_meeting_and_adding_to_its_agenda_tell_the_members(
    api: RunningService, client: AsyncClient, as_: As, committee: dict[str, Any]
) -> None:
    """The invitation with its agenda (MeetingScheduled) and a case added later, open for
    scoring (ScoringOpened), each in the transaction that changed the agenda: with the
    members to tell, and never an author's id."""
    d = await city_case(api, as_, ["p-author-d"], "Pyöräparkki virastotalolle")
    e = await city_case(api, as_, ["p-author-e"], "Etäkokousten tekstitys")
    meeting = await call_meeting(
        client,
        committee["id"],
        as_(*CHAIR),
        title="Kesäkuun kokous",
        scheduled_at="2025-06-03T14:00:00+03:00",
        case_ids=[d["id"]],
    )
    members = ["p-com-1", "p-com-2", "p-com-3", "p-com-4", "p-sec"]
    [scheduled] = events_of(
        await outbox_events(api.runtime.db, "ideapaja.committee.meeting_scheduled.v1"),
        meeting_id=meeting["id"],
    )
    assert scheduled["agenda"] == [
        {"case_id": d["id"], "idea_id": d["idea_id"], "title": "Pyöräparkki virastotalolle"}
    ]
    assert scheduled["member_ids"] == members and scheduled["called_by"] == "p-com-1"
    assert datetime.fromisoformat(scheduled["scheduled_at"]) == datetime(2025, 6, 3, 11, tzinfo=UTC)
    assert "p-author-d" not in str(scheduled)
    assert not events_of(
        await outbox_events(api.runtime.db, "ideapaja.committee.scoring_opened.v1"),
        meeting_id=meeting["id"],
    )

    ok(
        await client.post(
            f"/meetings/{meeting['id']}/items", json={"case_id": e["id"]}, headers=as_(*SECRETARY)
        )
    )
    [opened] = events_of(
        await outbox_events(api.runtime.db, "ideapaja.committee.scoring_opened.v1"),
        meeting_id=meeting["id"],
    )
    assert opened["case"] == {
        "case_id": e["id"],
        "idea_id": e["idea_id"],
        "title": "Etäkokousten tekstitys",
    }
    assert (opened["member_ids"], opened["added_by"]) == (members, "p-sec")


async def test_only_admins_manage_committees_and_one_is_city_wide(
    client: AsyncClient, as_: As, committee: dict[str, Any]
) -> None:
    body = {"name": "Toinen", "city_wide": True}
    refused(await client.post("/committees", json=body, headers=as_(*CHAIR)), 403)
    second = await client.post("/committees", json=body, headers=as_(*ADMIN))
    assert refused(second, 409)["title"] == "City-wide committee exists"
    bad_rubric = {"name": "Kolmas", "criteria": [{"key": "x", "weight": 0, "label_fi": "X"}]}
    refused(await client.post("/committees", json=bad_rubric, headers=as_(*ADMIN)), 422)
    path = f"/committees/{committee['id']}/members/p-x"
    refused(await client.put(path, json={"role": "member"}, headers=as_(*CHAIR)), 403)
    refused(await client.put(path, json={"role": "king"}, headers=as_(*ADMIN)), 422)


async def test_the_chair_changes_the_rubric_but_not_the_quorum(
    client: AsyncClient, as_: As, committee: dict[str, Any]
) -> None:
    path = f"/committees/{committee['id']}"
    rubric = {
        "criteria": [
            {"key": "benefit", "weight": 2, "label_fi": "Hyöty", "label_sv": "Nytta"},
            {"key": "cost", "weight": 1, "label_fi": "Kustannukset"},
        ]
    }
    refused(await client.patch(path, json={"quorum": 1}, headers=as_(*CHAIR)), 403)
    refused(await client.patch(path, json=rubric, headers=as_(*M2)), 403)
    changed = ok(await client.patch(path, json=rubric, headers=as_(*CHAIR)))
    assert [c["key"] for c in changed["criteria"]] == ["benefit", "cost"]
    restored = {"criteria": committee["criteria"]}
    ok(await client.patch(path, json=restored, headers=as_(*ADMIN)))


async def test_meetings_are_for_members_admins_and_management(
    client: AsyncClient, as_: As, committee: dict[str, Any]
) -> None:
    path = f"/committees/{committee['id']}/meetings"
    refused(await client.get(path, headers=as_(*EMPLOYEE)), 403)
    refused(await client.get(path, headers=as_(*OUTSIDER)), 403)
    for caller in (M2, ADMIN, ("p-mgmt", "management")):
        assert (await client.get(path, headers=as_(*caller))).status_code == 200
    refused(await client.get("/meetings/m-none", headers=as_(*ADMIN)), 404)
    bad = await client.post(
        path,
        json={"title": "x", "scheduled_at": "2025-01-01T00:00:00Z", "case_ids": ["c-none"]},
        headers=as_(*CHAIR),
    )
    refused(bad, 422)
