"""Retention: closed ideas lose their personal data after the retention period; drafts never
submitted, expired idempotency keys and ended rate-limit windows are deleted.

Each replica runs the sweep at start and every ``RETENTION_SWEEP_SECONDS``. Per closed idea that
is due (domain/retention.py), in one transaction:

- **deleted**: supports (the count stays), hidden comments (moderated away: nobody sees them),
  attachments (files are what most often hold personal data: names, photos, minutes), invitations
  never accepted, and the outbox's copies of events about the idea already published;
- **replaced by stand-in ids**: every person id still on the idea (authors, who invited whom,
  who saved each version, commenters, rewarded people, an author's own steps in the timeline
  such as a withdrawal). Comments keep their text; a comment shown under the idea's pseudonym
  keeps it. Reviewers' steps in the timeline keep their ids: decisions are the city's record;
- **kept**: the text, versions, status, timeline, counts, the anonymous pseudonym.

Then ``IdeaRetentionExpired`` goes out through the outbox: review and notification hold the
idea's authors too and drop them. The audit (``retention_audit``) keeps what was removed as counts.

Replica-safe and idempotent: ideas are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
(SQLite has one writer), the audit row's unique idea id stops a race that got past the lock, and a
done idea is marked (``personal_data_removed_at``) and never picked again. Time comes from the
service's clock (``runtime.clock``), so tests drive it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaRetentionExpired
from ideapaja_intake.db.models import (
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaComment,
    IdeaDraft,
    IdeaReward,
    IdeaStatusChange,
    IdeaSupport,
    IdeaVersion,
    IdempotencyRecord,
    RetentionAudit,
    SubmissionCounter,
)
from ideapaja_intake.db.sql import rowcount, rows_where
from ideapaja_intake.domain.pseudonym import PSEUDONYM_PREFIX
from ideapaja_intake.domain.retention import (
    CLOSED_STATUSES,
    STOPPED_PILOT,
    closed_before,
    stand_in_id,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.db import is_sqlite
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.periodic import start_periodic, stop_periodic
from ideapaja_runtime.service import Runtime

log = get_logger(__name__)


SWEEPER = "intake-retention"
# Rate-limit windows are an hour long; one that ended a day ago counts for nothing any more.
ENDED_WINDOW_AGE = timedelta(days=1)
_EVENT_NAMESPACE = uuid.UUID("5b0c1f4e-2a7d-5c39-9e61-3f8a0d2b7c45")


# --- one closed idea -----------------------------------------------------------------------------


class _StandIns:
    """Person id → stand-in id on one idea, numbered in the order met."""

    def __init__(self, idea_id: str) -> None:
        self.idea_id = idea_id
        self.ids: dict[str, str] = {}

    def __call__(self, person_id: str) -> str:
        if person_id not in self.ids:
            self.ids[person_id] = stand_in_id(self.idea_id, len(self.ids) + 1)
        return self.ids[person_id]


async def remove_personal_data(uow: Uow, idea: Idea) -> Counter[str]:
    """Remove the personal data from closed ``idea`` in the unit of work; what was removed, by
    kind."""
    session = uow.session
    counts: Counter[str] = Counter()
    idea_id = idea.id
    stand_in = _StandIns(idea_id)

    authors = await rows_where(
        session, IdeaAuthor.idea_id == idea_id, IdeaAuthor.added_at, IdeaAuthor.person_id
    )
    confirmed = [a for a in authors if a.confirmed_at is not None]
    author_ids = {a.person_id for a in authors}
    rows = [(a.person_id, a.invited_by) for a in confirmed]
    counts["invitations_deleted"] = rowcount(
        await session.execute(
            delete(IdeaAuthor).where(
                IdeaAuthor.idea_id == idea_id, IdeaAuthor.confirmed_at.is_(None)
            )
        )
    )
    for person_id, _invited_by in rows:
        stand_in(person_id)
    for person_id, invited_by in rows:
        await session.execute(
            update(IdeaAuthor)
            .where(IdeaAuthor.idea_id == idea_id, IdeaAuthor.person_id == person_id)
            .values(
                person_id=stand_in(person_id),
                invited_by=stand_in(invited_by) if invited_by is not None else None,
            )
            .execution_options(synchronize_session=False)
        )
    counts["authors_detached"] = len(rows)

    counts["supports_deleted"] = rowcount(
        await session.execute(delete(IdeaSupport).where(IdeaSupport.idea_id == idea_id))
    )
    counts["hidden_comments_deleted"] = rowcount(
        await session.execute(
            delete(IdeaComment).where(
                IdeaComment.idea_id == idea_id, IdeaComment.hidden_at.is_not(None)
            )
        )
    )
    counts["attachments_deleted"] = rowcount(
        await session.execute(delete(IdeaAttachment).where(IdeaAttachment.idea_id == idea_id))
    )

    comments = await rows_where(
        session, IdeaComment.idea_id == idea_id, IdeaComment.created_at, IdeaComment.id
    )
    for comment in comments:
        writer = comment.commenter_id
        comment.commenter_id = stand_in(writer)
        if not comment.shown_as.startswith(PSEUDONYM_PREFIX):
            comment.shown_as = stand_in(writer)
        counts["comments_detached"] += 1

    async def detach(of_idea: Any, column: Any, count: str, people: set[str] | None = None) -> None:
        """Each person in ``column`` (``people``, or all there are) of the idea's rows replaced
        by their stand-in, in id order (so the stand-ins are numbered the same every time)."""
        if people is None:
            people = set(
                (await session.scalars(select(column).where(of_idea == idea_id).distinct())).all()
            )
        for person_id in sorted(people):
            counts[count] += rowcount(
                await session.execute(
                    update(column.class_)
                    .where(of_idea == idea_id, column == person_id)
                    .values({column.key: stand_in(person_id)})
                    .execution_options(synchronize_session=False)
                )
            )

    await detach(IdeaVersion.idea_id, IdeaVersion.edited_by, "versions_detached")
    await detach(IdeaReward.idea_id, IdeaReward.person_id, "rewards_detached")
    # The authors' own steps (a withdrawal); reviewers' decisions keep who made them.
    await detach(
        IdeaStatusChange.idea_id, IdeaStatusChange.actor_id, "timeline_steps_detached", author_ids
    )
    counts["published_event_copies_deleted"] = await _delete_published_copies(session, idea_id)
    idea.personal_data_removed_at = uow.now
    await session.flush()
    return counts


async def _delete_published_copies(session: AsyncSession, idea_id: str) -> int:
    """The outbox's copies of events about the idea that were published (the stream has them)."""
    outbox = outbox_table.c
    rows = await session.execute(
        select(outbox.seq, outbox.headers).where(
            outbox.sent_at.is_not(None),
            cast(outbox.headers, Text).contains(f'"{idea_id}"', autoescape=True),
        )
    )
    about = [row.seq for row in rows if (row.headers or {}).get("ce-subject") == idea_id]
    if about:
        await session.execute(delete(outbox_table).where(outbox.seq.in_(about)))
    return len(about)


# --- the sweep -----------------------------------------------------------------------------------


def _due(cutoff: datetime) -> Any:
    stopped_pilot = exists().where(
        IdeaStatusChange.idea_id == Idea.id,
        IdeaStatusChange.status == STOPPED_PILOT[0].value,
        IdeaStatusChange.note == STOPPED_PILOT[1],
        IdeaStatusChange.occurred_at == Idea.status_changed_at,
    )
    return and_(
        Idea.personal_data_removed_at.is_(None),
        Idea.status_changed_at <= cutoff,
        or_(
            Idea.status.in_(sorted(s.value for s in CLOSED_STATUSES)),
            and_(Idea.status == STOPPED_PILOT[0].value, stopped_pilot),
        ),
    )


async def sweep_closed_ideas(runtime: Runtime[IntakeSettings]) -> list[str]:
    """Remove the personal data of every closed idea that is due, a batch per unit of work; the
    ids of the ideas done."""
    batch_size = runtime.settings.retention_batch_size
    done: list[str] = []
    while True:
        async with runtime.unit_of_work() as uow:
            cutoff = closed_before(uow.now, uow.settings.closed_idea_retention_days)
            query = (
                select(Idea)
                .where(_due(cutoff))
                .order_by(Idea.status_changed_at, Idea.id)
                .limit(batch_size)
            )
            if not is_sqlite(runtime.db.url):
                query = query.with_for_update(skip_locked=True, of=Idea)
            found = list((await uow.session.scalars(query)).all())
            for idea in found:
                if await _retire(uow, idea):
                    done.append(idea.id)
        if len(found) < batch_size:
            return done


async def _retire(uow: Uow, idea: Idea) -> bool:
    """One due idea without its people, audited and announced (IdeaRetentionExpired); False if
    another sweeper did it first."""
    retention_days = uow.settings.closed_idea_retention_days
    try:
        async with uow.session.begin_nested():
            # The unique idea id decides between racing sweepers first.
            audit = RetentionAudit(
                occurred_at=uow.now, kind="closed_idea", idea_id=idea.id, details={}
            )
            uow.session.add(audit)
            await uow.session.flush()
            counts = await remove_personal_data(uow, idea)
            audit.details = {
                "status": idea.status,
                "closed_at": idea.status_changed_at.isoformat(),
                "retention_days": retention_days,
                "removed": dict(sorted(counts.items())),
            }
            await uow.publish(
                IdeaRetentionExpired(
                    idea_id=idea.id,
                    status=idea.status,
                    closed_at=idea.status_changed_at,
                    retention_days=retention_days,
                ),
                # One event per idea, whoever sends it.
                event_id=str(uuid.uuid5(_EVENT_NAMESPACE, idea.id)),
            )
            await uow.session.flush()
    except IntegrityError:
        log.info("idea_retention_raced", idea_id=idea.id)
        return False
    log.info("idea_personal_data_removed", idea_id=idea.id, **counts)
    return True


async def delete_stale(uow: Uow) -> dict[str, int]:
    """Drafts not saved for ``draft_retention_days``, idempotency keys past their time to live
    (a caller's own expired keys otherwise go only when that caller sends another), and
    rate-limit windows that ended long ago; audited as counts."""
    settings, now = uow.settings, uow.now
    deletions = {
        "drafts_deleted": delete(IdeaDraft).where(
            IdeaDraft.updated_at < now - timedelta(days=settings.draft_retention_days)
        ),
        "idempotency_keys_deleted": delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < now - timedelta(hours=settings.idempotency_ttl_hours)
        ),
        "rate_limit_windows_deleted": delete(SubmissionCounter).where(
            SubmissionCounter.window_start < now - ENDED_WINDOW_AGE
        ),
    }
    counts: dict[str, int] = {}
    for kind, statement in deletions.items():
        counts[kind] = rowcount(await uow.session.execute(statement))
    if any(counts.values()):
        uow.session.add(
            RetentionAudit(
                occurred_at=now,
                kind="stale_data",
                idea_id=None,
                details={"draft_retention_days": settings.draft_retention_days, **counts},
            )
        )
    return counts


@dataclass(frozen=True)
class SweepResult:
    ideas: list[str]
    stale: dict[str, int] = field(default_factory=dict)


async def run_sweep(runtime: Runtime[IntakeSettings]) -> SweepResult:
    """One sweep (a background job: its units of work are its own)."""
    ideas = await sweep_closed_ideas(runtime)
    async with runtime.unit_of_work() as uow:
        stale = await delete_stale(uow)
    if ideas or any(stale.values()):
        log.info("retention_sweep", ideas=len(ideas), **stale)
    return SweepResult(ideas, stale)


def start_sweeper(runtime: Runtime[IntakeSettings]) -> None:
    """The sweep at start and then every ``RETENTION_SWEEP_SECONDS`` (0: never)."""
    settings = runtime.settings

    async def run_once() -> SweepResult:
        return await run_sweep(runtime)

    start_periodic(runtime, SWEEPER, run_once, settings.retention_sweep_seconds)


async def stop_sweeper(runtime: Runtime[IntakeSettings]) -> None:
    await stop_periodic(runtime, SWEEPER)
