"""The review service's domain errors, and ERRORS: the one mapping to problem+json for what is
not a plain ``DomainError`` (the 409 of the state machine, which lists the allowed actions).

Use cases raise these; no use case builds an HTTP answer."""

from __future__ import annotations

from ideapaja_review.domain.lifecycle import IllegalTransition
from ideapaja_runtime import errors
from ideapaja_runtime.errors import ErrorMapping
from ideapaja_runtime.problems import Problem


class CaseNotFound(errors.NotFound):
    """No case by that id (or for that idea)."""

    title = "Case not found"

    def __init__(self, case_ref: str) -> None:
        super().__init__(f"No case for {case_ref}.")
        self.case_ref = case_ref


class NotFound(errors.NotFound):
    """Something of the workflow besides a case is missing: a committee, a meeting, an agenda
    item, an experiment, an implementation, a practice. ``what`` names it in the title."""

    def __init__(self, detail: str, *, what: str) -> None:
        super().__init__(detail, title=f"{what} not found")
        self.what = what


class NotAllowed(errors.ForbiddenObject):
    """The role may do this, but not on this case, committee or practice (403, reason
    "object")."""


class Refused(errors.Conflict):
    """A request the case's situation refuses besides the state machine (a 409), e.g. a
    decision without quorum."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(detail, title=title)


class InvalidDecision(errors.InvalidInput):
    """Input that is well-formed but wrong for this case (a 422 naming the field)."""


InvalidInput = InvalidDecision


def illegal_transition(exc: IllegalTransition) -> Problem:
    """409 with the case's status and the actions allowed from it."""
    return Problem(
        409,
        "Illegal transition",
        str(exc),
        state=exc.status.state.value,
        decision=exc.status.decision.value if exc.status.decision else None,
        appealed=exc.status.appealed,
        allowed=[action.value for action in exc.allowed],
    )


ERRORS: ErrorMapping = {IllegalTransition: illegal_transition}
