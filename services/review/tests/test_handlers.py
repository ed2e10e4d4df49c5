"""Handlers on a real database (SQLite and PostgreSQL): projection, opening, routing later."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from review_testkit import (
    ORG,
    ORG_PEOPLE,
    ORG_UNITS,
    Delivery,
    case_count,
    idea,
    left,
    org_delivery,
    outbox_events,
    person,
    review_settings,
    unit,
)
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from ideapaja_contracts.events.idea import Scope
from ideapaja_review import handlers
from ideapaja_review.db.models import (
    CaseHistoryRow,
    CaseReviewerRow,
    CaseRow,
    OrgPersonRow,
    OrgUnitRow,
)
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.usecases import case_records
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox

STARTED = "ideapaja.review.screening_started.v1"


def make_delivery(db: Database, screening_days: int = 14) -> Delivery:
    return org_delivery(db, settings=review_settings(screening_days=screening_days))


@pytest.fixture
def deliver(db: Database) -> Delivery:
    return make_delivery(db)


async def case_of(db: Database, idea_id: str) -> case_records.CaseRecord:
    async with db.transaction() as session:
        return await case_records.get_case(session, idea_id=idea_id)


async def test_submitted_idea_opens_a_routed_case_and_announces_its_reviewers(
    db: Database, deliver: Delivery
) -> None:
    await deliver.all(ORG)
    submitted = idea("i-routed", anonymous=True, authors=["p-author", "p-coauthor"])
    before = datetime.now(UTC)
    await deliver(submitted)

    record = await case_of(db, "i-routed")
    case = record.case
    assert record.reviewer_ids == ("p-ca-kirjasto", "p-sup-kirjasto")
    assert (case.state, case.decision, case.routed) == ("screening", None, True)
    assert (case.scope, case.unit_id, case.title) == ("unit", "u-kirjasto", submitted.title)
    assert case.problem == submitted.problem and case.solution == submitted.solution
    assert case.anonymous is True and case.author_ref == "a-ref1"
    assert case.author_ids == ["p-author", "p-coauthor"]
    opened = as_utc(case.opened_at)
    assert before <= opened <= datetime.now(UTC)
    assert as_utc(case.screening_due_at) - opened == timedelta(days=14)
    assert [(h.action, h.actor_id, h.to_state) for h in record.history] == [
        ("opened", None, "screening"),
        ("routed", None, "screening"),
    ]
    assert record.history[1].details == {
        "via": "unit",
        "reviewer_ids": ["p-ca-kirjasto", "p-sup-kirjasto"],
    }
    [started] = await outbox_events(db, STARTED)
    assert started == {
        "_type": STARTED,
        "case_id": case.case_id,
        "idea_id": "i-routed",
        "scope": "unit",
        "unit_id": "u-kirjasto",
        "reviewer_ids": ["p-ca-kirjasto", "p-sup-kirjasto"],
    }


async def test_screening_days_come_from_settings(db: Database) -> None:
    deliver = make_delivery(db, screening_days=3)
    await deliver(idea("i-due"))
    case = (await case_of(db, "i-due")).case
    assert as_utc(case.screening_due_at) - as_utc(case.opened_at) == timedelta(days=3)


async def test_the_same_idea_twice_opens_one_case(db: Database, deliver: Delivery) -> None:
    await deliver.all(ORG)
    await deliver(idea("i-twice"))
    # A different event about the same idea (re-published by intake, or replayed).
    await deliver(idea("i-twice"))
    async with db.transaction() as session:
        assert await case_count(session, "i-twice") == 1
    assert len(await outbox_events(db, STARTED)) == 1


async def test_without_org_data_the_case_opens_unrouted_and_is_routed_when_people_arrive(
    db: Database, deliver: Delivery
) -> None:
    await deliver(idea("i-early"))
    record = await case_of(db, "i-early")
    assert (record.case.state, record.case.routed, record.reviewer_ids) == ("screening", False, ())
    assert await outbox_events(db, STARTED) == []

    # Someone without a reviewing role changes nothing.
    await deliver(person("p-emp-kirjasto", "u-kirjasto", "employee"))
    assert (await case_of(db, "i-early")).case.routed is False

    await deliver(person("p-ca-kirjasto", "u-kirjasto", "change_agent"))
    record = await case_of(db, "i-early")
    assert record.case.routed is True
    assert record.reviewer_ids == ("p-ca-kirjasto",)
    [started] = await outbox_events(db, STARTED)
    assert started["reviewer_ids"] == ["p-ca-kirjasto"]
    assert started["case_id"] == record.case.case_id

    # A later reviewer in the same unit does not re-route an already routed case.
    await deliver(person("p-sup-kirjasto", "u-kirjasto", "supervisor"))
    assert (await case_of(db, "i-early")).reviewer_ids == ("p-ca-kirjasto",)
    assert len(await outbox_events(db, STARTED)) == 1


async def test_a_unit_arriving_late_enables_the_department_fallback(
    db: Database, deliver: Delivery
) -> None:
    await deliver(person("p-ca-sivistys", "d-sivistys", "change_agent"))
    await deliver(idea("i-fallback", unit_id="u-tyhja"))
    assert (await case_of(db, "i-fallback")).case.routed is False  # parent not known yet

    await deliver(unit("u-tyhja", "d-sivistys"))
    record = await case_of(db, "i-fallback")
    assert record.reviewer_ids == ("p-ca-sivistys",)
    assert record.history[-1].details == {
        "via": "parent_department",
        "reviewer_ids": ["p-ca-sivistys"],
    }


@pytest.mark.parametrize(
    ("scope", "unit_id", "expected"),
    [
        (Scope.DEPARTMENT, "d-sivistys", ("p-ca-koulu", "p-ca-sivistys")),
        (Scope.DEPARTMENT, "u-puisto", ("p-ca-puisto",)),
        (Scope.CITY, "u-kirjasto", ("p-com-1", "p-com-2")),
        (Scope.UNIT, "u-tyhja", ("p-ca-sivistys",)),
    ],
)
async def test_routing_by_scope_through_the_projection(
    sqlite_db: Database, scope: Scope, unit_id: str, expected: tuple[str, ...]
) -> None:
    db, deliver = sqlite_db, make_delivery(sqlite_db)
    await deliver.all(ORG_UNITS)
    # The kirjasto reviewers left: a person who left never reviews.
    await deliver.all(ORG_PEOPLE)
    await deliver.all([left("p-ca-kirjasto"), left("p-sup-kirjasto")])
    await deliver(idea("i-scope", scope=scope, unit_id=unit_id))
    assert (await case_of(db, "i-scope")).reviewer_ids == expected


async def test_an_older_hr_event_arriving_late_changes_nothing(
    db: Database, deliver: Delivery
) -> None:
    now = datetime.now(UTC)
    await deliver(person("p-x", "u-kirjasto", "change_agent"), at=now)
    await deliver(left("p-x"), at=now - timedelta(minutes=5))
    await deliver(unit("u-kirjasto", "d-sivistys"), at=now)
    await deliver(unit("u-kirjasto", "d-old"), at=now - timedelta(minutes=5))
    async with db.transaction() as session:
        person_row = await session.get(OrgPersonRow, "p-x")
        unit_row = await session.get(OrgUnitRow, "u-kirjasto")
    assert person_row is not None and person_row.active is True
    assert unit_row is not None and unit_row.parent_id == "d-sivistys"

    await deliver(left("p-x"), at=now + timedelta(minutes=5))
    async with db.transaction() as session:
        person_row = await session.get(OrgPersonRow, "p-x")
    assert person_row is not None and person_row.active is False
    assert person_row.unit_id == "u-kirjasto"


async def test_a_person_who_left_and_returns_reviews_again(db: Database, deliver: Delivery) -> None:
    await deliver(left("p-back"))  # the first we hear of them
    await deliver(person("p-back", "u-kirjasto", "change_agent"))
    await deliver(idea("i-back"))
    assert (await case_of(db, "i-back")).reviewer_ids == ("p-back",)


async def test_hr_role_change_replaces_roles(db: Database, deliver: Delivery) -> None:
    await deliver(person("p-role", "u-kirjasto", "change_agent"))
    await deliver(person("p-role", "u-kirjasto", "employee"))
    await deliver(person("p-sup", "u-kirjasto", "supervisor"))
    await deliver(idea("i-role"))
    assert (await case_of(db, "i-role")).reviewer_ids == ("p-sup",)


async def test_history_records_opening_and_late_routing_in_order(
    db: Database, deliver: Delivery
) -> None:
    await deliver(idea("i-hist"))
    await deliver(person("p-ca", "u-kirjasto", "change_agent"))
    async with db.transaction() as session:
        rows = (await session.scalars(select(CaseHistoryRow).order_by(CaseHistoryRow.seq))).all()
        case = await session.scalar(select(CaseRow).where(CaseRow.idea_id == "i-hist"))
    assert case is not None
    assert [(r.case_id, r.action) for r in rows] == [
        (case.case_id, "opened"),
        (case.case_id, "routed"),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        update(CaseHistoryRow).values(reason="rewritten"),
        delete(CaseHistoryRow),
    ],
    ids=["update", "delete"],
)
async def test_the_database_refuses_to_rewrite_history(
    db: Database, deliver: Delivery, statement: Any
) -> None:
    await deliver(idea("i-audit"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            await session.execute(statement)
    record = await case_of(db, "i-audit")
    assert [(h.action, h.reason) for h in record.history] == [("opened", None)]


class SupervisorsOnly(type(review_settings())):  # type: ignore[misc]
    """Settings whose built-in rule lets only supervisors review a unit's ideas."""

    def builtin_rule(self) -> RoutingRule:
        return replace(
            super().builtin_rule(),
            unit_reviewer_roles=frozenset({"supervisor"}),
            unit_falls_back_to_department=False,
        )


async def test_hr_data_routes_waiting_cases_by_the_configured_rule_on_the_services_clock(
    db: Database,
) -> None:
    """The HR-triggered re-route runs in the consumer's unit of work: the rule of the settings
    (not the default one) and the service's clock (not the wall clock), as the admin routes."""
    settings = SupervisorsOnly(**review_settings().model_dump())
    moment = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    deliver = Delivery(
        db,
        dict(handlers.HANDLERS),
        Outbox("/ideapaja/review"),
        settings=settings,
        clock=lambda: moment,
    )
    await deliver.all(ORG_UNITS)
    await deliver(idea("i-waiting"))
    assert (await case_of(db, "i-waiting")).case.routed is False

    # A change agent arrives: the default rule would route to them, the configured one does not.
    await deliver(person("p-ca-kirjasto", "u-kirjasto", "employee", "change_agent"))
    assert (await case_of(db, "i-waiting")).case.routed is False

    await deliver(person("p-sup-kirjasto", "u-kirjasto", "employee", "supervisor"))
    record = await case_of(db, "i-waiting")
    assert record.reviewer_ids == ("p-sup-kirjasto",)
    routed = [h for h in record.history if h.action == case_records.ROUTED]
    assert [as_utc(h.occurred_at) for h in routed] == [moment]
    async with db.transaction() as session:
        added = await session.scalars(
            select(CaseReviewerRow.added_at).where(CaseReviewerRow.case_id == record.case.case_id)
        )
        assert [as_utc(a) for a in added.all()] == [moment]
    [started] = [e for e in await outbox_events(db, STARTED) if e["idea_id"] == "i-waiting"]
    assert started["reviewer_ids"] == ["p-sup-kirjasto"]
