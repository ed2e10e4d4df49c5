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

Roles outside the city's staff roles (a citizen channel's ``citizen``) are declared by the one
service that serves them: ``Policy(..., extra_roles={"citizen"})``; the matrix test also calls
every route of every service with a token of each such role.

Services calling services authenticate as themselves with client-credentials tokens
(``ideapaja_runtime.client_credentials``) whose role is a service role (``ServiceRole``, e.g.
``privacy-service``). A table names a service role only for the actions that service needs;
``AUTHENTICATED`` means any *person*, never a service, so a service token is refused (``reason:
role``) everywhere else.

Two kinds of route do not take a bearer token alone, and say so in their OpenAPI so the matrix
test checks them for what they are:
- ``x-ideapaja-auth: form-token`` (``policy.route(action, form_token=FormToken(...))``): plain
  HTML forms cannot send an ``Authorization`` header, so they carry a short-lived signed form
  token that a bearer-authenticated route issues. The roles in the token meet the same table
  (``policy.check``). Without a bearer or a form token nothing is accepted.
- ``x-ideapaja-public: cors-preflight`` (``public_route(CORS_PREFLIGHT, ...)``): an ``OPTIONS``
  preflight, which browsers send without credentials; it grants nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from fastapi import Depends, Request

from ideapaja_runtime.auth import CurrentPrincipal, Principal
from ideapaja_runtime.errors import ForbiddenObject
from ideapaja_runtime.problems import Problem

# request.state attribute the policy check keeps the admitted principal in (routes.Actor).
PRINCIPAL = "ideapaja_principal"


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


class ServiceRole(StrEnum):
    """Roles of services themselves: the role in the client-credentials token a service gets
    from the identity provider for calling other services (never a person's role). A table admits
    a service role only where it names it: ``AUTHENTICATED`` ("any person") does not include it,
    so a service token acts nowhere else."""

    PRIVACY = "privacy-service"  # its access report asks every service (privacy.report)


# Every service's role ends so (``service_role``); the dev issuer gives each service its own.
SERVICE_ROLE_SUFFIX = "-service"
SERVICE_ROLES: frozenset[str] = frozenset(r.value for r in ServiceRole)


def service_role(service: str) -> str:
    """The role of ``service``'s own client-credentials tokens, e.g. ``privacy-service``."""
    return f"{service}{SERVICE_ROLE_SUFFIX}"


def is_service_role(role: str) -> bool:
    return role.endswith(SERVICE_ROLE_SUFFIX)


def is_service(principal: Principal) -> bool:
    """Whether ``principal`` is a service calling with its own token (not a person)."""
    return any(is_service_role(role) for role in principal.roles)


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
        """A role of the table, or any person where the table says ``AUTHENTICATED`` (a service
        only with a role the table names)."""
        if principal.has_any(*(self.roles - AUTHENTICATED)):
            return True
        return self.any_authenticated and not is_service(principal)

    def scope_for(self, principal: Principal) -> Scope:
        """The widest scope any of the principal's allowed roles gives."""
        order = [Scope.ANY, Scope.UNIT, Scope.ASSIGNED, Scope.OWN]
        scopes = dict(self.scopes)
        granted = [scopes.get(r, self.default_scope) for r in principal.roles if r in self.roles]
        if self.any_authenticated and not is_service(principal):
            granted.append(self.default_scope)
        return min(granted, key=order.index) if granted else Scope.OWN

    def check_person(self, principal: Principal, person_id: str, refusal: str) -> None:
        """For a route about one person: where the principal's scope is only their own, that
        person must be them (403 with reason "object" and ``refusal`` otherwise)."""
        if self.scope_for(principal) is Scope.OWN and person_id != principal.person_id:
            raise ForbiddenObject(refusal)


def allow(
    action: str,
    roles: Iterable[str],
    description: str,
    *,
    default_scope: Scope = Scope.ANY,
    **scopes: Scope,
) -> Permission:
    roles = frozenset(roles)
    if "*" in roles:  # AUTHENTICATED, perhaps with a service role: every staff role too
        roles = roles | ALL_ROLES
    # Roles are checked against the staff, service and the service's extra roles by the Policy.
    return Permission(
        action=action,
        roles=frozenset(roles),
        description=description,
        scopes=tuple(sorted(scopes.items())),
        default_scope=default_scope,
    )


# OpenAPI extensions for routes that do not take a bearer token alone (see the module docstring).
AUTH_EXTENSION = "x-ideapaja-auth"
FORM_TOKEN_EXTENSION = "x-ideapaja-form-token"  # noqa: S105 - an OpenAPI key
PUBLIC_EXTENSION = "x-ideapaja-public"
FORM_TOKEN_AUTH = "form-token"  # noqa: S105 - an OpenAPI value
CORS_PREFLIGHT = "cors-preflight"
PUBLIC_KINDS = frozenset({CORS_PREFLIGHT})


@dataclass(frozen=True)
class FormToken:
    """How a route takes a signed form token in place of a bearer token."""

    issued_by: str  # "POST /form-tokens": the bearer route that issues one (JSON field ``name``)
    location: Literal["query", "form"]  # where the route reads it
    bearer: bool  # whether the route also takes a bearer token
    name: str = "form_token"

    def openapi(self) -> dict[str, Any]:
        return {
            "issued-by": self.issued_by,
            "in": self.location,
            "name": self.name,
            "bearer": self.bearer,
        }


def public_route(kind: str, description: str) -> dict[str, Any]:
    """Keyword arguments for a route that takes no credentials by design (only ``PUBLIC_KINDS``,
    which the matrix test knows how to check)."""
    if kind not in PUBLIC_KINDS:
        raise ValueError(f"no public route of kind {kind!r}; known: {sorted(PUBLIC_KINDS)}")
    return {
        "openapi_extra": {PUBLIC_EXTENSION: kind},
        "description": f"{description}\n\nNo credentials by design ({kind}).",
    }


class Policy:
    def __init__(
        self,
        service: str,
        permissions: Iterable[Permission],
        *,
        extra_roles: Iterable[str] = (),
        adapt: Callable[[Request, Principal], Principal] | None = None,
    ) -> None:
        """``extra_roles``: roles outside the staff roles that this service alone serves (e.g.
        ``citizen``); every other role name in the table is a mistake. ``adapt`` puts a token's
        principal in the table's terms before it is checked (e.g. the deployment's name for the
        citizen role); the adapted principal is what the route gets."""
        self.service = service
        self.adapt = adapt
        self.extra_roles = frozenset(extra_roles)
        clash = self.extra_roles & (ALL_ROLES | AUTHENTICATED | SERVICE_ROLES)
        if clash or any(is_service_role(r) for r in self.extra_roles):
            raise ValueError(f"{service}: extra roles {sorted(self.extra_roles)} are not extra")
        self.permissions = {p.action: p for p in permissions}
        for p in self.permissions.values():
            unknown = p.roles - ALL_ROLES - AUTHENTICATED - SERVICE_ROLES - self.extra_roles
            if unknown:
                raise ValueError(f"{service}.{p.action}: unknown roles {sorted(unknown)}")

    def __getitem__(self, action: str) -> Permission:
        return self.permissions[action]

    def route(
        self,
        action: str,
        *,
        description: str | None = None,
        form_token: FormToken | None = None,
        openapi_extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Keyword arguments for the route decorator, the one place a route names its action:
        documents the action and its roles in OpenAPI (after the route's own ``description``
        and ``openapi_extra``, if any) and enforces them before the endpoint runs; the admitted
        principal is then the route's ``Actor`` and its unit of work's ``actor``. A route of
        plain HTML forms authenticates by a form token instead (``form_token``): it documents
        how, and checks the roles itself with ``check``."""
        permission = self.permissions[action]
        extra: dict[str, Any] = {
            **(openapi_extra or {}),
            "x-ideapaja-action": f"{self.service}.{action}",
            "x-ideapaja-roles": sorted(permission.roles),
        }
        description = (
            (f"{description}\n\n" if description else "")
            + f"{permission.description}\n\nAllowed roles: "
            + ", ".join(sorted(permission.roles))
            + "."
        )
        if form_token is not None:
            extra[AUTH_EXTENSION] = FORM_TOKEN_AUTH
            extra[FORM_TOKEN_EXTENSION] = form_token.openapi()
            description += (
                f" Authenticated by a form token ({form_token.location} {form_token.name}, "
                f"from {form_token.issued_by})"
                + (" or a bearer token." if form_token.bearer else "; no bearer token.")
            )
            return {"openapi_extra": extra, "description": description}
        return {
            "openapi_extra": extra,
            "description": description,
            "dependencies": [self.require(action, remember=True)],
        }

    def check(self, action: str, principal: Principal) -> Principal:
        """``principal`` if ``action``'s roles admit it; a 403 with reason "role" otherwise. For
        routes that authenticate otherwise than by ``require`` (form tokens)."""
        permission = self.permissions[action]
        if not permission.permits(principal):
            raise Problem(
                403,
                "Forbidden",
                f"{action} needs one of the roles: {', '.join(sorted(permission.roles))}",
                reason="role",
            )
        return principal

    def require(self, action: str, *, remember: bool = False) -> Any:
        """The dependency enforcing ``action``'s roles (403 with reason "role" otherwise);
        with ``remember``, it keeps the admitted principal for the request's ``Actor``."""
        if action not in self.permissions:  # fail at import, not at the first request
            raise KeyError(f"{self.service}: no action {action!r} in the table")

        async def check(request: Request, principal: CurrentPrincipal) -> Principal:
            if self.adapt is not None:
                principal = self.adapt(request, principal)
            admitted = self.check(action, principal)
            if remember:
                setattr(request.state, PRINCIPAL, admitted)
            return admitted

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
