"""GDPR in review: erasing a person's org data (roles, assignments, memberships) while the audit
trail of decisions stays under the opaque id; the report of everything held on a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from review_testkit import ORG, Delivery, idea, org_delivery, person, publish, review_settings
from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaRetentionExpired
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_review.app import service
from ideapaja_review.db import org
from ideapaja_review.db.models import (
    AssignedReviewerRow,
    AuditRow,
    CaseHistoryRow,
    CaseRow,
    CommitteeMemberRow,
    CommitteeRow,
    OrgPersonRow,
)
from ideapaja_review.usecases import erasures, person_report
from ideapaja_runtime import inbox
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE, REQUESTED_BY_HEADER
from ideapaja_runtime.testing import DevKeys, eventually, running_service
from ideapaja_runtime.testing_builders import erasure_requested, wiring

AGENT = "p-ca-kirjasto"
ERASED_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def erasure(person_id: str = AGENT) -> ErasureRequested:
    return erasure_requested(person_id)


def deliver(db: Database) -> Delivery:
    return org_delivery(
        db, {ErasureRequested: erasures.on_erasure_requested}, settings=review_settings()
    )


async def _seed(db: Database) -> str:
    """The library's change agent reviews one idea, wrote another, is assigned to the school and
    sits on a committee."""
    delivery = deliver(db)
    for event in ORG:
        await delivery(event, at=ERASED_AT - timedelta(days=400))
    await delivery(idea("i-reviewed", authors=["p-emp-kirjasto"]))
    await delivery(idea("i-written", authors=[AGENT, "p-emp-kirjasto"], unit_id="u-koulu"))
    now = datetime.now(UTC)
    async with db.transaction() as session:
        session.add(
            AssignedReviewerRow(
                unit_id="u-koulu",
                person_id=AGENT,
                role="change_agent",
                assigned_by="p-admin",
                assigned_at=now,
            )
        )
        session.add(
            CommitteeRow(
                committee_id="k-1", name="Kehittämistoimikunta", city_wide=True, quorum=1,
                criteria=[], created_at=now,
            )
        )  # fmt: skip
        await session.flush()
        session.add(CommitteeMemberRow(committee_id="k-1", person_id=AGENT, role="member"))
        case = await session.scalar(select(CaseRow).where(CaseRow.idea_id == "i-reviewed"))
        assert case is not None
        return case.case_id


async def test_erasure_removes_org_data_and_keeps_the_decision_trail(db: Database) -> None:
    reviewed_case = await _seed(db)
    async with db.transaction() as session:
        before = await person_report.person_report(session, AGENT)
        assert before.org is not None and "change_agent" in before.org.roles
        assert before.org.display_name == AGENT  # HR's name is held, and reported
        assert [c["case_id"] for c in before.cases_reviewing] == [reviewed_case]
        history_before = len((await session.scalars(select(CaseHistoryRow))).all())

    await deliver(db)(erasure(), at=ERASED_AT)

    async with db.transaction() as session:
        after = await person_report.person_report(session, AGENT)
        row = await session.get(OrgPersonRow, AGENT)
        assert row is not None
        assert (row.unit_id, row.active, as_utc(row.as_of)) == (None, False, ERASED_AT)
        assert row.display_name is None
        assert await org.hr_roles(session, AGENT) == (None, frozenset())
        assert (await session.scalars(select(AssignedReviewerRow))).all() == []
        assert (await session.scalars(select(CommitteeMemberRow))).all() == []
        # The trail stays: the case's reviewers and its history, the idea they wrote.
        assert len((await session.scalars(select(CaseHistoryRow))).all()) == history_before
        [entry] = (await session.scalars(select(AuditRow))).all()
    assert after.org is not None and after.org.roles == [] and after.org.unit_id is None
    assert after.org.display_name is None
    assert after.assignments == [] and after.committee_memberships == []
    assert after.cases_reviewing == before.cases_reviewing
    assert [c["idea_id"] for c in after.cases_authored] == ["i-written"]
    assert (entry.actor_id, entry.action, entry.subject) == ("p-hr", "person.erased", AGENT)
    assert entry.details is not None
    assert entry.details["removed_roles"] == ["change_agent", "employee"]
    assert entry.details["removed_assignments"] == ["u-koulu:change_agent"]
    assert entry.details["removed_committee_memberships"] == ["k-1:member"]


async def test_late_hr_records_stay_out_and_a_re_hire_comes_back(db: Database) -> None:
    delivery = deliver(db)
    # Erased before review heard of them: remembered, inactive.
    await delivery(erasure("p-new"), at=ERASED_AT)
    await delivery(person("p-new", "u-kirjasto", "change_agent"), at=ERASED_AT - timedelta(hours=1))
    async with db.transaction() as session:
        assert await org.hr_roles(session, "p-new") == (None, frozenset())
    await delivery(person("p-new", "u-kirjasto", "change_agent"), at=ERASED_AT + timedelta(days=9))
    async with db.transaction() as session:
        assert await org.hr_roles(session, "p-new") == ("u-kirjasto", frozenset({"change_agent"}))
    # An erasure older than that re-hire leaves the new employment's data alone.
    await delivery(erasure("p-new"), at=ERASED_AT + timedelta(days=1))
    async with db.transaction() as session:
        assert await org.hr_roles(session, "p-new") == ("u-kirjasto", frozenset({"change_agent"}))


async def test_the_report_route_and_the_erasure_over_nats(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys, js: Any
) -> None:
    settings = review_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        deadline_sweep_seconds=0,
    )
    async with running_service(service, settings) as running:
        await _seed(running.runtime.db)
        client = running.client
        own = await client.get(f"/privacy/persons/{AGENT}", headers=dev_keys.headers(AGENT))
        assert own.status_code == 200, own.text
        assert own.json()["org"]["roles"] == ["change_agent", "employee"]
        for role in ("hr", "admin"):
            seen = await client.get(
                f"/privacy/persons/{AGENT}", headers=dev_keys.headers("p", role)
            )
            assert seen.status_code == 200 and seen.json() == own.json()
        for role in ("change_agent", "supervisor", "committee_member", "management"):
            refused = await client.get(
                f"/privacy/persons/{AGENT}", headers=dev_keys.headers("p-other", role)
            )
            assert refused.status_code == 403 and refused.json()["reason"] == "object"

        event_id = await publish(js, erasure())

        async def erased() -> bool:
            async with running.runtime.db.transaction() as session:
                return await inbox.handled(
                    session, consumer="review-privacy-erasures", event_id=event_id
                )

        await eventually(erased)
        after = (
            await client.get(f"/privacy/persons/{AGENT}", headers=dev_keys.headers(AGENT))
        ).json()
        assert after["org"]["roles"] == [] and after["org"]["active"] is False
        assert after["cases_reviewing"] == own.json()["cases_reviewing"]


async def test_others_reports_leave_out_the_cases_of_an_anonymous_idea(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> None:
    """An employee wrote a named and an anonymous idea and appealed the rejection of the
    anonymous one: HR's and admins' reports (and the privacy service's on their behalf) list the
    named case only, counting the anonymous one; hers lists both."""
    author = "p-emp-kirjasto"
    settings = review_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        deadline_sweep_seconds=0,
    )
    async with running_service(service, settings) as running:
        delivery = deliver(running.runtime.db)
        for event in ORG:
            await delivery(event, at=ERASED_AT - timedelta(days=400))
        await delivery(idea("i-named", authors=[author]))
        await delivery(idea("i-anon", authors=[author], anonymous=True))
        client = running.client
        agent = dev_keys.headers(AGENT, "employee", "change_agent", units=["u-kirjasto"])
        case = (await client.get("/cases/by-idea/i-anon", headers=agent)).json()
        decided = await client.post(
            f"/cases/{case['id']}/decision",
            headers=agent,
            json={"decision": "rejected", "rationale": "Ei resursseja tänä vuonna."},
        )
        assert decided.status_code in (200, 201), decided.text
        appealed = await client.post(
            "/ideas/i-anon/appeal",
            headers=dev_keys.headers(author, "employee", units=["u-kirjasto"]),
            json={"reason": "Kustannukset on laskettu väärin."},
        )
        assert appealed.status_code == 200, appealed.text

        path = f"/privacy/persons/{author}"

        async def report(headers: dict[str, str]) -> Any:
            response = await client.get(path, headers=headers)
            assert response.status_code == 200, response.text
            return response.json()

        own = await report(dev_keys.headers(author, "employee"))
        assert sorted(c["idea_id"] for c in own["cases_authored"]) == ["i-anon", "i-named"]
        # Her appeal is in the case's history under the idea's pseudonym, not her id.
        assert own["case_actions"] == []
        assert (own["anonymous_items_withheld"], own["withheld_note"]) == (0, None)

        hr = dev_keys.headers("p-hr", "hr")
        as_hr = await report(hr)
        assert [c["idea_id"] for c in as_hr["cases_authored"]] == ["i-named"]
        assert as_hr["anonymous_items_withheld"] == 1
        assert as_hr["withheld_note"] == ANONYMOUS_WITHHELD_NOTE
        assert "i-anon" not in str(as_hr) and case["id"] not in str(as_hr)
        assert await report(dev_keys.headers("p-admin", "admin")) == as_hr
        # HR claiming to ask for her changes nothing; the privacy service asks on someone's
        # behalf: hers gets everything, HR's (or nobody's) what HR gets.
        assert await report({**hr, REQUESTED_BY_HEADER: author}) == as_hr
        privacy_service = dev_keys.headers("service:privacy", "privacy-service")
        assert await report({**privacy_service, REQUESTED_BY_HEADER: author}) == own
        assert await report({**privacy_service, REQUESTED_BY_HEADER: "p-hr"}) == as_hr
        assert await report(privacy_service) == as_hr


# --- retention of closed ideas (IdeaRetentionExpired from intake) --------------------------------


async def test_a_long_closed_idea_loses_its_authors_and_keeps_its_decision_trail(
    db: Database,
) -> None:
    await _seed(db)
    delivery = Delivery(
        db,
        {IdeaRetentionExpired: erasures.on_idea_retention_expired},
        Outbox("/ideapaja/review"),
    )
    async with db.transaction() as session:
        history_before = len((await session.scalars(select(CaseHistoryRow))).all())
        before = await person_report.person_report(session, "p-emp-kirjasto")
    assert {c["idea_id"] for c in before.cases_authored} == {"i-reviewed", "i-written"}
    expired = IdeaRetentionExpired(
        idea_id="i-written", status="rejected", closed_at=ERASED_AT, retention_days=1825
    )

    await delivery(expired, at=ERASED_AT + timedelta(days=1825))
    await delivery(expired, at=ERASED_AT + timedelta(days=1826))  # redelivered: nothing more

    async with db.transaction() as session:
        cases = {c.idea_id: c for c in (await session.scalars(select(CaseRow))).all()}
        assert cases["i-written"].author_ids == []
        assert cases["i-reviewed"].author_ids == ["p-emp-kirjasto"]
        assert len((await session.scalars(select(CaseHistoryRow))).all()) == history_before
        after = await person_report.person_report(session, "p-emp-kirjasto")
        [entry] = (await session.scalars(select(AuditRow))).all()
    assert [c["idea_id"] for c in after.cases_authored] == ["i-reviewed"]
    assert (entry.action, entry.subject) == ("idea.retention_expired", "i-written")
    assert entry.details == {"cases": 1, "author_links_removed": 2, "retention_days": 1825}
