"""Every service's OpenAPI, fuzzed (issue 14, F12): schemathesis generates valid and invalid
requests for every operation of every installed service and sends them to the service running
in this process (its ASGI app under uvicorn on a loopback port, its runtime started: migrations
on a fresh SQLite database, NATS, relay, consumers), with a token that carries the roles the
operation's policy table admits. Every answer must be:

- never a server error (5xx);
- a status the operation documents, in a media type it documents for that status;
- valid against the documented schema (body and headers);
- for invalid input, a refusal (4xx), never a success (``negative_data_rejection``);
- for a method the path does not take, 405 (``unsupported_method``);
- for every 4xx, problem+json (RFC 9457) whose ``status`` is the answer's status.

The CI part (the normal ``pytest`` run) is derandomized: the same cases every run, so a failure
reproduces with the same command. The deep run (many more cases, a random seed each run, SQLite
and PostgreSQL) is one command::

    IDEAPAJA_FUZZ=deep .venv/bin/pytest -p no:cacheprovider tests/api/test_openapi_fuzz.py

``IDEAPAJA_FUZZ_EXAMPLES=<n>`` overrides the number of generated cases per operation.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks as st_checks
from schemathesis.config import SchemathesisConfig

from ideapaja_runtime.authz import is_service_role
from ideapaja_runtime.service import create_app, discover_services
from ideapaja_runtime.testing import (
    DevKeys,
    NatsServer,
    create_pg_database,
    drop_pg_database,
    fast_test_settings,
    free_port,
    postgres_available,
)
from ideapaja_runtime.testing_builders import wiring

DEEP = os.environ.get("IDEAPAJA_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("IDEAPAJA_FUZZ_EXAMPLES", "200" if DEEP else "12"))
DATABASES = ["sqlite", "postgresql"] if DEEP else ["sqlite"]
SPECS = discover_services()
# The person every fuzzing token names: an id no HR record has.
FUZZER = "p-fuzz-does-not-exist"
UNITS = ["u-fuzz-does-not-exist"]
STAFF_FALLBACK_ROLE = "employee"

pytestmark = pytest.mark.fuzz


PROBLEM_JSON = "application/problem+json"


def documented_media_types(operation: Any, status: int) -> set[str]:
    responses = operation.definition.raw.get("responses", {})
    documented = responses.get(str(status)) or responses.get(f"{status // 100}XX") or {}
    return set(documented.get("content", {}))


@schemathesis.check
def problem_json_for_client_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx is problem+json (RFC 9457) naming its own status, as the runtime promises.

    The one exception is documented: a page for people (the intranet's embedded idea form)
    answers a refusal with a page in their language, and its OpenAPI says so (``text/html``
    for that status, no problem+json); content_type_conformance holds it to that."""
    if not 400 <= response.status_code < 500:
        return None
    documented = documented_media_types(case.operation, response.status_code)
    if documented and PROBLEM_JSON not in documented:
        return None
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if media_type != PROBLEM_JSON:
        raise AssertionError(
            f"{response.status_code} answered as {media_type or 'no media type'!r},"
            " not application/problem+json"
        )
    body = response.json()
    if not isinstance(body, dict) or body.get("status") != response.status_code:
        raise AssertionError(f"problem+json without status {response.status_code}: {body!r}")
    if not body.get("type") or not body.get("title"):
        raise AssertionError(f"problem+json without a type and a title: {body!r}")
    return True


CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
    st_checks.negative_data_rejection,
    # A method the path does not take is 405 with an Allow header naming the ones it does.
    st_checks.unsupported_method,
    problem_json_for_client_errors,
]
# Not run: positive_data_acceptance expects a 2xx for any schema-valid request, but a valid
# request naming an idea, case or person that does not exist is rightly a 404, and one that
# breaks a business rule (deciding a closed case) a 409; status_code_conformance still holds
# those answers to the documented statuses. Authentication is proven route by route with
# every role by tests/security/test_authz_matrix.py, so ignored_auth is not repeated here.
# allow_header_conformance compares Allow with the one path template of the operation, but
# paths overlap: PUT /ideas/similar is routed to PUT /ideas/{idea_id} (a 404 for the idea
# "similar"), so the runtime's "Allow: GET, PUT" there is what the server really takes
# (problems._methods_on lists every route the path reaches), not an undocumented method.


@dataclass
class Served:
    """One service running in this process, reachable over loopback HTTP."""

    name: str
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    cleanup: Callable[[], None]
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.cleanup()


class Fleet:
    """Starts a service when its operations are first fuzzed, and stops the one before (only
    one service runs at a time: the machine is shared)."""

    def __init__(self, nats_url: str, keys: DevKeys, tmp: Path, database: str) -> None:
        self.nats_url = nats_url
        self.keys = keys
        self.tmp = tmp
        self.database = database
        self.current: Served | None = None
        self.tokens: dict[tuple[str, ...], tuple[float, str]] = {}
        self.report: list[str] = []

    def database_url(self, name: str) -> tuple[str, Callable[[], None]]:
        if self.database == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp / f'{name}.db'}", lambda: None
        db_name, url = create_pg_database(f"ideapaja_fuzz_{name}")
        return url, lambda: drop_pg_database(db_name)

    def serve(self, name: str) -> Served:
        if self.current is not None and self.current.name == name:
            return self.current
        self.stop()
        spec = SPECS[name]
        url, cleanup = self.database_url(name)
        app_settings = spec.load_settings(
            **fast_test_settings(**wiring(self.nats_url, url, self.keys))
        )
        app = create_app(spec, app_settings)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_config=None,
                access_log=False,
                proxy_headers=False,
                lifespan="on",
            )
        )
        thread = threading.Thread(target=server.run, name=f"fuzz-{name}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                cleanup()
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)
        self.current = Served(name, f"http://127.0.0.1:{port}", server, thread, cleanup)
        return self.current

    def stop(self) -> None:
        if self.current is None:
            return
        served, self.current = self.current, None
        served.stop()
        self.report.append(
            f"{served.name} ({self.database}): {sum(served.cases.values())} cases over"
            f" {len(served.cases)} operations in {time.monotonic() - served.started:.0f} s;"
            f" statuses {dict(sorted(served.statuses.items()))}"
        )

    def headers(self, roles: tuple[str, ...]) -> dict[str, str]:
        """A token admitted by a policy table listing ``roles`` (cached; renewed well before
        it expires, as a deep run lasts longer than a token)."""
        now = time.monotonic()
        cached = self.tokens.get(roles)
        if cached is None or now - cached[0] > 300:
            token = self.keys.token(FUZZER, *roles, units=UNITS, ttl=900)
            self.tokens[roles] = cached = (now, token)
        return {"Authorization": f"Bearer {cached[1]}"}


def admitted_roles(operation: Any) -> tuple[str, ...]:
    """The roles of the operation's policy table; ``*`` (any person) becomes a plain
    employee. A service role's token names only service roles, as a real one does."""
    roles = list(operation.definition.raw.get("x-ideapaja-roles", []))
    services = sorted(role for role in roles if is_service_role(role))
    people = sorted(role for role in roles if role != "*" and not is_service_role(role))
    if people or "*" in roles:
        return tuple(people or [STAFF_FALLBACK_ROLE])
    return tuple(services)


@pytest.fixture(scope="module", params=DATABASES)
def fleet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, dev_keys: DevKeys
) -> Iterator[Fleet]:
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    nats = NatsServer()
    nats.start()
    running = Fleet(nats.url, dev_keys, tmp_path_factory.mktemp("fuzz"), request.param)
    try:
        yield running
    finally:
        running.stop()
        nats.cleanup()
        print("\nOpenAPI fuzzing:\n  " + "\n  ".join(running.report))


# Security parameters are not generated: every request carries the operation's valid token
# (above), so a generated or removed Authorization header would be replaced before sending and
# a "negative" case would in truth be a valid one.
CONFIG = SchemathesisConfig.from_dict(
    {"generation": {"max-examples": EXAMPLES, "with-security-parameters": False}}
)


def document(name: str) -> dict[str, Any]:
    spec = SPECS[name]
    openapi: dict[str, Any] = create_app(spec, spec.load_settings()).openapi()
    return openapi


def fuzz_test(name: str) -> Callable[..., None]:
    """The fuzzing test of one service: one pytest item per operation."""
    schema = schemathesis.openapi.from_dict(document(name), config=CONFIG)

    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        derandomize=not DEEP,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def test(case: Any, fleet: Fleet) -> None:
        served = fleet.serve(name)
        served.cases[case.operation.label] += 1
        response = case.call_and_validate(
            base_url=served.base_url,
            headers=fleet.headers(admitted_roles(case.operation)),
            checks=CHECKS,
            timeout=30,
        )
        served.statuses[response.status_code] += 1

    test.__name__ = f"test_{name}_answers_as_documented"
    fuzzing: Callable[..., None] = test
    return fuzzing


test_intake_answers_as_documented = fuzz_test("intake")
test_review_answers_as_documented = fuzz_test("review")
test_reward_answers_as_documented = fuzz_test("reward")
test_notification_answers_as_documented = fuzz_test("notification")
test_privacy_answers_as_documented = fuzz_test("privacy")
test_portal_answers_as_documented = fuzz_test("portal")


def test_every_service_is_fuzzed() -> None:
    """A new service cannot ship without its fuzzing test above."""
    fuzzed = {
        name.removeprefix("test_").removesuffix("_answers_as_documented")
        for name in globals()
        if name.endswith("_answers_as_documented")
    }
    assert fuzzed == set(SPECS)
