"""Who may see an idea, and whose names an anonymous idea shows."""

from __future__ import annotations

from collections.abc import Collection, Sequence

# Everyone on the city's staff may submit ideas, whatever else they do.
STAFF_ROLES = (
    "employee",
    "change_agent",
    "supervisor",
    "committee_member",
    "reward_approver",
    "hr",
    "management",
    "admin",
)
# Roles that take part in reviewing ideas and so may read any submitted idea.
REVIEWER_ROLES = ("change_agent", "supervisor", "committee_member", "admin", "management")


def is_reviewer(roles: Collection[str]) -> bool:
    return any(role in roles for role in REVIEWER_ROLES)


def can_view_idea(person_id: str, roles: Collection[str], author_ids: Collection[str]) -> bool:
    return person_id in author_ids or is_reviewer(roles)


def visible_author_ids(
    person_id: str, *, anonymous: bool, author_ids: Sequence[str]
) -> list[str] | None:
    """The authors' person ids as ``person_id`` may see them: an anonymous idea names its authors
    only to the authors themselves (reviewers, admins included, see the pseudonym)."""
    if anonymous and person_id not in author_ids:
        return None
    return list(author_ids)


# Roles that may hide comments (moderation) besides nobody else.
MODERATOR_ROLES = ("change_agent", "supervisor", "committee_member", "admin")
# Roles that may export ideas for reporting (never with the authors of anonymous ideas).
REPORTING_ROLES = ("management", "admin", "hr")


def is_staff(roles: Collection[str]) -> bool:
    return any(role in roles for role in STAFF_ROLES)


def exported_author_ids(*, anonymous: bool, author_ids: Sequence[str]) -> list[str]:
    """Authors as a report shows them: nobody for an anonymous idea, whoever reads the report."""
    return [] if anonymous else list(author_ids)
