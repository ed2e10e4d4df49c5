"""The authorization matrix, proven: every route of every service × every role.

Each route declares its action and allowed roles in its OpenAPI (``x-ideapaja-action``,
``x-ideapaja-roles``, from the service's policy table). This test starts every installed service,
calls every route with no token, with a token of no role, with a token of each staff role, of
each extra role any service declares (a citizen channel's ``citizen``) and of each service role a
table names (``privacy-service``) plus one no table names (a service's client-credentials token),
and checks: no token → 401; a role outside the table → 403 with ``reason: role``; a role in the
table → never a role denial and never a server error (the object may still be out of the
caller's scope: ``reason: object``, 404, 409, 422). ``*`` (any authenticated caller) admits every
person but no service: a service role is admitted only where the table names it. A route without
an action fails, so a new endpoint cannot ship without a matrix entry.

Two kinds of route say in their OpenAPI that they do not take a bearer token alone, and are
checked for what they are (see ideapaja_runtime.authz):
- ``x-ideapaja-auth: form-token``: without a bearer or a form token, or with a forged form
  token, nothing is created (401/403/422); a bearer token is checked like anywhere else if the
  route takes one, and is no credential at all otherwise; a form token issued to each caller by
  the route named in ``x-ideapaja-form-token`` meets the same table.
- ``x-ideapaja-public: cors-preflight``: ``OPTIONS`` only, without an action, and it grants
  nothing: no origin, a foreign origin, or a token with every role, is never a 2xx.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from httpx import Response

from ideapaja_runtime.authz import (
    ALL_ROLES,
    AUTH_EXTENSION,
    AUTHENTICATED,
    CORS_PREFLIGHT,
    FORM_TOKEN_AUTH,
    FORM_TOKEN_EXTENSION,
    PUBLIC_EXTENSION,
    SERVICE_ROLES,
    Policy,
    ServiceRole,
    allow,
    is_service_role,
    public_route,
    service_role,
)
from ideapaja_runtime.service import ServiceSpec, discover_services
from ideapaja_runtime.testing import DevKeys, RunningService, fast_test_settings, running_service
from ideapaja_runtime.testing_builders import wiring

UNAUTHENTICATED_BY_DESIGN = {"/healthz", "/readyz", "/metrics"}
METHODS = {"get", "post", "put", "patch", "delete", "options", "head", "trace"}
SPECS = discover_services()
SERVICES = sorted(SPECS)
NO_ROLE = "<no role>"
# What a refusal of a request without usable credentials may be: never a created resource.
NOT_ACCEPTED = {401, 403, 422}
FOREIGN_ORIGIN = "https://not-an-intranet.invalid"


def declared_roles(spec: ServiceSpec) -> set[str]:
    return {
        role
        for router in spec.routers
        for route in router.routes
        for role in (getattr(route, "openapi_extra", None) or {}).get("x-ideapaja-roles", [])
    }


# Roles outside the staff roles that some service serves, the service roles the tables name, and
# a service role none names: every service is called with them too.
UNLISTED_SERVICE = service_role("matrix")
EXTRA_ROLES = sorted(
    set().union(*(declared_roles(spec) for spec in SPECS.values())) - ALL_ROLES - AUTHENTICATED
    | {UNLISTED_SERVICE}
)
CALLERS = [NO_ROLE, *sorted(ALL_ROLES), *EXTRA_ROLES]


@pytest.fixture(params=SERVICES)
async def service(
    request: pytest.FixtureRequest, nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    spec = SPECS[request.param]
    settings = spec.load_settings(**fast_test_settings(**wiring(nats_url, sqlite_url, dev_keys)))
    async with running_service(spec, settings) as running:
        yield running


def admitted(role: str, allowed: set[str]) -> bool:
    """What the table says: its roles, and with ``*`` any person (a service only if named)."""
    return role in allowed or ("*" in allowed and not is_service_role(role))


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def concrete(path: str) -> str:
    """Fill path parameters with ids that exist nowhere (valid by pattern)."""
    return re.sub(r"\{[^}]+\}", "zz-nobody-1", path)


def body_of(response: Response) -> dict[str, Any]:
    if "json" not in response.headers.get("content-type", ""):
        return {}
    body = response.json()
    return body if isinstance(body, dict) else {}


@dataclass
class Matrix:
    running: RunningService
    dev_keys: DevKeys
    pairs: int = 0  # route × caller, judged against the table
    refusals: int = 0  # requests without usable credentials, preflights
    wrong: list[str] = field(default_factory=list)

    def bearer(self, role: str) -> dict[str, str]:
        roles = () if role == NO_ROLE else (role,)
        return self.dev_keys.headers("p-matrix", *roles)

    async def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        form_token: tuple[dict[str, Any], str] | None = None,
    ) -> Response:
        """The route with an empty body (JSON), or with only a form token where it reads one."""
        kwargs: dict[str, Any] = {"headers": headers}
        if form_token is not None:
            where, token = form_token
            kwargs["params" if where["in"] == "query" else "data"] = {where["name"]: token}
        elif method in {"POST", "PUT", "PATCH"}:
            kwargs["json"] = {}
        return await self.running.client.request(method, concrete(path), **kwargs)

    def judge(self, what: str, response: Response, role: str, allowed: set[str]) -> None:
        """A role in the table is never refused for its role; one outside always is."""
        body = body_of(response)
        role_denied = response.status_code == 403 and body.get("reason") == "role"
        should_allow = admitted(role, allowed)
        if (
            response.status_code == 401
            or response.status_code >= 500
            or role_denied == should_allow
        ):
            self.wrong.append(
                f"{what} as {role}: {response.status_code} {body.get('detail', '')}"
                f" (table says {'allow' if should_allow else 'deny'})"
            )
        self.pairs += 1

    def refused(self, what: str, response: Response, expected: set[int] | None = None) -> None:
        """One of ``expected``, or without it anything but a success."""
        ok = (
            response.status_code in expected
            if expected is not None
            else not 200 <= response.status_code < 300
        )
        if not ok:
            wanted = sorted(expected) if expected is not None else "anything but a 2xx"
            self.wrong.append(f"{what}: {response.status_code}, expected {wanted}")
        self.refusals += 1

    async def bearer_route(self, method: str, path: str, allowed: set[str]) -> None:
        anonymous = await self.call(method, path, {})
        self.refused(f"{method} {path} without a token", anonymous, {401})
        for role in CALLERS:
            response = await self.call(method, path, self.bearer(role))
            self.judge(f"{method} {path}", response, role, allowed)

    async def form_token_route(
        self, method: str, path: str, allowed: set[str], where: dict[str, Any]
    ) -> None:
        what = f"{method} {path}"
        nothing = await self.call(method, path, {})
        self.refused(f"{what} without a bearer or form token", nothing, NOT_ACCEPTED)
        forged = await self.call(method, path, {}, form_token=(where, "v1.e30.forged"))
        self.refused(f"{what} with a forged form token", forged, NOT_ACCEPTED)
        issuer_method, issuer_path = where["issued-by"].split(" ", 1)
        for role in CALLERS:
            if where["bearer"]:
                response = await self.call(method, path, self.bearer(role))
                self.judge(f"{what} (bearer)", response, role, allowed)
            else:
                response = await self.call(method, path, self.bearer(role))
                self.refused(f"{what} with only a bearer token as {role}", response, NOT_ACCEPTED)
            issued = await self.running.client.request(
                issuer_method, issuer_path, headers=self.bearer(role)
            )
            if issued.status_code != 201:
                # No form token for this role: it cannot use the route through one either.
                if admitted(role, allowed):
                    self.wrong.append(
                        f"{what}: the table allows {role}, who gets no form token from "
                        f"{where['issued-by']} ({issued.status_code})"
                    )
                continue
            token = issued.json()[where["name"]]
            response = await self.call(method, path, {}, form_token=(where, token))
            self.judge(f"{what} (form token)", response, role, allowed)

    async def cors_preflight(self, method: str, path: str, operation: dict[str, Any]) -> None:
        what = f"{method} {path} ({CORS_PREFLIGHT})"
        if method != "OPTIONS" or operation.get("x-ideapaja-action"):
            self.wrong.append(f"{what}: a preflight is an OPTIONS route without an action")
            return
        no_origin = await self.running.client.options(concrete(path))
        self.refused(f"{what} without an origin", no_origin)
        foreign = {"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"}
        self.refused(
            f"{what} from a foreign origin",
            await self.running.client.options(concrete(path), headers=foreign),
            {403},
        )
        every_role = {**foreign, **self.dev_keys.headers("p-matrix", *CALLERS[1:])}
        self.refused(
            f"{what} from a foreign origin with every role",
            await self.running.client.options(concrete(path), headers=every_role),
            {403},
        )


async def test_every_route_enforces_the_matrix(service: RunningService, dev_keys: DevKeys) -> None:
    openapi = (await service.client.get("/openapi.json")).json()
    matrix = Matrix(service, dev_keys)
    unlisted: list[str] = []
    kinds: dict[str, int] = {}
    for method, path, operation in operations(openapi):
        if path in UNAUTHENTICATED_BY_DESIGN:
            continue
        public = operation.get(PUBLIC_EXTENSION)
        if public is not None:
            if public != CORS_PREFLIGHT:
                matrix.wrong.append(f"{method} {path}: unknown public kind {public!r}")
                continue
            await matrix.cors_preflight(method, path, operation)
            kinds[CORS_PREFLIGHT] = kinds.get(CORS_PREFLIGHT, 0) + 1
            continue
        action = operation.get("x-ideapaja-action")
        allowed = set(operation.get("x-ideapaja-roles") or [])
        if not action:
            unlisted.append(f"{method} {path}")
            continue
        auth = operation.get(AUTH_EXTENSION)
        if auth is None:
            await matrix.bearer_route(method, path, allowed)
        elif auth == FORM_TOKEN_AUTH:
            await matrix.form_token_route(method, path, allowed, operation[FORM_TOKEN_EXTENSION])
            kinds[FORM_TOKEN_AUTH] = kinds.get(FORM_TOKEN_AUTH, 0) + 1
        else:
            matrix.wrong.append(f"{method} {path}: unknown authentication {auth!r}")
    assert not unlisted, f"routes without an authorization matrix entry: {unlisted}"
    assert not matrix.wrong, "\n".join(matrix.wrong)
    assert matrix.pairs > 0
    special = "".join(f", {n} {kind} route(s)" for kind, n in sorted(kinds.items()))
    print(
        f"{service.runtime.spec.name}: {matrix.pairs} route × role pairs checked "
        f"({len(CALLERS)} callers: no role, {len(ALL_ROLES)} staff roles, {EXTRA_ROLES}), "
        f"{matrix.refusals} refusals without usable credentials{special}"
    )


def test_the_callers_include_every_extra_role_a_service_declares() -> None:
    # The matrix is only as honest as its callers: the citizen channel's role must be among them,
    # and the privacy service's, and a service role that no table names.
    assert "citizen" in EXTRA_ROLES
    assert ServiceRole.PRIVACY in EXTRA_ROLES and UNLISTED_SERVICE in EXTRA_ROLES
    assert set(CALLERS) >= ALL_ROLES | SERVICE_ROLES | set(EXTRA_ROLES) | {NO_ROLE}


def test_a_table_names_only_staff_roles_and_its_own_extra_roles() -> None:
    # A typo in a role would otherwise be a role nobody holds, silently denying everyone.
    with pytest.raises(ValueError, match="unknown roles"):
        Policy("svc", [allow("x.read", {"employe"}, "typo")])
    with pytest.raises(ValueError, match="unknown roles"):
        Policy("svc", [allow("x.read", {"citizen"}, "not declared by this service")])
    table = Policy("svc", [allow("x.read", {"citizen"}, "declared")], extra_roles={"citizen"})
    assert table["x.read"].roles == {"citizen"}
    with pytest.raises(ValueError, match="not extra"):
        Policy("svc", [], extra_roles={"employee"})
    # Service roles are the runtime's (ServiceRole), not a service's own invention.
    with pytest.raises(ValueError, match="unknown roles"):
        Policy("svc", [allow("x.read", {"privcy-service"}, "typo")])
    with pytest.raises(ValueError, match="not extra"):
        Policy("svc", [], extra_roles={"reporting-service"})
    assert Policy("svc", [allow("x.read", {ServiceRole.PRIVACY}, "ok")])
    with pytest.raises(ValueError, match="no public route"):
        public_route("anything-goes", "a route that wants to skip the matrix")
