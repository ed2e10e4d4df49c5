"""The reward service's mapping of its refusals to problem+json: a broken award rule answers
with the rule's name (``rule``), so a caller (and a form) knows which rule it broke."""

from __future__ import annotations

from ideapaja_reward.domain.awards import AwardRuleBroken
from ideapaja_runtime.errors import ErrorMapping
from ideapaja_runtime.problems import Problem


def award_rule_broken(exc: AwardRuleBroken) -> Problem:
    """422 for bad input (with ``errors`` naming the field), 403 when the caller may not act on
    this award (``reason: object``), 409 when the award or budget does not allow it now."""
    if exc.refusal == "forbidden":
        return Problem(403, "Forbidden", exc.message, reason="object", rule=exc.rule)
    if exc.refusal == "conflict":
        return Problem(409, "Conflict", exc.message, rule=exc.rule)
    field = exc.field or "body"
    return Problem(
        422,
        "Invalid input",
        f"{field}: {exc.message}",
        rule=exc.rule,
        errors=[{"field": field, "message": exc.message, "type": exc.rule}],
    )


ERRORS: ErrorMapping = {AwardRuleBroken: award_rule_broken}
