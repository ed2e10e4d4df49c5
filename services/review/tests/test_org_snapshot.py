"""The org and rules reads that routing makes are kept for one transaction (a consumer's batch
opens many cases in one), and dropped as soon as that transaction writes one of their tables."""

from __future__ import annotations

from datetime import UTC, datetime

from review_testkit import person, unit
from sqlalchemy import delete, event

from ideapaja_review.db import org, rules_store
from ideapaja_review.db.models import AssignedReviewerRow, OrgPersonRoleRow, RoutingRuleRow
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_runtime.db import Database

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def reviewers(people: list[org.OrgPerson]) -> set[tuple[str, str | None]]:
    return {(p.person_id, p.unit_id) for p in people}


async def test_one_transaction_reads_the_org_once(db: Database) -> None:
    async with db.transaction() as session:
        await org.upsert_unit(session, unit("u-1"), AS_OF)
        await org.upsert_person(session, person("p-1", "u-1", "change_agent"), AS_OF)
    async with db.transaction() as session:
        statements: list[str] = []
        event.listen(
            session.sync_session, "do_orm_execute", lambda s: statements.append(str(s.statement))
        )
        first = await org.load_org(session)
        read = len(statements)
        second = await org.load_org(session)
        assert len(statements) == read, "the second read came from the snapshot"
        assert first == second
        second[1].clear()  # a caller's copy: the snapshot is unchanged
        assert reviewers((await org.load_org(session))[1]) == {("p-1", "u-1")}


async def test_a_write_to_the_org_in_the_same_transaction_is_seen(db: Database) -> None:
    async with db.transaction() as session:
        await org.upsert_unit(session, unit("u-1"), AS_OF)
        await org.upsert_person(session, person("p-1", "u-1", "change_agent"), AS_OF)
    async with db.transaction() as session:
        assert reviewers((await org.load_org(session))[1]) == {("p-1", "u-1")}
        # Pending, not yet flushed (an ORM add).
        session.add(
            AssignedReviewerRow(
                unit_id="u-1",
                person_id="p-2",
                role="change_agent",
                assigned_by="p-admin",
                assigned_at=AS_OF,
            )
        )
        assert ("p-2", "u-1") in reviewers((await org.load_org(session))[1])
        # A DML statement (HR took the role away).
        await session.execute(delete(OrgPersonRoleRow).where(OrgPersonRoleRow.person_id == "p-1"))
        assert ("p-1", "u-1") not in reviewers((await org.load_org(session))[1])
        # A flushed HR upsert (another unit's new change agent).
        await org.upsert_person(session, person("p-3", "u-1", "change_agent"), AS_OF)
        assert ("p-3", "u-1") in reviewers((await org.load_org(session))[1])


async def test_the_stored_rules_are_kept_until_the_transaction_saves_a_rule(db: Database) -> None:
    base = RoutingRule()
    async with db.transaction() as session:
        statements: list[str] = []
        event.listen(
            session.sync_session, "do_orm_execute", lambda s: statements.append(str(s.statement))
        )
        assert (await rules_store.rule_for_department(session, "d-1", base)).escalate
        read = len(statements)
        assert (await rules_store.rule_for_department(session, "d-1", base)).escalate
        assert len(statements) == read, "the second read came from the snapshot"
        # A saved rule (ORM, flushed) is the next case's rule.
        await rules_store.save_rule(
            session, "d-1", {"escalate": False}, actor_id="p-admin", now=AS_OF
        )
        assert not (await rules_store.rule_for_department(session, "d-1", base)).escalate
        # A DML statement (the rule deleted by hand).
        await session.execute(delete(RoutingRuleRow).where(RoutingRuleRow.department_id == "d-1"))
        assert (await rules_store.rule_for_department(session, "d-1", base)).escalate
