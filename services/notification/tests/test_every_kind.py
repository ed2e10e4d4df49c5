"""Every kind of notice, through the subscriptions table, on both databases: each event reaches
exactly the people it concerns, as one inbox item and one e-mail each, in their language;
delivered again it adds nothing; no message names an author of the (anonymous) idea to anyone
but that author. A new kind without a case here fails ``test_every_kind_is_covered``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from notification_testkit import (
    CASE,
    deliveries,
    digest_items,
    envelope_of,
    handle,
    inbox_items,
    person,
    submitted,
)

from ideapaja_contracts import Envelope, Event
from ideapaja_contracts.events.idea import IdeaCommented, IdeaSupported
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentOutcome,
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_contracts.events.review import (
    AgendaCase,
    CaseDeadlineNear,
    CaseEscalated,
    Decision,
    InfoProvided,
    InfoRequested,
    MeetingScheduled,
    MinutesPublished,
    ReviewDecided,
    ReviewStarted,
    ScoringOpened,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    PeriodicAwardDecided,
    PeriodicAwardKind,
    RewardGranted,
    RewardKind,
)
from ideapaja_notification import handlers
from ideapaja_notification.domain.deliveries import RetryPolicy
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.preferences import Frequency, default_for
from ideapaja_notification.handlers import subscriptions
from ideapaja_notification.sender import DeliverySender
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import Handler, Subscription

# The idea is anonymous: a-fi, a-sv, a-en wrote it; the others work on it.
PEOPLE = {
    "a-fi": ("fi", "Aino Aaltonen", ["employee"]),
    "a-sv": ("sv", "Sven Berg", ["employee"]),
    "a-en": ("en", "Emma Clark", ["employee"]),
    "r-1": ("sv", "Rita Reviewer", ["change_agent"]),
    "s-1": ("en", "Sam Supervisor", ["supervisor"]),
    "v-1": ("fi", "Veera Tukija", ["employee"]),
    "k-1": ("fi", "Kalle Kokoonkutsuja", ["committee_member"]),
    "k-2": ("sv", "Karin Ledamot", ["committee_member"]),
}
AUTHORS = ["a-fi", "a-sv", "a-en"]
# Who supports the idea: a colleague, and one of its authors (told once, as an author).
SUPPORTERS = ["v-1", "a-sv"]
MEMBERS = ["k-1", "k-2", "a-fi"]
ACCEPTED = ReviewDecided(**CASE, decision=Decision.ACCEPTED, rationale="Hyvä", decided_by="r-1")
IMPLEMENTED = ImplementationCompleted(idea_id="i-1", owner_id="r-1", realised_benefit="Aikaa")
ADOPTED = PracticeAdopted(
    idea_id="i-1", practice_id="g-1", adopting_unit_id="u-2", reported_by="p-adopter"
)
MEETING = {"meeting_id": "m-1", "committee_id": "k-1", "title": "Toukokuun kokous"}
QUESTION = InfoRequested(**CASE, requested_by="r-1", question="Paljonko?")
SCREENING = ScreeningStarted(**CASE, reviewer_ids=["r-1"])
AGENDA = [AgendaCase(case_id="c-1", idea_id="i-1", title="Kirjaston iltapäivystys")]

CASES: list[tuple[TemplateId, Event, list[str]]] = [
    (TemplateId.IDEA_RECEIVED, submitted("i-1", authors=AUTHORS, anonymous=True), AUTHORS),
    (TemplateId.IDEA_SCREENING_STARTED, SCREENING, AUTHORS),
    (TemplateId.IDEA_ACCEPTED, ACCEPTED, AUTHORS),
    (TemplateId.SUPPORTED_IDEA_DECIDED, ACCEPTED, ["v-1"]),
    (TemplateId.IDEA_NEEDS_INFO, QUESTION, AUTHORS),
    # To who asked (after QUESTION, see BEFORE), never naming who answered.
    (
        TemplateId.INFO_PROVIDED,
        InfoProvided(**CASE, author_ref="anon-7", answer="Noin 40 tuntia vuodessa"),
        ["r-1"],
    ),
    (
        TemplateId.REWARD_GRANTED,
        RewardGranted(
            idea_id="i-1", grant_id="g-1", person_id="a-sv", kind=RewardKind.POINTS,
            amount=Decimal(0), points=10, reason="Idea accepted", reason_code="idea_accepted",
        ),
        ["a-sv"],
    ),
    (
        TemplateId.IDEA_COMMENTED,
        IdeaCommented(idea_id="i-1", comment_id="k-1", commenter_id="a-fi", body="Kiitos!"),
        ["a-sv", "a-en"],
    ),
    (
        TemplateId.EXPERIMENT_STARTED,
        ExperimentStarted(
            idea_id="i-1", experiment_id="x-1", pilot_unit_ids=["u-kirjasto"], hypothesis="h",
            measure="m", starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 1),
        ),
        AUTHORS,
    ),
    (
        TemplateId.EXPERIMENT_COMPLETED,
        ExperimentCompleted(
            idea_id="i-1", experiment_id="x-1", result="Jonot lyhenivät",
            outcome=ExperimentOutcome.SCALE,
        ),
        AUTHORS,
    ),
    (TemplateId.IDEA_IMPLEMENTED, IMPLEMENTED, AUTHORS),
    (TemplateId.SUPPORTED_IDEA_IMPLEMENTED, IMPLEMENTED, ["v-1"]),
    (
        TemplateId.PRACTICE_PUBLISHED,
        PracticePublished(
            idea_id="i-1", practice_id="g-1", title="T", summary="s", published_by="r-1"
        ),
        AUTHORS,
    ),
    (TemplateId.PRACTICE_ADOPTED, ADOPTED, AUTHORS),
    # The idea's unit (u-kirjasto): its change agent and supervisor, never its authors again.
    (TemplateId.UNIT_PRACTICE_ADOPTED, ADOPTED, ["r-1", "s-1"]),
    (
        TemplateId.MEETING_SCHEDULED,
        MeetingScheduled(
            **MEETING, scheduled_at=datetime(2026, 5, 6, 11, tzinfo=UTC), agenda=AGENDA,
            member_ids=MEMBERS, called_by="k-1",
        ),
        ["k-2", "a-fi"],
    ),
    (
        TemplateId.SCORING_OPENED,
        ScoringOpened(
            **MEETING, scheduled_at=datetime(2026, 5, 6, 11, tzinfo=UTC), case=AGENDA[0],
            member_ids=MEMBERS, added_by="k-2",
        ),
        ["k-1", "a-fi"],
    ),
    (
        TemplateId.MINUTES_PUBLISHED,
        MinutesPublished(
            **MEETING, decided_idea_ids=["i-1"], closed_by="k-1", member_ids=MEMBERS
        ),
        ["k-2", "a-fi"],
    ),
    (
        TemplateId.PERIODIC_AWARD_WON,
        PeriodicAwardDecided(
            round_id="r-1", award=PeriodicAwardKind.IDEA_OF_THE_YEAR, period="2026",
            idea_id="i-1", unit_id="u-kirjasto", recipient_ids=AUTHORS, anonymous=True,
            decided_by="r-1",
        ),
        AUTHORS,
    ),
    (TemplateId.CASE_TO_SCREEN, SCREENING, ["r-1"]),
    (
        TemplateId.CASE_TO_REVIEW,
        ReviewStarted(**CASE, started_by="r-1", reviewer_ids=["r-1", "s-1"]),
        ["r-1", "s-1"],
    ),
    (
        TemplateId.CASE_ESCALATED,
        CaseEscalated(
            **CASE, step="screening", due_at=datetime(2026, 3, 1, tzinfo=UTC), level=1,
            escalated_to="department", added_reviewer_ids=["s-1"], reviewer_ids=["r-1", "s-1"],
        ),
        ["s-1", "r-1"],
    ),
    (
        TemplateId.CASE_DEADLINE_NEAR,
        CaseDeadlineNear(
            **CASE, step="in_review", due_at=datetime(2026, 3, 1, tzinfo=UTC), level=0,
            reviewer_ids=["r-1", "s-1"],
        ),
        ["r-1", "s-1"],
    ),
    (
        TemplateId.AWARD_AWAITING_APPROVAL,
        AwardProposed(
            idea_id="i-1", award_id="w-1", proposed_by="r-1", kind=RewardKind.MONEY,
            amount=Decimal("100"), recipient_ids=AUTHORS, justification="j",
            approval_roles=["supervisor"],
        ),
        ["s-1"],
    ),
]  # fmt: skip


# The consumers that keep what the notices read (contacts, ideas, supporters) or forget it; they
# read the whole history and tell nobody, whatever events they share with the notices.
PROJECTIONS = {
    "hr-people",
    "ideas",
    "idea-updates",
    "idea-supports",
    "idea-retention",
    "privacy-erasures",
}


# What happened before a case's event, so there is someone to tell (its own notices not counted).
BEFORE: dict[type[Event], list[Event]] = {InfoProvided: [QUESTION]}


def _full_table() -> list[Subscription]:
    """The subscriptions table of a service whose sender never runs."""
    sender = DeliverySender(None, None, {}, RetryPolicy(1, 1, 1))  # type: ignore[arg-type]
    runtime = SimpleNamespace(extras={"delivery_sender": sender})
    return list(subscriptions(runtime))  # type: ignore[arg-type]


def _table() -> list[Subscription]:
    """The consumers that tell people: neither the projections nor the webhooks (which take
    every event type, for integrations rather than people: test_webhooks.py)."""
    return [
        subscription
        for subscription in _full_table()
        if subscription.name != "webhooks" and subscription.name not in PROJECTIONS
    ]


def test_the_projections_read_the_whole_history() -> None:
    table = {subscription.name: subscription for subscription in _full_table()}
    assert all(not table[name].new_events_only for name in PROJECTIONS)


def test_every_kind_is_covered() -> None:
    decisions = {TemplateId(f"idea_{d.value}") for d in Decision} - {TemplateId.IDEA_NEEDS_INFO}
    covered = {kind for kind, _, _ in CASES} | decisions
    assert covered == set(TemplateId)


def test_the_table_wires_every_kind_in_consumers_that_start_at_the_streams_end() -> None:
    """Each event of a kind is consumed; a first deployment mails nobody about old events,
    while projections read the whole history."""
    telling = {type(event) for _, event, _ in CASES}
    wired: set[type[Event]] = set()
    for subscription in _table():
        assert subscription.new_events_only, subscription.name
        wired |= set(subscription.handlers)
    # An approval's notice follows its proposal's, a rejection ends it (test_work_notices.py).
    assert wired == telling | {AwardApproved, AwardRejected}


@pytest.mark.parametrize(("kind", "event", "recipients"), CASES, ids=[c[0].value for c in CASES])
async def test_each_kind_reaches_whom_it_concerns_once_naming_no_author_to_others(
    notification_db: Database, kind: TemplateId, event: Event, recipients: list[str]
) -> None:
    db = notification_db
    await people_and_idea(db)
    for earlier in BEFORE.get(type(event), []):
        await _run(db, earlier, envelope_of(earlier))
    envelope = envelope_of(event)
    for _ in range(2):  # delivered again: nothing twice
        await _run(db, event, envelope)

    caused = envelope.id
    rows = [r for r in await deliveries(db) if r.cause_event_id == caused]
    items = [i for i in await inbox_items(db) if i.cause_event_id == caused]
    assert sorted(r.person_id for r in rows if r.template == kind.value) == sorted(
        p for p in recipients if default_for(kind, PEOPLE[p][2]) is Frequency.IMMEDIATELY
    )
    # The event tells each of its kinds (an author's and a supporter's) to whom it concerns: in
    # the inbox always; by e-mail at once where their roles' default says so, else in a digest.
    told = sorted((p, k) for k, e, ps in CASES if e is event for p in ps)
    at_once = [(p, k) for p, k in told if default_for(k, PEOPLE[p][2]) is Frequency.IMMEDIATELY]
    waiting = [i for i in await digest_items(db) if i.cause_event_id == caused]
    assert sorted((r.person_id, r.template) for r in rows) == [(p, k.value) for p, k in at_once]
    assert sorted((i.person_id, i.kind) for i in waiting) == [
        (p, k.value) for p, k in told if (p, k) not in at_once
    ]
    assert sorted((i.person_id, i.kind) for i in items) == [(p, k.value) for p, k in told]
    for row in rows:
        assert row.language == PEOPLE[row.person_id][0]
        assert row.html and row.subject and row.body
        text = row.subject + row.body + row.html
        for author in AUTHORS:
            if author != row.person_id:
                assert PEOPLE[author][1] not in text and author not in text
    for item in items:
        assert item.link and item.text and item.language == PEOPLE[item.person_id][0]


async def people_and_idea(db: Database) -> None:
    """Everyone in PEOPLE known from HR, and the anonymous idea i-1 by AUTHORS that SUPPORTERS
    support: what every kind's event is about."""
    for pid, (language, name, roles) in PEOPLE.items():
        await handle(
            db, handlers.on_person_upserted, person(pid, name=name, language=language, roles=roles)
        )
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=AUTHORS, anonymous=True))
    for supporter in SUPPORTERS:
        supported = IdeaSupported(idea_id="i-1", supporter_id=supporter, support_count=1)
        await handle(db, handlers.on_idea_supported, supported)


async def _run(db: Database, event: Event, envelope: Envelope) -> None:
    """The handlers for ``event``, each in a consumer's unit of work as its consumer runs it
    (the table wraps the same ones to wake the sender, which needs a running service)."""
    for handler in _UNWRAPPED[type(event)]:
        await handle(db, handler, event, envelope)


def _unwrapped() -> dict[type[Event], list[Handler]]:
    """The handlers the table runs for each event type that tells people, as they are before
    the table wraps them to wake the sender."""
    run: dict[type[Event], list[Handler]] = {}
    for subscription in _table():
        for event_type, handler in subscription.handlers.items():
            run.setdefault(event_type, []).append(getattr(handler, "__wrapped__", handler))
    return run


_UNWRAPPED = _unwrapped()


def test_each_consumer_that_tells_people_wakes_the_sender() -> None:
    """A notice is mailed as soon as its event is handled, not on the sender's next poll: every
    handler of the telling consumers is wrapped to wake it (which ``_UNWRAPPED`` undoes)."""
    assert all(
        hasattr(handler, "__wrapped__")
        for subscription in _table()
        for handler in subscription.handlers.values()
    )
