"""Who may see and act on a case. Pure: the caller passes the token's facts and the case's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.routing import reviewer_roles

ADMIN = "admin"
# Roles that have a review work list at all; anyone else is refused before any case is read.
WORKLIST_ROLES = ("change_agent", "supervisor", "committee_member", ADMIN)


@dataclass(frozen=True)
class Denied:
    reason: str


def may_view(person_id: str, roles: Collection[str], reviewer_ids: Collection[str]) -> bool:
    return ADMIN in roles or person_id in reviewer_ids


def decision_denied(
    person_id: str, roles: Collection[str], scope: Scope, reviewer_ids: Collection[str]
) -> Denied | None:
    """None when the caller may decide the case; otherwise why not.

    Admins may decide any case (also an unrouted one). Everyone else must be on the case's
    reviewer list *and* hold a role that reviews this scope: the token and HR must agree, so a
    stale list entry alone is not enough. City-scope ideas are for committee members only.
    """
    if ADMIN in roles:
        return None
    if person_id not in reviewer_ids:
        return Denied("You are not a reviewer of this case.")
    needed = reviewer_roles(scope)
    if needed.isdisjoint(roles):
        return Denied(
            f"Deciding a {scope}-scope idea needs one of the roles: {', '.join(sorted(needed))}."
        )
    return None
