"""How a person wants each kind of message e-mailed: at once, in a daily or weekly digest, or
not at all (the in-app inbox gets every notice whatever they choose).

Defaults come from the person's HR roles, so nobody has to set anything:
- kinds that ask the person to act (``MANDATORY_KINDS``: a question about their idea, a case on
  their work list, a missed deadline, an award waiting for their approval) are e-mailed at once
  and cannot be turned off: they can only be gathered into a digest;
- the low-priority kinds (``LOW_PRIORITY_KINDS``: a comment on one's idea, a practice adopted
  elsewhere, the confirmations that one's idea arrived and that its screening began) go into a
  daily digest for an employee and a weekly one for management, while those
  who work on cases (change agents, supervisors, committee members, reward approvers) follow
  ideas closely and get them at once;
- everything else (decisions, rewards, progress of one's idea) at once.
A person holding several roles gets the soonest of their roles' defaults; one whose roles are
not known is treated as an employee (everybody working for the city is one).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum

from ideapaja_notification.domain.kinds import TemplateId


class Frequency(StrEnum):
    """When a kind of message is e-mailed to a person."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


# Soonest first: of several roles' defaults, the first in this order wins.
_SOONEST_FIRST = (Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.WEEKLY, Frequency.OFF)
DIGESTS = (Frequency.DAILY, Frequency.WEEKLY)

MANDATORY_KINDS: frozenset[TemplateId] = frozenset(
    {
        TemplateId.IDEA_NEEDS_INFO,
        TemplateId.CASE_TO_SCREEN,
        TemplateId.CASE_TO_REVIEW,
        TemplateId.CASE_ESCALATED,
        TemplateId.AWARD_AWAITING_APPROVAL,
    }
)
# Confirmations (the idea arrived, its screening began) ask nothing of their reader either.
LOW_PRIORITY_KINDS: frozenset[TemplateId] = frozenset(
    {
        TemplateId.IDEA_COMMENTED,
        TemplateId.PRACTICE_ADOPTED,
        TemplateId.IDEA_RECEIVED,
        TemplateId.IDEA_SCREENING_STARTED,
    }
)
EMPLOYEE = "employee"
# How each HR role would have the low-priority kinds (a role not listed has no opinion).
LOW_PRIORITY_BY_ROLE: Mapping[str, Frequency] = {
    EMPLOYEE: Frequency.DAILY,
    "management": Frequency.WEEKLY,
    "change_agent": Frequency.IMMEDIATELY,
    "supervisor": Frequency.IMMEDIATELY,
    "committee_member": Frequency.IMMEDIATELY,
    "reward_approver": Frequency.IMMEDIATELY,
}


class UnknownKind(ValueError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"no message kind {kind!r}")
        self.kind = kind


class MandatoryKind(ValueError):
    def __init__(self, kind: TemplateId) -> None:
        super().__init__(f"{kind.value} cannot be turned off (it asks you to act)")
        self.kind = kind


def kind_named(name: str) -> TemplateId:
    try:
        return TemplateId(name)
    except ValueError:
        raise UnknownKind(name) from None


def can_turn_off(kind: TemplateId) -> bool:
    return kind not in MANDATORY_KINDS


def check_choice(kind: TemplateId, frequency: Frequency) -> None:
    """Raise ``MandatoryKind`` when ``frequency`` is not allowed for ``kind``."""
    if frequency is Frequency.OFF and not can_turn_off(kind):
        raise MandatoryKind(kind)


def default_for(kind: TemplateId, roles: Collection[str] | None) -> Frequency:
    """What ``kind`` is by default for someone holding ``roles`` (see the module's doc)."""
    if kind not in LOW_PRIORITY_KINDS:
        return Frequency.IMMEDIATELY
    opinions = {LOW_PRIORITY_BY_ROLE[role] for role in roles or () if role in LOW_PRIORITY_BY_ROLE}
    if not opinions:
        opinions = {LOW_PRIORITY_BY_ROLE[EMPLOYEE]}
    return next(choice for choice in _SOONEST_FIRST if choice in opinions)


def effective(
    kind: TemplateId, chosen: Frequency | None, roles: Collection[str] | None
) -> Frequency:
    """What applies: the person's choice, else the default; never off for a mandatory kind (a
    choice stored before the kind became mandatory is then sent at once)."""
    frequency = chosen if chosen is not None else default_for(kind, roles)
    if frequency is Frequency.OFF and not can_turn_off(kind):
        return Frequency.IMMEDIATELY
    return frequency
