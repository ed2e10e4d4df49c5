"""Screening and decisions per role: accept for review, needs_info and the authors' answer,
duplicates merged, forwarding to another unit, appeals and reopening once, the authors' view."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient, Response
from review_testkit import As, Headers, NewCase, emitted, problem

from ideapaja_contracts.events.idea import Scope
from ideapaja_runtime.testing import RunningService

CA = ("p-ca-kirjasto", "change_agent")
SUP = ("p-sup-kirjasto", "employee", "supervisor")
CA_KOULU = ("p-ca-koulu", "change_agent")
COM = ("p-com-1", "committee_member")
ADMIN = ("p-admin", "admin")
AUTHOR = ("p-author", "employee")


async def decide(
    client: AsyncClient, case_id: str, headers: Headers, decision: str = "accepted", **extra: Any
) -> Response:
    return await client.post(
        f"/cases/{case_id}/decision",
        json={"decision": decision, "rationale": extra.pop("rationale", "Perustelu."), **extra},
        headers=headers,
    )


# --- Accept for review ----------------------------------------------------------------------------


async def test_accepting_for_review_moves_to_in_review_with_its_own_deadline(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    response = await client.post(
        f"/cases/{case['id']}/accept-for-review",
        json={"note": "Selvitetään kustannukset."},
        headers=as_(*CA),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "in_review"
    assert body["allowed_actions"] == ["decide", "withdraw"]
    assert body["due_at"] > case["due_at"]  # 60 days for review instead of 14 for screening
    assert body["history"][-1]["action"] == "accept_for_review"
    assert body["history"][-1]["reason"] == "Selvitetään kustannukset."
    [started] = await emitted(api, "review.review_started", case_id=case["id"])
    assert started["started_by"] == "p-ca-kirjasto"
    assert started["reviewer_ids"] == ["p-ca-kirjasto", "p-sup-kirjasto"]

    again = await client.post(f"/cases/{case['id']}/accept-for-review", json={}, headers=as_(*CA))
    assert problem(again, 409)["allowed"] == ["decide", "withdraw"]
    decided = await decide(client, case["id"], as_(*SUP), rationale="Toteutetaan.")
    assert decided.json()["status"] == "decided"


@pytest.mark.parametrize(
    "caller",
    [("p-ca-puisto", "change_agent"), ("p-emp-kirjasto", "employee"), COM],
    ids=["other unit", "employee", "committee member"],
)
async def test_only_the_cases_screeners_accept_for_review(
    client: AsyncClient, as_: As, new_case: NewCase, caller: tuple[str, ...]
) -> None:
    case = await new_case()
    response = await client.post(
        f"/cases/{case['id']}/accept-for-review", json={}, headers=as_(*caller)
    )
    problem(response, 403)


# --- needs_info and the authors' answer -----------------------------------------------------------


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_needs_info_question_is_answered_by_an_author_and_screening_resumes(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, anonymous: bool
) -> None:
    case = await new_case(authors=["p-author", "p-coauthor"], anonymous=anonymous)
    asked = await decide(
        client,
        case["id"],
        as_(*CA),
        "needs_info",
        rationale="Tarvitsemme lisätietoja.",
        question="Mitä omatoimiaika maksaisi vuodessa?",
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["info_question"] == "Mitä omatoimiaika maksaisi vuodessa?"
    [requested] = await emitted(api, "review.info_requested", case_id=case["id"])
    assert requested["question"] == "Mitä omatoimiaika maksaisi vuodessa?"
    assert requested["requested_by"] == "p-ca-kirjasto"

    view = await client.get(f"/ideas/{case['idea_id']}/review", headers=as_("p-coauthor"))
    assert view.status_code == 200, view.text
    assert view.json()["question"] == "Mitä omatoimiaika maksaisi vuodessa?"
    assert (view.json()["can_answer"], view.json()["can_appeal"]) == (True, False)

    path = f"/ideas/{case['idea_id']}/answer"
    answer = {"answer": "Noin 3 000 euroa vuodessa."}
    problem(await client.post(path, json=answer, headers=as_(*CA)), 403)
    problem(await client.post(path, json=answer, headers=as_("p-stranger", "employee")), 403)
    answered = await client.post(path, json=answer, headers=as_("p-coauthor", "employee"))
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "screening"
    assert answered.json()["steps"][-1]["reason"] == "Noin 3 000 euroa vuodessa."
    [provided] = await emitted(api, "review.info_provided", case_id=case["id"])
    assert provided == {
        "_type": "ideapaja.review.info_provided.v1",
        "case_id": case["id"],
        "idea_id": case["idea_id"],
        "author_ref": "a-ref1",
        "answer": "Noin 3 000 euroa vuodessa.",
    }
    detail = (await client.get(f"/cases/{case['id']}", headers=as_(*CA))).json()
    entry = detail["history"][-1]
    assert entry["action"] == "resume_screening"
    # An anonymous author is named by the pseudonym even in the reviewers' history.
    assert entry["actor_id"] == ("a-ref1" if anonymous else "p-coauthor")
    assert "p-coauthor" not in str(detail) or not anonymous

    again = await client.post(path, json=answer, headers=as_("p-coauthor", "employee"))
    assert problem(again, 409)["allowed"] == ["accept_for_review", "decide", "withdraw"]


async def test_answering_an_unknown_idea_is_404_and_a_blank_answer_422(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    problem(
        await client.post("/ideas/i-nowhere/answer", json={"answer": "x"}, headers=as_(*AUTHOR)),
        404,
    )
    case = await new_case()
    blank = await client.post(
        f"/ideas/{case['idea_id']}/answer", json={"answer": "  "}, headers=as_(*AUTHOR)
    )
    problem(blank, 422)


async def test_question_is_only_for_needs_info(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    response = await decide(client, case["id"], as_(*CA), question="Miksi?")
    assert "question" in problem(response, 422)["detail"]


# --- Duplicates -----------------------------------------------------------------------------------


async def test_duplicate_merges_into_the_surviving_idea_and_both_keep_their_timeline(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    survivor = await new_case()
    copy = await new_case()
    response = await decide(
        client,
        copy["id"],
        as_(*CA),
        "duplicate",
        rationale="Sama idea kuin aiempi.",
        duplicate_of=survivor["idea_id"],
    )
    assert response.status_code == 200, response.text
    [merged] = await emitted(api, "review.merged", case_id=copy["id"])
    assert (merged["idea_id"], merged["into_idea_id"], merged["merged_by"]) == (
        copy["idea_id"],
        survivor["idea_id"],
        "p-ca-kirjasto",
    )
    target = (await client.get(f"/cases/{survivor['id']}", headers=as_(*CA))).json()
    assert target["status"] == "screening"
    assert [h["action"] for h in target["history"]] == ["opened", "routed", "merged_in"]
    assert target["history"][-1]["details"] == {
        "idea_id": copy["idea_id"],
        "case_id": copy["id"],
    }
    mine = (await client.get(f"/cases/{copy['id']}", headers=as_(*CA))).json()
    assert [h["action"] for h in mine["history"]] == ["opened", "routed", "decide"]

    # Nothing merges into an idea that was itself merged away.
    third = await new_case()
    chained = await decide(client, third["id"], as_(*CA), "duplicate", duplicate_of=copy["idea_id"])
    assert survivor["idea_id"] in problem(chained, 422)["detail"]


# --- Forwarding -----------------------------------------------------------------------------------


async def test_forwarding_opens_the_receiving_units_case_and_keeps_the_history(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    response = await decide(
        client,
        case["id"],
        as_(*CA),
        "forwarded",
        rationale="Koulun asia.",
        forwarded_to_unit_id="u-koulu",
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "decided" and response.json()["allowed_actions"] == []
    [forwarded] = await emitted(api, "review.forwarded", case_id=case["id"])
    assert (forwarded["from_unit_id"], forwarded["to_unit_id"], forwarded["reason"]) == (
        "u-kirjasto",
        "u-koulu",
        "Koulun asia.",
    )

    current = (await client.get(f"/cases/by-idea/{case['idea_id']}", headers=as_(*ADMIN))).json()
    assert current["id"] != case["id"]
    assert (current["round"], current["previous_case_id"]) == (2, case["id"])
    assert (current["unit_id"], current["scope"], current["status"]) == (
        "u-koulu",
        "unit",
        "screening",
    )
    assert current["reviewer_ids"] == ["p-ca-koulu", "p-sup-koulu"]
    assert current["history"][0]["actor_id"] == "p-ca-kirjasto"
    # The forwarder's own words; where it came from is a fact in the details, not English text.
    assert current["history"][0]["reason"] == "Koulun asia."
    assert current["history"][0]["details"]["forwarded_from"] == "u-kirjasto"
    [started] = await emitted(api, "review.screening_started", case_id=current["id"])
    assert started["unit_id"] == "u-koulu"

    # The old unit keeps its case and its history; the new unit decides on its own.
    old = (await client.get(f"/cases/{case['id']}", headers=as_(*CA))).json()
    assert [h["action"] for h in old["history"]] == ["opened", "routed", "decide"]
    problem(await client.get(f"/cases/{current['id']}", headers=as_(*CA)), 403)
    accepted = await decide(client, current["id"], as_(*CA_KOULU))
    assert accepted.status_code == 200, accepted.text

    # The authors see both rounds.
    view = (await client.get(f"/ideas/{case['idea_id']}/review", headers=as_(*AUTHOR))).json()
    assert [s["action"] for s in view["steps"]] == ["opened", "decide", "opened", "decide"]
    assert view["decision"] == "accepted"


async def test_forwarding_to_a_department_makes_it_a_department_idea(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(unit_id="u-puisto")
    response = await decide(
        client,
        case["id"],
        as_("p-ca-puisto", "change_agent"),
        "forwarded",
        forwarded_to_unit_id="d-sivistys",
    )
    assert response.status_code == 200, response.text
    current = (await client.get(f"/cases/by-idea/{case['idea_id']}", headers=as_(*ADMIN))).json()
    assert (current["scope"], current["unit_id"]) == ("department", "d-sivistys")
    assert "p-ca-sivistys" in current["reviewer_ids"]


# --- Appeals and reopening ------------------------------------------------------------------------


async def test_authors_appeal_once_and_a_second_appeal_is_409(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    await decide(client, case["id"], as_(*SUP), "rejected", rationale="Ei resursseja.")
    path = f"/ideas/{case['idea_id']}/appeal"
    problem(await client.post(path, json={"reason": "x"}, headers=as_(*CA)), 403)
    appealed = await client.post(
        path, json={"reason": "Kustannukset on laskettu väärin."}, headers=as_(*AUTHOR)
    )
    assert appealed.status_code == 200, appealed.text
    assert (appealed.json()["status"], appealed.json()["appealed"]) == ("in_review", True)
    [reopened] = await emitted(api, "review.reopened", case_id=case["id"])
    assert reopened["by_author"] is True and reopened["previous_decision"] == "rejected"
    assert reopened["reopened_by"] == "a-ref1"  # authors travel by pseudonym
    assert reopened["reason"] == "Kustannukset on laskettu väärin."

    again = await decide(client, case["id"], as_(*SUP), "rejected", rationale="Edelleen ei.")
    assert again.json()["appealed"] is True
    second = await client.post(path, json={"reason": "Uudestaan."}, headers=as_(*AUTHOR))
    body = problem(second, 409)
    assert body["allowed"] == [] and body["appealed"] is True
    assert "appealed once already" in body["detail"]
    reopen = await client.post(
        f"/cases/{case['id']}/reopen", json={"reason": "Vielä."}, headers=as_(*SUP)
    )
    assert "appealed once already" in problem(reopen, 409)["detail"]
    assert len(await emitted(api, "review.reopened", case_id=case["id"])) == 1


async def test_reviewers_reopen_with_a_reason_and_only_deciders_may(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    await decide(client, case["id"], as_(*CA))
    path = f"/cases/{case['id']}/reopen"
    problem(await client.post(path, json={"reason": "x"}, headers=as_(*CA_KOULU)), 403)
    problem(await client.post(path, json={}, headers=as_(*CA)), 422)
    reopened = await client.post(path, json={"reason": "Uutta tietoa."}, headers=as_(*CA))
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["status"], body["decision"], body["appealed"]) == ("in_review", None, True)
    assert body["history"][-1]["details"] == {"by_author": False, "previous_decision": "accepted"}


# --- Who decides what -----------------------------------------------------------------------------


async def test_committee_ideas_in_review_are_decided_in_a_meeting_not_by_one_member(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(scope=Scope.CITY)
    accepted = await client.post(
        f"/cases/{case['id']}/accept-for-review", json={}, headers=as_(*COM)
    )
    assert accepted.status_code == 200, accepted.text
    denied = problem(await decide(client, case["id"], as_(*COM)), 403)
    assert "meeting" in denied["detail"]
    asked = await decide(client, case["id"], as_(*COM), "needs_info", rationale="Tarkenna.")
    assert asked.status_code == 200, asked.text


async def test_the_authors_view_is_for_authors_and_reviewers_only(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(anonymous=True)
    await decide(client, case["id"], as_(*SUP), "rejected", rationale="Ei nyt.")
    path = f"/ideas/{case['idea_id']}/review"
    mine = (await client.get(path, headers=as_(*AUTHOR))).json()
    assert (mine["decision"], mine["rationale"], mine["can_appeal"]) == (
        "rejected",
        "Ei nyt.",
        True,
    )
    assert "p-sup-kirjasto" not in str(mine)  # reviewers stay unnamed to the authors
    assert (await client.get(path, headers=as_(*CA))).status_code == 200
    problem(await client.get(path, headers=as_("p-emp-kirjasto", "employee")), 403)
    problem(await client.get("/ideas/i-none/review", headers=as_(*AUTHOR)), 404)
