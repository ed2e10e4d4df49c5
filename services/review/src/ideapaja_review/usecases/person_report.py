"""The GDPR access report: everything review holds on a person, and what is withheld from anyone
but the person themselves (what would reveal who wrote an anonymous idea)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ideapaja_review.db.models import (
    AdoptionRow,
    AssignedReviewerRow,
    AuditRow,
    CaseHistoryRow,
    CaseReviewerRow,
    CaseRow,
    CommitteeMemberRow,
    ConflictRow,
    ExperimentRow,
    ImplementationRow,
    MeetingRow,
    OrgPersonRoleRow,
    OrgPersonRow,
    PracticeRow,
    ScoreRow,
)
from ideapaja_review.schemas.privacy import OrgData, PersonData
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.db import json_list_may_hold
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE
from ideapaja_runtime.uow import UnitOfWork

T = TypeVar("T")

# The sections that name a case: an entry on a case of an anonymous idea the person wrote would
# tell another reader that they wrote it.
CASE_SECTIONS = (
    "cases_reviewing",
    "case_actions",
    "scores",
    "conflicts_of_interest",
    "experiments",
    "implementations",
    "practices",
)


def withhold_anonymous_authorship(data: PersonData) -> PersonData:
    """``data`` without what would tell a reader other than the person that they wrote an
    anonymous idea: its case and every entry of theirs on that case."""
    hidden = {c["case_id"] for c in data.cases_authored if c["anonymous"]}
    update: dict[str, Any] = {
        "cases_authored": [c for c in data.cases_authored if c["case_id"] not in hidden]
    }
    for section in CASE_SECTIONS:
        update[section] = [e for e in getattr(data, section) if e["case_id"] not in hidden]
    withheld = sum(len(getattr(data, name)) - len(kept) for name, kept in update.items())
    return data.model_copy(
        update={
            **update,
            "anonymous_items_withheld": withheld,
            "withheld_note": ANONYMOUS_WITHHELD_NOTE if withheld else None,
        }
    )


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


async def access_report(uow: UnitOfWork[Any], person_id: str, own: bool) -> PersonData:
    """The access report route's builder (``ideapaja_runtime.access_report``)."""
    return await person_report(uow.session, person_id, own=own)


async def person_report(session: AsyncSession, person_id: str, *, own: bool = True) -> PersonData:
    """Everything review holds on ``person_id``; unless ``own`` (the person's own report), what
    would reveal who wrote an anonymous idea is withheld and counted."""
    data = await _full_report(session, person_id)
    return data if own else withhold_anonymous_authorship(data)


async def _full_report(session: AsyncSession, person_id: str) -> PersonData:
    row = await session.get(OrgPersonRow, person_id)
    roles = await _all(
        session,
        select(OrgPersonRoleRow.role)
        .where(OrgPersonRoleRow.person_id == person_id)
        .order_by(OrgPersonRoleRow.role),
    )
    authored = [
        case
        for case in await _all(
            session,
            select(CaseRow)
            .where(json_list_may_hold(CaseRow.author_ids, person_id))
            .order_by(CaseRow.opened_at),
        )
        if person_id in case.author_ids
    ]
    meetings = [
        m
        for m in await _all(
            session,
            select(MeetingRow)
            .where(
                or_(
                    MeetingRow.created_by == person_id,
                    MeetingRow.closed_by == person_id,
                    json_list_may_hold(MeetingRow.present_ids, person_id),
                )
            )
            .order_by(MeetingRow.scheduled_at),
        )
        if person_id in (m.created_by, m.closed_by) or person_id in m.present_ids
    ]
    return PersonData(
        id=person_id,
        org=(
            OrgData(
                display_name=row.display_name,
                unit_id=row.unit_id,
                active=row.active,
                roles=list(roles),
                as_of=row.as_of,
            )
            if row is not None
            else None
        ),
        assignments=_entries(
            await _all(
                session,
                select(AssignedReviewerRow).where(AssignedReviewerRow.person_id == person_id),
            ),
            "unit_id",
            "role",
            "assigned_by",
            "assigned_at",
        ),
        committee_memberships=_entries(
            await _all(
                session, select(CommitteeMemberRow).where(CommitteeMemberRow.person_id == person_id)
            ),
            "committee_id",
            "role",
        ),
        cases_authored=_entries(
            authored,
            *("case_id", "idea_id", "round", "title", "unit_id", "anonymous"),
            *("state", "decision", "opened_at", "decided_at"),
        ),
        cases_reviewing=_entries(
            await _all(
                session, select(CaseReviewerRow).where(CaseReviewerRow.person_id == person_id)
            ),
            "case_id",
            "source",
            "added_at",
        ),
        case_actions=_entries(
            await _all(
                session,
                select(CaseHistoryRow)
                .where(CaseHistoryRow.actor_id == person_id)
                .order_by(CaseHistoryRow.seq),
            ),
            *("seq", "case_id", "occurred_at", "action"),
            *("from_state", "to_state", "decision", "reason"),
        ),
        scores=_entries(
            await _all(session, select(ScoreRow).where(ScoreRow.person_id == person_id)),
            *("meeting_id", "case_id", "scores", "comment", "scored_at"),
        ),
        conflicts_of_interest=_entries(
            await _all(session, select(ConflictRow).where(ConflictRow.person_id == person_id)),
            *("meeting_id", "case_id", "reason", "recorded_by", "recorded_at"),
        ),
        meetings=_entries(
            meetings,
            *("meeting_id", "committee_id", "title", "scheduled_at"),
            called=lambda m: m.created_by == person_id,
            closed=lambda m: m.closed_by == person_id,
            present=lambda m: person_id in m.present_ids,
        ),
        experiments=await _naming(
            session,
            person_id,
            ("experiment_id", "case_id"),
            started=ExperimentRow.started_by,
            completed=ExperimentRow.completed_by,
        ),
        implementations=await _naming(
            session,
            person_id,
            ("case_id", "idea_id"),
            owner=ImplementationRow.owner_id,
            started=ImplementationRow.started_by,
        ),
        practices=_entries(
            await _all(session, select(PracticeRow).where(PracticeRow.published_by == person_id)),
            *("practice_id", "case_id", "title"),
        ),
        adoptions=_entries(
            await _all(session, select(AdoptionRow).where(AdoptionRow.reported_by == person_id)),
            *("practice_id", "unit_id", "reported_at"),
        ),
        audit_entries=_entries(
            await _all(
                session,
                select(AuditRow)
                .where(or_(AuditRow.actor_id == person_id, AuditRow.subject == person_id))
                .order_by(AuditRow.seq),
            ),
            *("seq", "occurred_at", "actor_id", "action", "subject", "details"),
        ),
    )


async def _all(session: AsyncSession, query: Select[T]) -> Sequence[T]:
    return (await session.scalars(query)).all()


async def _naming(
    session: AsyncSession,
    person_id: str,
    columns: tuple[str, ...],
    **roles: InstrumentedAttribute[Any],
) -> list[dict[str, Any]]:
    """The entries of one table's rows that name the person in any of the ``roles`` columns:
    the named ``columns``, then per role whether the person is the one in it."""
    table = next(iter(roles.values())).class_
    rows = await _all(session, select(table).where(or_(*(c == person_id for c in roles.values()))))

    def holds(column: InstrumentedAttribute[Any]) -> Callable[[Any], bool]:
        return lambda row: bool(getattr(row, column.key) == person_id)

    return _entries(rows, *columns, **{role: holds(c) for role, c in roles.items()})


def _entries(
    rows: Iterable[Any], *columns: str, **computed: Callable[[Any], object]
) -> list[dict[str, Any]]:
    """One report entry a row: the named columns (times as ISO 8601), then the ``computed``
    ones."""
    return [
        {
            **{name: _plain(getattr(row, name)) for name in columns},
            **{name: of(row) for name, of in computed.items()},
        }
        for row in rows
    ]


def _plain(value: object) -> object:
    return _iso(value) if isinstance(value, datetime) else value
