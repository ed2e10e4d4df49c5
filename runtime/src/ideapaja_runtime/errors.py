"""Domain errors: what a use case raises when it refuses, mapped to problem+json in one place.

Use cases never build HTTP answers. They raise one of these (or a service's own subclass), and
``install_problem_handlers`` turns every ``DomainError`` into RFC 9457 problem+json with the
class's status and title. A service whose errors carry more (a 409 listing the allowed next
actions) registers its own mapping once, in its ``ServiceSpec.errors``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ideapaja_runtime.problems import Problem


class DomainError(Exception):
    """A refusal a caller can act on. ``extra`` becomes members of the problem body."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.instance_title = title or self.title
        self.extra = extra

    def problem(self) -> Problem:
        return Problem(self.status, self.instance_title, self.detail, **self.extra)


class NotFound(DomainError):
    status = 404
    title = "Not found"


class ForbiddenObject(DomainError):
    """The role may do this, but not on this object (another unit's case, someone's ledger)."""

    status = 403
    title = "Forbidden"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, reason="object", **extra)


class Conflict(DomainError):
    """The object's state does not allow this now (a decided case, a key already used)."""

    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a rule; names the field like a 422 from
    validation does, so a form can show the message next to it."""

    status = 422
    title = "Invalid input"

    def __init__(self, field: str, message: str, *, kind: str = "value_error") -> None:
        super().__init__(
            f"{field}: {message}",
            errors=[{"field": field, "message": message, "type": kind}],
        )
        self.field = field
        self.message = message


# A service's own mapping for exceptions that are not ``DomainError``s (or need more than their
# status and title), registered once in its ``ServiceSpec``.
ErrorMapping = Mapping[type[Exception], Callable[[Any], Problem]]
