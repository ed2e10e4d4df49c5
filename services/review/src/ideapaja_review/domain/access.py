"""Who may see and act on a case. Pure: the caller passes the token's facts and the case's.

``roles`` are the caller's effective roles: the token's, plus those an admin assigned in review
(an assigned change agent acts as one for that unit's cases).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision
from ideapaja_review.domain.rules import (
    COMMITTEE_ROLES,
    DEFAULT_RULE,
    SCREENER_ROLES,
    RoutingRule,
)

ADMIN = "admin"
# Roles that have a review work list at all; anyone else is refused before any case is read.
WORKLIST_ROLES = ("change_agent", "supervisor", "committee_member", ADMIN)
# Roles that can carry an accepted idea forward (experiments, implementation, practices).
STEWARD_ROLES = SCREENER_ROLES | COMMITTEE_ROLES | {"management"}
# Decisions that end the review of an idea (the others are screening outcomes).
FINAL_DECISIONS = frozenset({Decision.ACCEPTED, Decision.REJECTED})


@dataclass(frozen=True)
class Denied:
    reason: str


def may_view(person_id: str, roles: Collection[str], reviewer_ids: Collection[str]) -> bool:
    return ADMIN in roles or person_id in reviewer_ids


def is_author(person_id: str, author_ids: Collection[str]) -> bool:
    return person_id in author_ids


def decision_denied(
    person_id: str,
    roles: Collection[str],
    scope: Scope,
    reviewer_ids: Collection[str],
    *,
    decision: Decision | None = None,
    rule: RoutingRule = DEFAULT_RULE,
) -> Denied | None:
    """None when the caller may decide the case on its own (or, with no ``decision``, screen
    it); otherwise why not. Who decides, by scope and state:

    - An idea for the committee (city scope, or a department's under
      ``department_ideas_to_committee``) is the committee's to accept or reject, in screening
      and in review alike: the committee decides it in a meeting, where the chair (or an admin)
      records the decision after quorum (``usecases/agenda_items.decide_item``). No one decides
      it alone on the case, whatever their role, admins included; the committee's members only
      screen it (accept it for review, ask for more information, merge a duplicate, forward it).
      A rule with ``city_decisions_in_meeting`` off lets its deciders decide on the case.
    - Any other idea, in screening or review: admins may decide it (also an unrouted one).
      Everyone else must be on the case's reviewer list *and* hold a role that reviews this
      scope under the department's rule (the token and HR must agree, so a stale list entry
      alone is not enough); accepting or rejecting needs a decider role.
    """
    if (
        decision in FINAL_DECISIONS
        and rule.goes_to_committee(scope)
        and rule.city_decisions_in_meeting
    ):
        return Denied(
            f"Accepting or rejecting a {scope}-scope idea is the committee's decision: it is "
            "made in a committee meeting and recorded there by the chair."
        )
    if ADMIN in roles:
        return None
    if person_id not in reviewer_ids:
        return Denied("You are not a reviewer of this case.")
    needed = rule.reviewer_roles(scope)
    if needed.isdisjoint(roles):
        return Denied(
            f"Deciding a {scope}-scope idea needs one of the roles: {', '.join(sorted(needed))}."
        )
    if decision in FINAL_DECISIONS:
        deciders = rule.decider_roles(scope)
        if deciders.isdisjoint(roles):
            return Denied(
                f"Accepting or rejecting a {scope}-scope idea needs one of the roles: "
                f"{', '.join(sorted(deciders))}."
            )
    return None


def reopen_denied(
    person_id: str,
    roles: Collection[str],
    scope: Scope,
    reviewer_ids: Collection[str],
    *,
    rule: RoutingRule = DEFAULT_RULE,
) -> Denied | None:
    """Reopening a decision is for admins and the reviewers who may make such decisions."""
    if ADMIN in roles:
        return None
    if person_id not in reviewer_ids:
        return Denied("You are not a reviewer of this case.")
    deciders = rule.decider_roles(scope)
    if deciders.isdisjoint(roles):
        return Denied(f"Reopening needs one of the roles: {', '.join(sorted(deciders))}.")
    return None


def steward_denied(
    person_id: str,
    roles: Collection[str],
    reviewer_ids: Collection[str],
    *,
    owner_id: str | None = None,
) -> Denied | None:
    """Experiments, implementation and practices are run by the case's reviewers (holding a
    reviewing role), the implementation's owner, or an admin."""
    if ADMIN in roles or (owner_id is not None and person_id == owner_id):
        return None
    if person_id not in reviewer_ids:
        return Denied("You are not a reviewer of this case.")
    if STEWARD_ROLES.isdisjoint(roles):
        return Denied(f"This needs one of the roles: {', '.join(sorted(STEWARD_ROLES))}.")
    return None
