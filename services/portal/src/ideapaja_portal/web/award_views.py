"""What the award pages share: who may propose and decide, the approval chain step by step as
people read it, the ideas' titles and people's names beside the reward service's ids, and the
service's refusals (the rule it names) as sentences in the person's language."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.i18n import N_, ROLE_LABELS, Texts
from ideapaja_portal.web.co_authors import names_of
from ideapaja_portal.web.context import AWARD_READERS, Viewer
from ideapaja_portal.web.forms import one_field_messages

# Who decide steps (reward's awards.decide: the same people as read awards).
DECIDERS = AWARD_READERS
# Who proposes (reward's awards.propose; a supervisor for ideas of their own units).
PROPOSERS = ("committee_member", "management", "admin")
KINDS = ("money", "gift", "day_off", "recognition")
MONEY_KINDS = ("money", "gift")
STATUSES = ("pending", "approved", "rejected")

# The reward service's rules (``rule`` in its refusals), as the person reads them. ``%(role)s``
# is the role the waiting step needs.
RULE_MESSAGES = {
    "amount_positive": N_("A money or gift card award needs an amount above 0,00 €."),
    "amount_maximum": N_("The amount is above the largest award the city allows."),
    "amount_none": N_("Only money and gift cards have an amount."),
    "approval_chain": N_("The amount is above what anyone may approve: propose a smaller one."),
    "currency": N_("Awards are in euros."),
    "days": N_("Give the extra days off for each recipient: at least 1, at most the city's limit."),
    "recipients": N_("Choose each recipient once, at least one."),
    "recipient_not_author": N_("Recipients must be confirmed authors of the idea."),
    "own_award": N_("You would receive this reward yourself: someone else proposes or decides it."),
    "proposer_unit": N_("A supervisor proposes rewards for ideas of their own units only."),
    "no_budget": N_(
        "The idea's department has no reward budget for this year yet: HR sets it on the "
        "budgets page."
    ),
    "budget_exceeded": N_(
        "Budget exceeded: the idea's department has less reward budget left this year than this "
        "amount."
    ),
    "own_proposal": N_("You proposed this one: someone else approves or rejects it."),
    "earlier_step": N_("You approved an earlier step: another person decides this one (%(role)s)."),
    "step_role": N_("This step is decided by another role: %(role)s."),
    "approval_limit": N_("The amount is above your approval limit: this step needs %(role)s."),
    "supervisor_unit": N_("A supervisor decides rewards for ideas of their own units only."),
    "award_decided": N_("The proposal has already been decided: here is how."),
    "award_changed": N_("Someone else decided it first: here is where it stands now."),
    "budget_below_committed": N_(
        "The budget cannot be less than what pending and approved awards already hold."
    ),
    "period": N_("The period must end on or after its first day and cover at most a year."),
}


def proposes(viewer: Viewer, unit_id: str | None) -> bool:
    """May propose an award for an idea of ``unit_id`` (the service has the last word)."""
    return viewer.has_any(*PROPOSERS) or (
        "supervisor" in viewer.roles and unit_id is not None and unit_id in viewer.unit_ids
    )


def rule_message(texts: Texts, rule: str, award: dict[str, Any] | None = None) -> str | None:
    """The sentence for a rule of the reward service's; None for one the pages do not know."""
    message = RULE_MESSAGES.get(rule)
    if message is None:
        return None
    role = (award or {}).get("next_role") or ""
    return texts.gettext(message, role=texts.gettext(ROLE_LABELS.get(role, role)))


def refusal(texts: Texts, error: ServiceError, award: dict[str, Any] | None = None) -> str | None:
    """The sentence for a refusal naming a rule this page knows; None for any other."""
    return rule_message(texts, error.rule or "", award)


def not_yours(viewer: Viewer, award: dict[str, Any]) -> str | None:
    """The rule that certainly keeps this person from deciding the award's waiting step, known
    from the award alone (they proposed it, would receive it, decided a step before, or are a
    supervisor of another unit); None where only the service can tell (e.g. their limit)."""
    me = viewer.person_id
    if me == award["proposed_by"]:
        return "own_proposal"
    if me in (award.get("recipient_ids") or []):
        return "own_award"
    if any(step["decided_by"] == me for step in award.get("trail") or []):
        return "earlier_step"
    supervisors_step = award.get("next_role") == "supervisor" and "supervisor" in viewer.roles
    if supervisors_step and award["unit_id"] not in viewer.unit_ids:
        return "supervisor_unit"
    return None


def refused(
    texts: Texts,
    error: ServiceError,
    field: str,
    *,
    rule_field: str | None = None,
    award: dict[str, Any] | None = None,
) -> dict[str, str]:
    """A refusal as a form's messages: a rule the pages know on ``rule_field`` (default:
    ``field``), a 422's message on ``field``; any other answer is raised again (the friendly
    error pages)."""
    message = refusal(texts, error, award)
    if message is not None:
        return {rule_field or field: message}
    return one_field_messages(field, texts, error)


def steps(award: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step of the chain: its role and its state (approved or rejected with who, when and
    why; waiting; later; or not reached, after a rejection)."""
    decided = {step["step"]: step for step in award.get("trail") or []}
    waiting = award["approved_steps"] + 1 if award["status"] == "pending" else None
    found = []
    for number, role in enumerate(award["approval_roles"], start=1):
        step = decided.get(number)
        if step is not None:
            state = step["decision"]
        elif number == waiting:
            state = "waiting"
        else:
            state = "later" if award["status"] == "pending" else "not_reached"
        found.append({"number": number, "role": role, "state": state, "decision": step})
    return found


def people_in(awards: Iterable[dict[str, Any]]) -> set[str]:
    ids: set[str] = set()
    for award in awards:
        ids.add(award["proposed_by"])
        ids.update(award.get("recipient_ids") or [])
        ids.update(step["decided_by"] for step in award.get("trail") or [])
    return ids


async def idea_titles(apis: Apis, viewer: Viewer, idea_ids: Iterable[str]) -> dict[str, str]:
    """Idea id → its title as colleagues see it ("" for one withdrawn or gone)."""
    wanted = sorted(set(idea_ids))

    async def title(idea_id: str) -> str:
        try:
            idea = await apis.call("intake", "GET", f"/public/ideas/{idea_id}", token=viewer.token)
        except ServiceError as exc:
            if exc.status in (403, 404):
                return ""
            raise
        return str(idea.get("title") or "")

    return dict(zip(wanted, await asyncio.gather(*(title(i) for i in wanted)), strict=True))


async def described(
    apis: Apis, viewer: Viewer, awards: list[dict[str, Any]]
) -> dict[str, dict[str, str]]:
    """What the award pages show beside the ids: ``titles`` of ideas, ``names`` of people."""
    titles, names = await asyncio.gather(
        idea_titles(apis, viewer, (award["idea_id"] for award in awards)),
        names_of(apis, viewer, sorted(people_in(awards))),
    )
    return {"titles": titles, "names": names}


async def with_trails(apis: Apis, viewer: Viewer, page: dict[str, Any]) -> list[dict[str, Any]]:
    """A list page's awards with their trails (who decided each step so far)."""
    return list(
        await asyncio.gather(
            *(
                apis.call("reward", "GET", f"/awards/{award['id']}", token=viewer.token)
                for award in page["items"]
            )
        )
    )
