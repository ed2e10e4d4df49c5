"""The intake service's own tables (its own database; nobody else reads them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import service_metadata


class IntakeBase(DeclarativeBase):
    """The intake service's own tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


def _idea_id(**options: Any) -> MappedColumn[Any]:
    """The column of a row that belongs to an idea: it goes when the idea goes."""
    return mapped_column(String(64), ForeignKey("ideas.id", ondelete="CASCADE"), **options)


class Unit(IntakeBase):
    """The city's units and departments as HR last described them (projection of UnitUpserted)."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # No foreign key: HR may describe a unit before its department.
    parent_id: Mapped[str | None] = mapped_column(String(64))
    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Time of the HR event this row comes from: an older event arriving late changes nothing.
    hr_event_time: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Idea(IntakeBase):
    """An idea as its authors wrote it. ``revision`` counts edits from 1 (the submission)."""

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint("scope IN ('unit', 'department', 'city')", name="scope"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="language"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(20))
    # No foreign key to units: that table is a projection of HR data and may be rebuilt.
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(2))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20))
    # Pseudonym shown instead of the authors (the submitter's, see domain/pseudonym.py).
    author_ref: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once it enters review (drafts live in idea_drafts until then).
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rewarded: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    benefit_kinds: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # A work community (unit) as author; the persons are still in idea_authors.
    team_unit_id: Mapped[str | None] = mapped_column(String(64))
    # Came from outside the city's staff (the citizen channel).
    external: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Lemmas and compound parts of the text (domain/search.py), searched with LIKE on SQLite;
    # PostgreSQL indexes both in its generated ``search_vector`` column (migration 0007), which
    # the model leaves out because SQLite has no such column.
    search_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_parts: Mapped[str] = mapped_column(Text, default="", server_default="")
    support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set once the retention sweep removed the personal data of the closed idea
    # (usecases/retention.py).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IdeaAuthor(IntakeBase):
    """A person behind an idea: the submitter now; co-authors (unconfirmed until they accept)
    later."""

    __tablename__ = "idea_authors"

    idea_id: Mapped[str] = _idea_id(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # submitter | co_author
    author_ref: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Null while a co-author has not accepted the invitation.
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invited_by: Mapped[str | None] = mapped_column(String(64))


class IdeaStatusChange(IntakeBase):
    """Every status an idea has had: who, when, why. Appended to, never rewritten."""

    __tablename__ = "idea_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = _idea_id()
    # The CloudEvents id of the event that caused the change: one row per event.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(64))
    # The reviewer who decided (none for the submission, which may be anonymous).
    actor_id: Mapped[str | None] = mapped_column(String(64))
    rationale: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(64))
    forwarded_to_unit_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # What happened (e.g. info_requested, merged, experiment_started); null on rows written
    # before 0002, whose status says it.
    kind: Mapped[str | None] = mapped_column(String(40))
    # The words that go with it: the question asked, the reason, the experiment's result.
    note: Mapped[str | None] = mapped_column(Text)


class IdeaReward(IntakeBase):
    """A reward granted for an idea (projection of RewardGranted; amounts stay with reward)."""

    __tablename__ = "idea_rewards"

    grant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = _idea_id(index=True)
    person_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("ix_idea_status_history_order", IdeaStatusChange.idea_id, IdeaStatusChange.occurred_at)
# The lists' orders (their keyset cursors), ties by id: ideas newest first (migration 0005).
Index("ix_ideas_submitted_order", Idea.submitted_at, Idea.id)


class IdeaDraft(IntakeBase):
    """An idea being written: only its author sees it; submitting turns it into an idea with the
    same id."""

    __tablename__ = "idea_drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64))
    # The IdeaDraft model (domain/submission.py) as JSON.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("ix_idea_drafts_owner_order", IdeaDraft.owner_id, IdeaDraft.updated_at, IdeaDraft.id)


class IdeaVersion(IntakeBase):
    """Every version of an idea's text, from the submission (revision 1) on; never rewritten."""

    __tablename__ = "idea_versions"
    __table_args__ = (UniqueConstraint("idea_id", "revision", name="uq_idea_versions_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = _idea_id()
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40))
    benefit_kinds: Mapped[list[str]] = mapped_column(JSON)
    # Person id of the author who saved it (shown only where authors are shown).
    edited_by: Mapped[str] = mapped_column(String(64))
    # submitted | edited | co_author_confirmed
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdeaSupport(IntakeBase):
    """A colleague supports an idea: one row per person; withdrawing deletes it."""

    __tablename__ = "idea_supports"

    idea_id: Mapped[str] = _idea_id(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    supported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The idea this support was first given to, when it moved here with a merge.
    moved_from: Mapped[str | None] = mapped_column(String(64))


class IdeaComment(IntakeBase):
    """A comment; moderation hides it with a reason, the text is kept for the audit."""

    __tablename__ = "idea_comments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = _idea_id()
    commenter_id: Mapped[str] = mapped_column(String(64))
    # Who the comment is shown as: the person, or the idea's pseudonym when an author of an
    # anonymous idea writes it.
    shown_as: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hidden_by: Mapped[str | None] = mapped_column(String(64))
    hidden_reason: Mapped[str | None] = mapped_column(String(200))


Index("ix_idea_comments_order", IdeaComment.idea_id, IdeaComment.created_at, IdeaComment.id)


class IdeaAttachment(IntakeBase):
    """A file attached to an idea, stored in the service's database (see README)."""

    __tablename__ = "idea_attachments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = _idea_id(index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: lists of attachments never load the files themselves.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # not_scanned | clean (infected files are refused, never stored)
    scan_status: Mapped[str] = mapped_column(String(20))


class Person(IntakeBase):
    """Who works for the city (projection of PersonUpserted/PersonLeft): their unit and name, so
    that authors find co-authors by name (GET /people) and pages show names; no contact details.
    The name is blanked when HR says they left, and the row deleted on erasure."""

    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    hr_event_time: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    display_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The name folded (domain/people.py): the order people are listed in.
    name_key: Mapped[str] = mapped_column(String(200), default="", server_default="")


# Binary order on PostgreSQL too (SQLite's default): a prefix is then one index range.
NAME_WORD = String(64).with_variant(String(64, collation="C"), "postgresql")


class PersonNameWord(IntakeBase):
    """Each part of a person's folded name (domain/people.py), for prefix search by an index;
    rebuilt from ``people.display_name`` whenever HR changes the person."""

    __tablename__ = "person_name_words"

    word: Mapped[str] = mapped_column(NAME_WORD, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("people.person_id", ondelete="CASCADE"), primary_key=True
    )


Index("ix_person_name_words_person", PersonNameWord.person_id, PersonNameWord.word)


class IdempotencyRecord(IntakeBase):
    """The response to a creating request, under the caller's Idempotency-Key."""

    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(100))
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class SubmissionCounter(IntakeBase):
    """Submissions per person in one rate-limit window (domain/ratelimit.py)."""

    __tablename__ = "submission_counters"

    person_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ErasedPerson(IntakeBase):
    """A person whose personal data intake erased (ErasureRequested), known here only by the
    token that replaced their id (``former-…``, domain/pseudonym.py): an event about them that
    arrives late (an HR record older than the erasure, a reward, a reviewer's step) is skipped or
    pseudonymised like the rest (usecases/erasure.py)."""

    __tablename__ = "erased_people"

    former_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The latest erasure (a person re-hired after an erasure may be erased again).
    erasure_id: Mapped[str] = mapped_column(String(64))
    # That erasure's event time: HR records up to it describe the erased employment.
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RetentionAudit(IntakeBase):
    """What the retention sweep removed (usecases/retention.py): counts, never the data itself.
    One row per closed idea (``idea_id`` unique: two sweepers racing on one idea meet here), and
    one per sweep for the drafts, expired idempotency keys and ended rate-limit windows it
    deleted."""

    __tablename__ = "retention_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # closed_idea | stale_data
    kind: Mapped[str] = mapped_column(String(20))
    idea_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
