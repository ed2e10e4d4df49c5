"""The intake service's domain errors: what its use cases raise when they refuse.

Most are the runtime's ``NotFound`` / ``ForbiddenObject`` / ``Conflict`` / ``InvalidInput`` with
the service's own title, so the runtime answers them as problem+json by their class. The two that
need more than a status and a title (a 429 with ``Retry-After``, a refused attachment whose status
says why) are mapped once, in ``ERRORS`` (the service's ``ServiceSpec.errors``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ideapaja_runtime.errors import (
    Conflict,
    DomainError,
    ErrorMapping,
    ForbiddenObject,
    InvalidInput,
    NotFound,
)
from ideapaja_runtime.problems import Problem, too_many_requests

__all__ = [
    "ERRORS",
    "AlreadyAnAuthor",
    "ArchivedIdea",
    "AttachmentNotFound",
    "AttachmentRefused",
    "ChannelClosed",
    "CommentNotFound",
    "DraftNotFound",
    "EditConflict",
    "FieldErrors",
    "ForbiddenObject",
    "IdeaNotFound",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "InvalidFields",
    "InvalidInput",
    "InvitationNotFound",
    "OwnIdea",
    "RequestInProgress",
    "TooManyAttachments",
    "TooManyAuthors",
    "TooManySubmissions",
    "problem_of",
]

# --- not found -----------------------------------------------------------------------------------


class IdeaNotFound(NotFound):
    title = "Idea not found"

    def __init__(self, idea_id: str, *, detail: str | None = None) -> None:
        super().__init__(detail or f"No idea {idea_id}.")


class DraftNotFound(NotFound):
    """Someone else's draft is answered like a missing one: drafts are private."""

    title = "Draft not found"

    def __init__(self, draft_id: str) -> None:
        super().__init__(f"You have no draft {draft_id}.")


class InvitationNotFound(NotFound):
    title = "Invitation not found"


class CommentNotFound(NotFound):
    title = "Comment not found"


class AttachmentNotFound(NotFound):
    title = "Attachment not found"


class ChannelClosed(NotFound):
    """The citizen channel is off: its routes answer as if they did not exist."""

    def __init__(self) -> None:
        super().__init__("The citizen channel is not open.")


# --- conflicts with the idea's state -------------------------------------------------------------


class IllegalTransition(Conflict):
    """The idea's status does not allow this now (``allowed``: the statuses that would)."""

    title = "Illegal transition"

    def __init__(self, detail: str, *, status_now: str, allowed: Iterable[str] | None = None):
        extra: dict[str, Any] = {"status_now": status_now}
        if allowed is not None:
            extra["allowed"] = sorted(str(a) for a in allowed)
        super().__init__(detail, **extra)

    @classmethod
    def cannot_be(cls, action: str, status: str, allowed: Iterable[str]) -> IllegalTransition:
        return cls(
            f"An idea in status {status} cannot be {action}.", status_now=status, allowed=allowed
        )


class EditConflict(Conflict):
    title = "Edit conflict"

    def __init__(self, edited: int, current: int) -> None:
        super().__init__(
            f"You edited revision {edited}, but the idea is at revision {current}; "
            "reload it and apply your changes again.",
            revision=current,
        )


class ArchivedIdea(Conflict):
    title = "Archived idea"

    def __init__(self, status_now: str) -> None:
        super().__init__(
            "This idea was closed long ago and archived without the people who took part; it "
            "takes no supports or comments.",
            status_now=status_now,
        )


class AlreadyAnAuthor(Conflict):
    title = "Already an author"


class TooManyAuthors(Conflict):
    title = "Too many authors"


class OwnIdea(Conflict):
    title = "Own idea"


class TooManyAttachments(Conflict):
    title = "Too many attachments"


class RequestInProgress(Conflict):
    title = "Request in progress"

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is running.")


# --- refused input -------------------------------------------------------------------------------


class InvalidFields(InvalidInput):
    """Refusals of several fields at once, reported like a validation error naming each."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        DomainError.__init__(
            self, "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
        self.errors = errors
        self.field = errors[0]["field"]
        self.message = errors[0]["message"]


@dataclass
class FieldErrors:
    """Refusals of individual fields, collected and then raised together as one 422."""

    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, field_name: str, message: str, kind: str) -> None:
        self.errors.append({"field": field_name, "message": message, "type": kind})

    def error(self) -> InvalidFields | None:
        return InvalidFields(self.errors) if self.errors else None

    def raise_if_any(self) -> None:
        error = self.error()
        if error is not None:
            raise error


class IdempotencyKeyReused(DomainError):
    status = 422
    title = "Idempotency key reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request; use a new key for "
            "new content.",
            errors=[
                {
                    "field": "Idempotency-Key",
                    "message": "already used for a different request",
                    "type": "idempotency_key_reused",
                }
            ],
        )


class AttachmentRefused(DomainError):
    """The file may not be attached; ``http_status`` says why (413 too large, 415 not an allowed
    type, 422 refused by the virus scan)."""

    title = "Attachment refused"

    def __init__(self, http_status: int, detail: str, *, field_error: bool = True) -> None:
        extra: dict[str, Any] = (
            {"errors": [{"field": "file", "message": detail, "type": "attachment"}]}
            if field_error
            else {}
        )
        super().__init__(detail, **extra)
        self.http_status = http_status


class TooManySubmissions(DomainError):
    """Over the per-person submission limit; nothing was stored or counted."""

    status = 429
    title = "Too many submissions"

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(f"At most {limit} ideas per hour")
        self.retry_after = retry_after


def _too_many(exc: TooManySubmissions) -> Problem:
    return too_many_requests(exc.title, exc.detail, exc.retry_after)


def _refused(exc: AttachmentRefused) -> Problem:
    return Problem(exc.http_status, exc.title, exc.detail, **exc.extra)


ERRORS: ErrorMapping = {TooManySubmissions: _too_many, AttachmentRefused: _refused}


def problem_of(exc: DomainError) -> Problem:
    """The problem+json answer to ``exc``, as the service's handlers would make it (for the
    routes that answer refusals with a page of their own)."""
    for cls in type(exc).__mro__:
        convert: Callable[[Any], Problem] | None = ERRORS.get(cls)
        if convert is not None:
            return convert(exc)
    return exc.problem()
