"""Retention of closed ideas (usecases/retention.py), on SQLite and PostgreSQL, with the service's
clock under the test's control: an idea closed a day longer ago than the retention period loses its
people, one closed a day less keeps them; stale drafts, expired idempotency keys and ended
rate-limit windows go; a second sweep changes nothing; two sweepers at once handle each idea once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from intake_testkit import AUTHOR, REVIEWER, SettingsFor, running_org
from person_history import ERASED, build_person_history, deliver, every_value, naming
from sqlalchemy import select, update

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.idea import IdeaRetentionExpired, Scope
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentOutcome,
    ImplementationCompleted,
)
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_intake.db.models import (
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaComment,
    IdeaDraft,
    IdeaSupport,
    RetentionAudit,
)
from ideapaja_intake.domain.pseudonym import is_former_person
from ideapaja_intake.domain.retention import closed_before, is_closed, is_due, stand_in_id
from ideapaja_intake.usecases import retention
from ideapaja_intake.usecases import timeline as handlers
from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import DevKeys, RunningService

RETENTION_DAYS = 30
WRITER = "p-1003"  # comments on AUTHOR's ideas; one of them a moderator hides


# --- the rules (pure) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "closed"),
    [
        ("rejected", None, True),
        ("withdrawn", None, True),
        ("duplicate", None, True),
        ("implemented", None, True),
        ("good_practice", None, True),
        ("experiment_completed", "stop", True),
        ("experiment_completed", "scale", False),
        ("accepted", None, False),
        ("needs_info", None, False),
        ("forwarded", None, False),
        ("submitted", None, False),
    ],
)
def test_which_ideas_are_closed(status: str, outcome: str | None, closed: bool) -> None:
    assert is_closed(status, outcome) is closed


def test_an_idea_is_due_once_the_whole_period_has_passed() -> None:
    now = datetime(2031, 1, 1, tzinfo=UTC)
    assert closed_before(now, 5 * 365) == datetime(2026, 1, 2, tzinfo=UTC)
    assert is_due("rejected", now - timedelta(days=30), now, 30)
    assert not is_due("rejected", now - timedelta(days=30) + timedelta(seconds=1), now, 30)
    assert not is_due("accepted", now - timedelta(days=3000), now, 30)
    with pytest.raises(ValueError, match="at least one day"):
        closed_before(now, 0)


def test_stand_ins_are_per_idea_and_lead_to_nobody() -> None:
    first = stand_in_id("i-1", 1)
    assert is_former_person(first) and len(first) == len("former-") + 24
    assert first == stand_in_id("i-1", 1) != stand_in_id("i-1", 2) != stand_in_id("i-2", 1)


def test_the_retention_period_cannot_be_switched_off(settings_for: SettingsFor) -> None:
    assert settings_for("sqlite+aiosqlite://").closed_idea_retention_days == 5 * 365
    for field in ("closed_idea_retention_days", "draft_retention_days"):
        for value in (0, -1, None):
            with pytest.raises(ValueError):
                settings_for("sqlite+aiosqlite://", **{field: value})


# --- the sweep -----------------------------------------------------------------------------------


@pytest.fixture
async def org_any_db(settings_for: SettingsFor, database_url: str) -> AsyncIterator[RunningService]:
    """The service without its background sweep (the tests run it), on both databases."""
    settings = settings_for(
        database_url,
        closed_idea_retention_days=RETENTION_DAYS,
        draft_retention_days=RETENTION_DAYS,
        retention_sweep_seconds=0,
    )
    async with running_org(settings) as running:
        yield running


async def _deliver(runtime: Runtime, handler: Any, event: Event, at: datetime) -> None:
    message = encode(event, source="/test", time=at)
    await deliver(runtime, handler, event, message.envelope)


def _decided(idea_id: str, decision: Decision, case_id: str) -> ReviewDecided:
    return ReviewDecided(
        case_id=case_id,
        idea_id=idea_id,
        decision=decision,
        rationale="Ei toteuteta nyt.",
        decided_by=REVIEWER,
        scope=Scope.UNIT,
        unit_id="u-kirjasto",
    )


async def _rows(runtime: Runtime, query: Any) -> list[Any]:
    async with runtime.db.transaction() as session:
        return list((await session.execute(query)).all())


async def _retention_events(runtime: Runtime) -> list[dict[str, Any]]:
    found = await _rows(
        runtime,
        select(outbox_table.c.body).where(
            outbox_table.c.subject == IdeaRetentionExpired.event_type()
        ),
    )
    return [json.loads(body) for (body,) in found]


async def test_closed_ideas_lose_their_people_after_the_retention_period(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    running, runtime = org_any_db, org_any_db.runtime
    history = await build_person_history(running, dev_keys)
    co_authored, supported = history.co_authored["id"], history.supported["id"]
    anonymous, by_form = history.anonymous["id"], history.by_form["id"]
    client = running.client
    # WRITER comments on two of AUTHOR's ideas; a moderator hides one comment.
    writer = dev_keys.headers(WRITER, "employee")
    for idea_id, body in ((co_authored, "Hyvä ajatus."), (supported, "Asiaton kommentti")):
        response = await client.post(
            f"/ideas/{idea_id}/comments", json={"body": body}, headers=writer
        )
        assert response.status_code == 201, response.text
        comment_id = response.json()["id"]
    hidden = await client.post(
        f"/ideas/{supported}/comments/{comment_id}/hide",
        json={"reason": "Ei liity ideaan"},
        headers=dev_keys.headers(REVIEWER, "change_agent"),
    )
    assert hidden.status_code == 200, hidden.text

    # Today is 60 days on. Closed 31 days ago: due; 29 days ago: not yet; never closed: never.
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(days=60)
    runtime.clock = lambda: now
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    await _deliver(
        runtime, handlers.on_review_decided, _decided(co_authored, Decision.REJECTED, "c-9"), old
    )
    await _deliver(
        runtime,
        handlers.on_implementation_completed,
        ImplementationCompleted(idea_id=supported, owner_id=REVIEWER, realised_benefit="Toimii."),
        old,
    )
    await _deliver(
        runtime,
        handlers.on_experiment_completed,
        ExperimentCompleted(
            idea_id=by_form,
            experiment_id="e-1",
            result="Ei toiminut.",
            outcome=ExperimentOutcome.STOP,
        ),
        old,
    )
    await _deliver(
        runtime, handlers.on_review_decided, _decided(anonymous, Decision.REJECTED, "c-8"), recent
    )
    # A draft saved yesterday stays; older ones go.
    async with runtime.db.transaction() as session:
        await session.execute(
            update(IdeaDraft)
            .where(IdeaDraft.id == history.draft_id)
            .values(updated_at=now - timedelta(days=1))
        )
    before = await every_value(runtime)
    assert naming(before, AUTHOR) and naming(before, WRITER)
    supports_before = dict(await _rows(runtime, select(Idea.id, Idea.support_count)))
    assert supports_before[supported] == 1

    # Two replicas sweep at the same moment: every due idea is done once.
    first, second = await asyncio.gather(retention.run_sweep(runtime), retention.run_sweep(runtime))
    done = first.ideas + second.ideas
    assert sorted(done) == sorted([co_authored, supported, by_form])
    events = await _retention_events(runtime)
    assert Counter(e["idea_id"] for e in events) == Counter(done)
    assert {e["idea_id"]: e["status"] for e in events} == {
        co_authored: "rejected",
        supported: "implemented",
        by_form: "experiment_completed",
    }
    assert {e["retention_days"] for e in events} == {RETENTION_DAYS}

    # Nothing names AUTHOR or WRITER any more but HR's record of them (they still work here):
    # the person and the words their name is found by.
    hr_record = {"people", "person_name_words"}
    after = await every_value(runtime)
    assert {n.split(".")[0] for n in naming(after, AUTHOR)} == hr_record, naming(after, AUTHOR)
    assert {n.split(".")[0] for n in naming(after, WRITER)} == hr_record, naming(after, WRITER)
    # ERASED stays on the idea closed too recently, in HR, and as the reviewer who decided.
    assert {n.split(".")[0] for n in naming(after, ERASED)} >= {"people", "idea_authors"}
    decided = [n for n in naming(after, ERASED) if n.startswith("idea_status_history.actor_id")]
    assert len(decided) == 1, "a reviewer's decision keeps who made it"

    # The ideas keep text, status, timeline and counts; people are stand-ins, per idea.
    authors = await _rows(
        runtime,
        select(IdeaAuthor.idea_id, IdeaAuthor.person_id).order_by(IdeaAuthor.idea_id),
    )
    co = sorted(p for i, p in authors if i == co_authored)
    assert co == sorted([stand_in_id(co_authored, 1), stand_in_id(co_authored, 2)])
    assert [p for i, p in authors if i == anonymous] == [ERASED]
    assert dict(await _rows(runtime, select(Idea.id, Idea.support_count))) == supports_before
    assert await _rows(runtime, select(IdeaSupport.idea_id)) == []
    comments = await _rows(
        runtime, select(IdeaComment.idea_id, IdeaComment.commenter_id, IdeaComment.body)
    )
    assert sorted((i, b) for i, _, b in comments) == sorted(
        [
            (co_authored, "Hyvä ajatus."),
            (supported, "Hyvä idea!"),
            (anonymous, history.anonymous_comment),
        ]
    ), "the hidden comment is deleted, the others keep their text"
    assert all(is_former_person(c) for i, c, _ in comments if i != anonymous)
    assert await _rows(runtime, select(IdeaAttachment.idea_id)) == [(anonymous,)]
    assert {d for (d,) in await _rows(runtime, select(IdeaDraft.id))} == {history.draft_id}

    # Audited as counts.
    audit = {
        row.idea_id: row.details
        for (row,) in await _rows(
            runtime, select(RetentionAudit).where(RetentionAudit.kind == "closed_idea")
        )
    }
    assert set(audit) == {co_authored, supported, by_form}
    assert audit[supported]["removed"]["supports_deleted"] == 1
    assert audit[supported]["removed"]["hidden_comments_deleted"] == 1
    assert audit[co_authored]["removed"]["authors_detached"] == 2
    assert audit[co_authored]["status"] == "rejected"
    [stale] = await _rows(
        runtime, select(RetentionAudit.details).where(RetentionAudit.kind == "stale_data")
    )
    assert stale[0]["drafts_deleted"] == 1 and stale[0]["idempotency_keys_deleted"] >= 2
    assert stale[0]["rate_limit_windows_deleted"] >= 1
    assert AUTHOR not in json.dumps(audit) + json.dumps(stale[0])

    # The archived idea reads as before, without its people, and takes no new supports.
    reviewer = dev_keys.headers(REVIEWER, "change_agent", units=["u-kirjasto"])
    read = await client.get(f"/ideas/{co_authored}", headers=reviewer)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "rejected" and all(
        is_former_person(a) for a in read.json()["author_ids"]
    )
    refused = await client.post(
        f"/ideas/{supported}/support", headers=dev_keys.headers(WRITER, "employee")
    )
    assert refused.status_code == 409, refused.text

    # A second sweep, however much later, changes nothing about those.
    again = await retention.run_sweep(runtime)
    assert again.ideas == [] and not any(again.stale.values())
    assert sorted(await every_value(runtime)) == sorted(after)

    # Once the recently closed idea's time has come, it goes too.
    runtime.clock = lambda: now + timedelta(days=2)
    assert (await retention.run_sweep(runtime)).ideas == [anonymous]
    assert [
        p
        for (p,) in await _rows(
            runtime, select(IdeaAuthor.person_id).where(IdeaAuthor.idea_id == anonymous)
        )
    ] == [stand_in_id(anonymous, 1)]
    assert await _rows(runtime, select(IdeaAttachment.idea_id)) == []
