"""Authorization as one declarative table per service: role × action, plus the object scope the
route checks after the role.

Every endpoint names its action twice in one call site — ``**policy.route("ledger.read")`` in the
route decorator puts the action and its roles into the OpenAPI document, and
``policy.require("ledger.read")`` is the dependency that enforces them — and the cross-service
matrix test (tests/security/test_authz_matrix.py) reads the OpenAPI of every service, calls every
route with a token of every role and checks the answer against this table. A route without an
action fails that test.

Denials say why: ``"reason": "role"`` (the role may never do this) or ``"reason": "object"``
(the role may, but not on this object: another unit's case, someone else's ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends

from ideapaja_runtime.auth import CurrentPrincipal, Principal
from ideapaja_runtime.problems import Problem


class Role(StrEnum):
    """Roles the identity provider puts in the ``roles`` claim (DESIGN.md, "Who uses it")."""

    EMPLOYEE = "employee"
    CHANGE_AGENT = "change_agent"
    SUPERVISOR = "supervisor"
    COMMITTEE_MEMBER = "committee_member"
    REWARD_APPROVER = "reward_approver"
    HR = "hr"
    MANAGEMENT = "management"
    ADMIN = "admin"


ALL_ROLES: frozenset[str] = frozenset(r.value for r in Role)
STAFF: frozenset[str] = ALL_ROLES
# Any valid token, even one without roles: for a person's own data ("my ideas", "my points").
AUTHENTICATED: frozenset[str] = frozenset({"*"})
REVIEWERS: frozenset[str] = frozenset(
    {Role.CHANGE_AGENT, Role.SUPERVISOR, Role.COMMITTEE_MEMBER, Role.ADMIN}
)


class Scope(StrEnum):
    """The object-level rule a route applies once the role is allowed."""

    ANY = "any"  # every object the role can see
    OWN = "own"  # only the caller's own (their ideas, their ledger)
    UNIT = "unit"  # only objects of the caller's units (token ``units`` claim)
    ASSIGNED = "assigned"  # only objects the caller is assigned to (a case's reviewers)


@dataclass(frozen=True)
class Permission:
    action: str
    roles: frozenset[str]
    description: str
    # Per role, the scope that applies; roles not named here get ``default_scope``.
    scopes: tuple[tuple[str, Scope], ...] = ()
    default_scope: Scope = Scope.ANY

    @property
    def any_authenticated(self) -> bool:
        return "*" in self.roles

    def permits(self, principal: Principal) -> bool:
        return self.any_authenticated or principal.has_any(*self.roles)

    def scope_for(self, principal: Principal) -> Scope:
        """The widest scope any of the principal's allowed roles gives."""
        order = [Scope.ANY, Scope.UNIT, Scope.ASSIGNED, Scope.OWN]
        scopes = dict(self.scopes)
        granted = [scopes.get(r, self.default_scope) for r in principal.roles if r in self.roles]
        if self.any_authenticated:
            granted.append(self.default_scope)
        return min(granted, key=order.index) if granted else Scope.OWN


def allow(
    action: str,
    roles: Iterable[str],
    description: str,
    *,
    default_scope: Scope = Scope.ANY,
    **scopes: Scope,
) -> Permission:
    roles = frozenset(roles)
    if roles == AUTHENTICATED:
        roles = ALL_ROLES | AUTHENTICATED
    unknown = set(roles) - ALL_ROLES - AUTHENTICATED
    if unknown:
        raise ValueError(f"{action}: unknown roles {sorted(unknown)}")
    return Permission(
        action=action,
        roles=frozenset(roles),
        description=description,
        scopes=tuple(sorted(scopes.items())),
        default_scope=default_scope,
    )


def forbidden_object(detail: str) -> Problem:
    """The role may do this, but not on this object."""
    return Problem(403, "Forbidden", detail, reason="object")


class Policy:
    def __init__(self, service: str, permissions: Iterable[Permission]) -> None:
        self.service = service
        self.permissions = {p.action: p for p in permissions}

    def __getitem__(self, action: str) -> Permission:
        return self.permissions[action]

    def route(self, action: str) -> dict[str, Any]:
        """Keyword arguments for the route decorator: documents the action in OpenAPI."""
        permission = self.permissions[action]
        return {
            "openapi_extra": {
                "x-ideapaja-action": f"{self.service}.{action}",
                "x-ideapaja-roles": sorted(permission.roles),
            },
            "description": (
                f"{permission.description}\n\nAllowed roles: "
                + ", ".join(sorted(permission.roles))
                + "."
            ),
        }

    def require(self, action: str) -> Any:
        """The dependency enforcing ``action``'s roles (403 with reason "role" otherwise)."""
        permission = self.permissions[action]

        async def check(principal: CurrentPrincipal) -> Principal:
            if not permission.permits(principal):
                raise Problem(
                    403,
                    "Forbidden",
                    f"{action} needs one of the roles: {', '.join(sorted(permission.roles))}",
                    reason="role",
                )
            return principal

        return Depends(check)

    def markdown_table(self) -> str:
        """The table for the README: action, roles, scope per role."""
        lines = ["| action | roles (scope) | what |", "|---|---|---|"]
        for p in self.permissions.values():
            scopes = dict(p.scopes)
            roles = ", ".join(
                f"{r} ({scopes.get(r, p.default_scope).value})" for r in sorted(p.roles)
            )
            lines.append(f"| `{self.service}.{p.action}` | {roles} | {p.description} |")
        return "\n".join(lines)
