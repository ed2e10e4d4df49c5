"""docker-compose.yml: valid for Compose, and honest about what each service reads."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
INFRASTRUCTURE = {"nats", "postgres", "mailpit"}


def _clean_env() -> dict[str, str]:
    """The caller's environment without variables that would change what compose renders."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMPOSE_", "DOCKER_"))
        and not (k.startswith("NATS_") and k.endswith("_PASSWORD"))
        and k
        not in {
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "SERVICE_DB_PASSWORD",
            "AUTH_ISSUER",
            "AUTH_AUDIENCE",
            "AUTH_PUBLIC_KEY_PEM",
            "MAIL_FROM",
            "LOG_LEVEL",
            "PUBLISH_ADDRESS",
            "POSTGRES_PUBLISH_PORT",
            "IDEAPAJA_VERSION",
        }
    }


def _run_compose(cli: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cli, "--project-directory", str(REPO), "-f", str(COMPOSE_FILE), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=_clean_env(),
    )


@pytest.fixture(scope="module")
def rendered(compose_cli: list[str] | None) -> dict[str, Any]:
    if compose_cli is None:
        pytest.skip("no Docker Compose v2 client (docker compose plugin or docker-compose v2)")
    result = _run_compose(compose_cli, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_is_valid(compose_cli: list[str] | None) -> None:
    if compose_cli is None:
        pytest.skip("no Docker Compose v2 client (docker compose plugin or docker-compose v2)")
    result = _run_compose(compose_cli, "config", "--quiet")
    assert result.returncode == 0, f"docker compose config failed:\n{result.stderr}"


def test_rendered_database_urls_are_asyncpg_urls_per_service(
    rendered: dict[str, Any], compose_built: dict[str, str], installed_services: dict[str, Any]
) -> None:
    for name, service in compose_built.items():
        env = rendered["services"][name]["environment"]
        url = make_url(env[installed_services[service].env("database_url")])
        assert url.drivername == "postgresql+asyncpg"
        assert url.host == "postgres"
        # One database and one role per service: no service reads another's tables.
        assert url.database == service
        assert url.username == service
        assert url.password


def test_rendered_secret_and_ports(rendered: dict[str, Any], compose_built: dict[str, str]) -> None:
    secret_file = Path(rendered["secrets"]["auth_public_key"]["file"])
    assert secret_file == REPO / "deploy" / "dev-keys" / "auth-public-key.pem"
    for name in compose_built:
        published = rendered["services"][name]["ports"]
        assert all(p["host_ip"] == "127.0.0.1" for p in published), (
            f"{name}: by default ports are published on loopback only"
        )


def test_every_built_service_is_an_installed_service(
    compose_built: dict[str, str], installed_services: dict[str, Any]
) -> None:
    assert compose_built, "docker-compose.yml builds no service from the Dockerfile"
    for name, service in compose_built.items():
        assert name == service, f"compose service {name!r} builds SERVICE={service!r}"
        assert service in installed_services, (
            f"compose service {name!r} has no installed service {service!r} "
            f"(installed: {sorted(installed_services)})"
        )


def test_every_installed_service_is_in_compose(
    compose_built: dict[str, str], installed_services: dict[str, Any]
) -> None:
    missing = sorted(set(installed_services) - set(compose_built.values()))
    assert not missing, f"services missing from docker-compose.yml: {missing}"


def test_compose_env_is_real_settings(
    compose_env: dict[str, dict[str, str]],
    compose_built: dict[str, str],
    installed_services: dict[str, Any],
) -> None:
    """Every IDEAPAJA_* variable set for a service is a field of that service's settings."""
    for name, env in compose_env.items():
        known = installed_services[compose_built[name]]
        unknown = sorted(k for k in env if k.startswith("IDEAPAJA_") and k not in known.env_names)
        assert not unknown, (
            f"{name}: compose sets {unknown}, which are no settings of {known.settings_class}"
        )


def test_compose_env_has_what_each_service_needs(
    compose_env: dict[str, dict[str, str]],
    compose_built: dict[str, str],
    installed_services: dict[str, Any],
) -> None:
    for name, env in compose_env.items():
        needed = installed_services[compose_built[name]].required_env()
        missing = sorted(needed - set(env))
        assert not missing, f"{name}: compose does not set {missing}"


def test_service_wiring(
    compose: dict[str, Any],
    compose_built: dict[str, str],
    compose_env: dict[str, dict[str, str]],
    installed_services: dict[str, Any],
) -> None:
    for name, service_name in compose_built.items():
        service = compose["services"][name]
        env = compose_env[name]
        names = installed_services[service_name]
        port = env[names.env("http_port")]
        assert env[names.env("http_host")] == "0.0.0.0"
        assert env[names.env("nats_url")] == "nats://nats:4222"
        assert env[names.env("auth_public_key_file")] == "/run/secrets/auth_public_key"
        assert any(str(p).endswith(f":{port}:{port}") for p in service["ports"]), (
            f"{name}: port {port} is not published as itself"
        )
        assert service["build"]["context"] == "."
        assert service["build"].get("dockerfile", "Dockerfile") == "Dockerfile"
        assert service["restart"] == "unless-stopped"
        for dependency in ("nats", "postgres"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy"
        assert "/readyz" in service["healthcheck"]["test"]
        assert "auth_public_key" in service["secrets"]


def test_service_ports_are_distinct(
    compose_env: dict[str, dict[str, str]],
    compose_built: dict[str, str],
    installed_services: dict[str, Any],
) -> None:
    ports = [
        env[installed_services[compose_built[name]].env("http_port")]
        for name, env in compose_env.items()
    ]
    assert len(ports) == len(set(ports)), ports


def test_mail_goes_to_the_catcher(
    compose: dict[str, Any],
    compose_env: dict[str, dict[str, str]],
    compose_built: dict[str, str],
    installed_services: dict[str, Any],
) -> None:
    mailpit = compose["services"]["mailpit"]
    assert any(str(p).endswith(":1025:1025") for p in mailpit["ports"])
    assert any(str(p).endswith(":8025:8025") for p in mailpit["ports"])
    senders = [
        name
        for name in compose_env
        if "smtp_host" in installed_services[compose_built[name]].fields
    ]
    for name in senders:
        env = compose_env[name]
        names = installed_services[compose_built[name]]
        assert env[names.env("smtp_host")] == "mailpit"
        assert env[names.env("smtp_port")] == "1025"
        assert compose["services"][name]["depends_on"]["mailpit"]["condition"] == "service_healthy"


def test_infrastructure(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= INFRASTRUCTURE

    nats = services["nats"]
    major, minor = (int(x) for x in nats["image"].split(":")[1].split("-")[0].split(".")[:2])
    assert (major, minor) >= (2, 10), nats["image"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in nats["volumes"]}
    config = mounts[nats["command"][nats["command"].index("--config") + 1]]
    assert (REPO / config).resolve() == REPO / "deploy" / "nats" / "nats.conf"
    assert mounts["/data"] == "nats-data", "JetStream store on a named volume"
    assert "nats-data" in compose["volumes"]
    assert "healthz?js-enabled-only=true" in " ".join(nats["healthcheck"]["test"])
    assert any(str(p).endswith(":8222:8222") for p in nats["ports"])

    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    initdb = next(v for v in postgres["volumes"] if "/docker-entrypoint-initdb.d" in v)
    assert (REPO / initdb.split(":")[0]).resolve() == REPO / "deploy" / "postgres" / "initdb"
    databases = postgres["environment"]["SERVICE_DATABASES"].split()
    for name in set(services) - INFRASTRUCTURE:
        assert name in databases, f"no database is created for {name}"


def test_each_service_logs_in_to_nats_as_itself(
    compose: dict[str, Any],
    compose_built: dict[str, str],
    compose_env: dict[str, dict[str, str]],
    installed_services: dict[str, Any],
) -> None:
    """Every user of deploy/nats/nats.conf gets its password from the NATS container's
    environment, and each service logs in as its own user with that same password."""
    from ideapaja_runner import deploy_users
    from ideapaja_runtime.nats_permissions import password_env

    nats_env = compose["services"]["nats"]["environment"]
    wanted = deploy_users.password_variables(deploy_users.installed_services())
    assert sorted(nats_env) == sorted(wanted)
    for name, service in compose_built.items():
        env = compose_env[name]
        names = installed_services[service]
        assert env[names.env("nats_user")] == service
        assert env[names.env("nats_password")] == nats_env[password_env(service)]
    passwords = [str(v) for v in nats_env.values()]
    assert len(set(passwords)) == len(passwords), "one password per user"


def test_rendered_nats_passwords_default_and_override(compose_cli: list[str] | None) -> None:
    if compose_cli is None:
        pytest.skip("no Docker Compose v2 client (docker compose plugin or docker-compose v2)")
    env = _clean_env()
    result = subprocess.run(
        [*compose_cli, "--project-directory", str(REPO), "-f", str(COMPOSE_FILE), "config",
         "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
        env={**env, "NATS_REWARD_PASSWORD": "from-the-secret-store"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rendered = json.loads(result.stdout)["services"]
    assert rendered["nats"]["environment"]["NATS_REWARD_PASSWORD"] == "from-the-secret-store"
    if "reward" in rendered:
        reward_env = rendered["reward"]["environment"]
        assert reward_env["IDEAPAJA_REWARD_NATS_PASSWORD"] == "from-the-secret-store"
    assert rendered["nats"]["environment"]["NATS_ADMIN_PASSWORD"] == "ideapaja-local-nats-admin"
