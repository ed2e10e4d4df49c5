"""Service discovery and the environment the runner gives each service."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest
from runner_testkit import Up, gone, last_json_line

from ideapaja_runner import devissuer, services
from ideapaja_runner.state import StateDir
from ideapaja_runtime import service as runtime_service
from ideapaja_runtime.service import ServiceSpec
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing import free_port

ECHO_DIST = Path(__file__).parent / "echo_service_dist"


def test_entry_point_group_matches_the_runtime() -> None:
    assert services.ENTRY_POINT_GROUP == runtime_service.ENTRY_POINT_GROUP


class IntakeLike(ServiceSettings):
    model_config = {"env_prefix": "IDEAPAJA_SOMETHING_"}  # type: ignore[typeddict-unknown-key]


def test_env_prefix_comes_from_the_settings_class() -> None:
    spec = ServiceSpec(name="x-y", title="X", default_port=1, settings_class=IntakeLike)
    assert services.env_prefix(spec) == "IDEAPAJA_SOMETHING_"
    base = ServiceSpec(name="x-y", title="X", default_port=1, settings_class=ServiceSettings)
    assert services.env_prefix(base) == "IDEAPAJA_"


def test_service_environment(tmp_path: Path) -> None:
    spec = ServiceSpec(name="x", title="X", default_port=1, settings_class=IntakeLike)
    state = StateDir.at(tmp_path)
    run = services.ServiceRun(
        service=services.ServiceInfo.of(spec),
        host="127.0.0.1",
        port=8123,
        settings=services.service_settings(
            database_url=state.database_url("x"), nats_url="nats://127.0.0.1:4223",
            host="127.0.0.1", port=8123, public_key_file=str(state.public_key),
            smtp_host="127.0.0.1", smtp_port=1025, log_level="DEBUG", issuer="ideapaja-dev",
            audience="ideapaja",
        ),
    )  # fmt: skip
    env = run.environment({"PATH": "/bin", "IDEAPAJA_SOMETHING_NATS_URL": "nats://elsewhere"})
    assert run.argv == [sys.executable, "-m", "ideapaja_runtime.serve", "x"]
    assert env["PATH"] == "/bin"
    assert env["IDEAPAJA_SOMETHING_NATS_URL"] == "nats://127.0.0.1:4223"
    assert env["IDEAPAJA_SOMETHING_DATABASE_URL"] == f"sqlite+aiosqlite:///{tmp_path}/x.db"
    # What the service's settings class reads from it:
    os_env = {k: v for k, v in env.items() if k.startswith("IDEAPAJA_SOMETHING_")}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in os_env.items():
            mp.setenv(key, value)
        settings = IntakeLike()
    assert settings.http_port == 8123 and settings.log_level == "DEBUG"
    assert settings.auth_public_key_file == state.public_key
    assert settings.database_url.endswith(f"{tmp_path}/x.db")


def test_every_service_learns_where_the_others_are(tmp_path: Path) -> None:
    """PEER_URLS: every started service's base URL by name, given to every service (no service
    is named by the runner); a service without the setting ignores it."""
    state = StateDir.at(tmp_path)

    def run(name: str, port: int, host: str = "127.0.0.1") -> services.ServiceRun:
        spec = ServiceSpec(name=name, title=name, default_port=port, settings_class=IntakeLike)
        settings = services.service_settings(
            database_url=state.database_url(name), nats_url="nats://127.0.0.1:4223", host=host,
            port=port, public_key_file=str(state.public_key), smtp_host="127.0.0.1",
            smtp_port=1025, log_level="INFO", issuer="ideapaja-dev", audience="ideapaja",
        )  # fmt: skip
        return services.ServiceRun(
            service=services.ServiceInfo.of(spec), host=host, port=port, settings=settings
        )

    runs = services.with_peer_urls([run("alpha", 9101), run("beta", 9102, host="0.0.0.0")])
    expected = {"alpha": "http://127.0.0.1:9101", "beta": "http://127.0.0.1:9102"}
    for one in runs:
        assert json.loads(one.settings["PEER_URLS"]) == expected
        assert one.settings["PUBLIC_URL"] == expected[one.name]
        assert "PORTAL_URL" not in one.settings  # no portal started
        assert one.settings["HTTP_PORT"] == str(one.port), "the other settings stay"
    with_portal = services.with_peer_urls([run("alpha", 9101), run("portal", 9100)])
    assert {one.settings["PORTAL_URL"] for one in with_portal} == {"http://127.0.0.1:9100"}
    env = runs[0].environment({})
    assert json.loads(env["IDEAPAJA_SOMETHING_PEER_URLS"]) == expected
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert IntakeLike().http_port == 9101  # a settings class without peer_urls ignores it


def test_discover_only_and_skip() -> None:
    assert services.discover(only=[]) == {}
    with pytest.raises(services.ServiceSelectionError, match="unknown service"):
        services.discover(only=["not-a-service"])
    installed = {ep.name for ep in entry_points(group=services.ENTRY_POINT_GROUP)}
    if installed:
        with pytest.raises(services.ServiceSelectionError, match="unknown service"):
            services.discover(skip=["not-a-service"])


def _broken_installed_services() -> list[str]:
    broken = []
    for ep in entry_points(group=services.ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception:
            broken.append(ep.name)
    return broken


@pytest.mark.e2e
def test_up_starts_an_unknown_service_with_its_environment(tmp_path: Path, ups: list[Up]) -> None:
    """A service package the runner has never heard of: installed → started, no runner edit."""
    broken = _broken_installed_services()
    if broken:
        # `python -m ideapaja_runtime.serve` loads every entry point (discover_services), so
        # one service package that does not import yet stops all of them from starting.
        pytest.skip(f"installed service(s) that cannot be imported yet: {', '.join(broken)}")
    state = tmp_path / "state"
    nats_port, smtp_port, http_port = free_port(), free_port(), free_port()
    issuer_port = free_port()
    pythonpath = os.pathsep.join(filter(None, [str(ECHO_DIST), os.environ.get("PYTHONPATH")]))
    up = Up(
        ["--state-dir", str(state), "--only", "runnerecho", "--port", f"runnerecho={http_port}",
         "--nats-port", str(nats_port), "--smtp-port", str(smtp_port),
         "--mail-port", str(free_port()), "--issuer-port", str(issuer_port),
         "--log-level", "DEBUG", "--follow"],
        env={"PYTHONPATH": pythonpath},
    )  # fmt: skip
    ups.append(up)
    up.wait_for("Stop with Ctrl-C.", timeout=60)
    assert f"runnerecho is ready on http://127.0.0.1:{http_port}" in up.output
    assert re.search(rf"runnerecho +http://127\.0\.0\.1:{http_port}/docs", up.output)
    service_pid = up.pid_of("runnerecho")
    up.wait_for("[runnerecho] ")  # --follow echoes the service's log

    base = f"http://127.0.0.1:{http_port}"
    seen = httpx.get(f"{base}/echo/settings").json()
    assert seen == {
        "database_url": f"sqlite+aiosqlite:///{state}/runnerecho.db",
        "nats_url": f"nats://127.0.0.1:{nats_port}",
        # Its own NATS user; it owns no events, so it may only consume (and it is ready, so it
        # connected and set up the streams with those permissions).
        "nats_user": "runnerecho",
        "http_host": "127.0.0.1",
        "http_port": str(http_port),
        "auth_public_key_file": f"{state}/dev-issuer/public.pem",
        "auth_issuer": "ideapaja-dev",
        "auth_audience": "ideapaja",
        "log_level": "DEBUG",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp_port),
        # Its own OAuth2 client of the dev issuer, for its own tokens (secret: clients.json).
        "auth_token_url": f"http://127.0.0.1:{issuer_port}/oauth2/token",
        "auth_client_id": "runnerecho",
    }
    assert (state / "runnerecho.db").exists()
    assert "runnerecho" in json.loads((state / "nats-users.json").read_text())
    assert "# owns no events: consumes only" in (state / "nats-server.conf").read_text()
    assert (state / "logs" / "runnerecho.log").stat().st_size > 0

    # The service trusts the dev issuer's tokens.
    token = devissuer.issue_token(StateDir.at(state), person_id="p-1001", roles=["employee"])
    who = httpx.get(f"{base}/echo/whoami", headers={"Authorization": f"Bearer {token}"})
    assert who.json() == {"person_id": "p-1001", "roles": ["employee"]}
    assert httpx.get(f"{base}/echo/whoami").status_code == 401
    # With its own token it is itself, a service: sub service:<name>, role <name>-service.
    assert httpx.get(f"{base}/echo/as-myself", timeout=10).json() == {
        "person_id": "service:runnerecho",
        "roles": ["runnerecho-service"],
    }
    clients = state / "dev-issuer" / "clients.json"
    assert set(json.loads(clients.read_text())) == {"runnerecho"}
    assert clients.stat().st_mode & 0o777 == 0o600

    assert up.stop(signal.SIGINT) == 0
    assert gone(service_pid)

    # A service that dies while running: how it died and its log are shown, and it is started
    # again while the rest runs on.
    again = Up(
        ["--state-dir", str(state), "--only", "runnerecho", "--port", f"runnerecho={http_port}",
         "--nats-port", str(nats_port), "--smtp-port", str(smtp_port),
         "--mail-port", str(free_port()), "--issuer-port", str(free_port())],
        env={"PYTHONPATH": pythonpath},
    )  # fmt: skip
    ups.append(again)
    again.wait_for("Stop with Ctrl-C.", timeout=60)
    nats_pid = again.pid_of("nats-server")
    first = again.pid_of("runnerecho")
    os.kill(first, signal.SIGKILL)
    again.wait_for("restarted runnerecho (pid ", timeout=30)
    assert "runnerecho killed by SIGKILL (it cannot log why" in again.output
    assert "starting it again in 1 s" in again.output
    assert "runnerecho.log" in again.output
    assert not gone(nats_pid)  # the rest of the stack ran on
    assert again.stop(signal.SIGINT) == 0
    assert gone(nats_pid)


def test_the_runner_on_sqlite_holds_no_sqlalchemy() -> None:
    """SQLAlchemy (about 23 MB) is for PostgreSQL URLs only: the runner of the embedded default,
    alive as long as the stack, never imports it."""
    code = (
        "import json, sys\n"
        "import ideapaja_runner.cli, ideapaja_runner.supervisor\n"
        "from ideapaja_runner.databases import ensure_databases\n"
        "import asyncio\n"
        "asyncio.run(ensure_databases(['sqlite+aiosqlite:////tmp/x/intake.db']))\n"
        "print(json.dumps({'imported': sorted(m for m in sys.modules"
        " if m.startswith(('sqlalchemy', 'fastapi', 'asyncpg')))}))"
    )
    assert last_json_line("-c", code)["imported"] == []


def test_discover_reads_the_specs_without_importing_the_services_into_the_runner() -> None:
    """The runner lives as long as the stack: the services' libraries stay out of it."""
    code = (
        "import json, sys\n"
        "from ideapaja_runner.services import discover\n"
        "found = discover()\n"
        "print(json.dumps({'found': {n: [i.default_port, i.env_prefix] for n, i in found.items()},"
        " 'imported': sorted(m for m in sys.modules if m.startswith(('ideapaja_intake',"
        " 'ideapaja_review', 'fastapi', 'sqlalchemy')))}))"
    )
    answer = last_json_line("-c", code)
    installed = {ep.name for ep in entry_points(group=services.ENTRY_POINT_GROUP)}
    assert set(answer["found"]) == installed - set(_broken_installed_services())
    assert answer["found"]["intake"] == [8001, "IDEAPAJA_INTAKE_"]
    assert list(answer["found"]) == sorted(answer["found"], key=lambda n: answer["found"][n][0])
    assert answer["imported"] == []
