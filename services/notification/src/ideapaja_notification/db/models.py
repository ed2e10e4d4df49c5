"""The notification service's own tables.

``contacts`` is the only place in Ideapaja that holds people's e-mail addresses (from HR).
``deliveries`` keeps the rendered message and address so a retry sends exactly what was decided
when the event arrived; erasing a person blanks those columns too (privacy.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import service_metadata


class NotificationBase(DeclarativeBase):
    """The notification service's tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


class Contact(NotificationBase):
    __tablename__ = "contacts"
    # A unit's supervisors and change agents (a practice adopted from their unit).
    __table_args__ = (Index("ix_contacts_unit", "unit_id"),)

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    # Set by PersonLeft: the row stays (erasure comes after retention), mails stop.
    left_on: Mapped[str | None] = mapped_column(String(200), default=None)
    # Set by ErasureRequested (its event time): name, e-mail and language are blank, no mail goes
    # out, and an HR record older than the erasure (a late delivery) does not bring them back.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # From PersonUpserted: the person's unit and HR roles, to find who holds a role (a reward
    # approval step; a supervisor only for their own unit). NULL: stored before this was kept.
    unit_id: Mapped[str | None] = mapped_column(String(64), default=None)
    roles: Mapped[list[Any] | None] = mapped_column(JSON, default=None)


class Idea(NotificationBase):
    """What a decision notice needs to know about an idea: its title and its authors."""

    __tablename__ = "ideas"

    idea_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_ids: Mapped[list[Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(2))
    # From IdeaSubmitted: whether its authors are hidden (the access report shows who wrote it
    # only to the authors themselves). NULL: stored before this was kept, so not known.
    anonymous: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # 1 = as submitted; IdeaUpdated raises it, and an older edit never overwrites a newer one.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # From IdeaSubmitted: the unit whose supervisors approve its rewards. NULL: not known.
    unit_id: Mapped[str | None] = mapped_column(String(64), default=None)


class Supporter(NotificationBase):
    """Who supports an idea now (from IdeaSupported; a withdrawal deletes the row), so they hear
    the decision on it. Deleted with the idea's personal data (retention) and on erasure."""

    __tablename__ = "supporters"
    __table_args__ = (Index("ix_supporters_person", "person_id"),)

    idea_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    supported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AwardChain(NotificationBase):
    """A pending award's approval chain (from AwardProposed), so an approval of one step can
    tell the holders of the next step's role; and what it is, to say so. Deleted when the
    award is decided (its last step approved, or rejected) or its idea's retention ends."""

    __tablename__ = "award_chains"

    award_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(64))
    # The roles that approve it, lowest first (one step each).
    approval_roles: Mapped[list[Any]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    justification: Mapped[str] = mapped_column(String(500))
    # Who may not approve it: its proposer, its recipients, and who approved a step before.
    proposed_by: Mapped[str] = mapped_column(String(64))
    recipient_ids: Mapped[list[Any]] = mapped_column(JSON)
    approved_by: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SupporterNews(NotificationBase):
    """What an idea's supporters were told (its decision, its implementation), kept so that a
    support recorded only afterwards is told too, as the supporters of the time were: supports
    and decisions arrive on separate consumers that catch up each on its own, so a decision can
    be handled before a support made earlier. Told with the same cause event, so nobody hears it
    twice. Deleted with the idea's personal data (retention)."""

    __tablename__ = "supporter_news"
    __table_args__ = (Index("ix_supporter_news_idea", "idea_id", "occurred_at"),)

    cause_event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    template: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(64))
    # The cause event, as its notices name it (deliveries and inbox items keep its id and type,
    # NotificationDelivered its trace).
    cause_source: Mapped[str] = mapped_column(String(255))
    cause_type: Mapped[str] = mapped_column(String(255))
    cause_subject: Mapped[str | None] = mapped_column(String(255), default=None)
    cause_traceparent: Mapped[str | None] = mapped_column(String(64), default=None)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The message's values: the decision and its rationale, or the realised benefit.
    decision: Mapped[str | None] = mapped_column(String(32), default=None)
    rationale: Mapped[str | None] = mapped_column(Text, default=None)
    benefit: Mapped[str | None] = mapped_column(Text, default=None)


class InfoQuestion(NotificationBase):
    """A case's open question to the idea's authors (from InfoRequested): who asked it, so the
    authors' answer (InfoProvided, which names nobody) reaches them. Deleted when answered or
    when its idea's retention ends."""

    __tablename__ = "info_questions"
    __table_args__ = (Index("ix_info_questions_idea_id", "idea_id"),)

    # A case waits for one answer at a time: a new question replaces the open one.
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(64))
    asked_by: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SentByClaim:
    """The columns of a row a sender claims and sends (``db/claiming.py``): an e-mail delivery
    and a webhook delivery alike. Its status and attempts; the claim; when it was made, sent,
    given up."""

    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A sender (replica) that claimed the row owns it until lease_expires_at; only the holder
    # of claim_token may record the outcome.
    claim_token: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The sender process holding the claim (a ``sender_heartbeats`` row while it lives): once
    # it stops beating, the claim is free at once, lease or not. NULL: claimed before 0013.
    holder_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set while a sender is sending it; still set after a crash, so the next attempt is known
    # to be a possible second copy (counted and logged, never silent).
    attempt_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Delivery(SentByClaim, NotificationBase):
    __tablename__ = "deliveries"
    __table_args__ = (
        # One message per person and template for one event, however often it is delivered.
        UniqueConstraint(
            "cause_event_id", "person_id", "template", name="uq_deliveries_cause_person_template"
        ),
        Index("ix_deliveries_person_created", "person_id", "created_at"),
        # The senders' claim: due pending rows, most urgent first, then oldest.
        Index("ix_deliveries_claim_order", "status", "priority", "next_attempt_at"),
        # The operators' list, newest first a page at a time (all, or by status).
        Index("ix_deliveries_created", "created_at", "id"),
        Index("ix_deliveries_status_created", "status", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cause_event_id: Mapped[str] = mapped_column(String(64))
    cause_event_type: Mapped[str] = mapped_column(String(255))
    # The cause's trace, so NotificationDelivered/Failed join it.
    cause_traceparent: Mapped[str | None] = mapped_column(String(64), default=None)
    person_id: Mapped[str] = mapped_column(String(64))
    # The idea the message is about (a decision on it, a reward for it); NULL before this was
    # kept. The access report shows a message about an anonymous idea (or one not known to be
    # named) only to its recipient.
    idea_id: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # The same message as HTML (the e-mail's alternative part); NULL before it was kept.
    html: Mapped[str | None] = mapped_column(Text, default=None)
    # domain.deliveries.Priority: the senders take due rows lowest first.
    priority: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")


class InboxItem(NotificationBase):
    """One notice in a person's in-app inbox (every notice is one, with or without an e-mail).

    Kept ``INBOX_RETENTION_DAYS`` (the purge job in ``usecases/inbox.py``); deleted with the
    person's other messages on erasure."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        # One item per person and kind for one event, however often it is delivered.
        UniqueConstraint(
            "cause_event_id", "person_id", "kind", name="uq_inbox_items_cause_person_kind"
        ),
        # A person's inbox, newest first a page at a time; their unread ones; the purge.
        Index("ix_inbox_items_person_created", "person_id", "created_at", "id"),
        Index("ix_inbox_items_person_read", "person_id", "read_at"),
        Index("ix_inbox_items_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(50))
    idea_id: Mapped[str | None] = mapped_column(String(64), default=None)
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300), default=None)
    cause_event_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Preference(NotificationBase):
    """A person's own choice for one kind of message (kinds they never chose follow the
    default of their roles, ``domain/preferences.py``; only choices are stored). Migration 0011."""

    __tablename__ = "notification_preferences"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), primary_key=True)
    # immediately, daily, weekly or off (never off for a kind that cannot be turned off).
    frequency: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DigestItem(NotificationBase):
    """A notice waiting for (or carried by) a person's daily or weekly digest e-mail.

    ``digest_id`` is the digest's delivery: set by the conditional update that claims the item
    for it, so an item is in one digest only, across restarts and racing replicas. Deleted with
    the person's other messages on erasure. Migration 0011."""

    __tablename__ = "digest_items"
    __table_args__ = (
        # One item per person and kind for one event, however often it is delivered.
        UniqueConstraint(
            "cause_event_id", "person_id", "kind", name="uq_digest_items_cause_person_kind"
        ),
        # The digest job: who has items waiting for a daily (weekly) digest.
        Index("ix_digest_items_waiting", "frequency", "digest_id", "person_id"),
        Index("ix_digest_items_person_created", "person_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(50))
    frequency: Mapped[str] = mapped_column(String(20))
    idea_id: Mapped[str | None] = mapped_column(String(64), default=None)
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    cause_event_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    digest_id: Mapped[str | None] = mapped_column(String(64), default=None)


class SenderHeartbeat(NotificationBase):
    """A running sender (one per worker and process start): it refreshes ``seen_at`` every
    ``SENDER_HEARTBEAT_SECONDS`` while it lives. A claim whose holder has not been seen for
    ``SENDER_HOLDER_TIMEOUT_SECONDS`` is claimable again at once (``db/claiming.py``); a
    graceful stop deletes the row. Migration 0013."""

    __tablename__ = "sender_heartbeats"

    holder_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "email" or "webhook", and "host:pid", so a log can say whose claim it is.
    worker: Mapped[str] = mapped_column(String(20))
    host: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
