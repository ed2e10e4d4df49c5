"""Fixtures for the deployment checks: the repository's compose file, manifests and services.

The services are described the way they run: each in a process of its own, loaded from its
``ideapaja.services`` entry point as ``discover_services()`` loads it for
``python -m ideapaja_runtime.serve <name>``. In a container only that one service is installed, so
one process per service also keeps another service's import-time state out of the picture.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml

from ideapaja_runtime.service import ENTRY_POINT_GROUP

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
KUBERNETES = REPO / "deploy" / "kubernetes"

# Settings every service container must be given explicitly (the rest have safe defaults).
NEEDED_SETTINGS = (
    "database_url",
    "nats_url",
    # Each service logs in to NATS as its own user (deploy/nats: no anonymous access).
    "nats_user",
    "nats_password",
    "http_host",
    "http_port",
    "auth_public_key_file",
    "auth_issuer",
    "auth_audience",
)
# Settings that must be given to any service whose settings class has them: where mail goes,
# and secrets whose built-in value is only for development.
NEEDED_IF_PRESENT = ("smtp_host", "smtp_port", "mail_from", "pseudonym_secret")

# Run in a fresh interpreter: describe one service, as `serve` would load it, as JSON.
_DESCRIBE = """
import json, sys, typing
from importlib.metadata import entry_points
from pydantic import SecretStr
from ideapaja_runtime.service import ENTRY_POINT_GROUP, ServiceSpec

(ep,) = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == sys.argv[1]]
spec = ep.load()
assert isinstance(spec, ServiceSpec), f"entry point {ep.name} is not a ServiceSpec"
cls = spec.settings_class
prefix = str(cls.model_config.get("env_prefix") or "")
fields = {}
for name, info in cls.model_fields.items():
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    secret = info.annotation is SecretStr or SecretStr in typing.get_args(info.annotation)
    fields[name] = {"env": (alias or prefix + name).upper(), "required": info.is_required(),
                    "secret": secret}
print(json.dumps({"name": spec.name, "default_port": spec.default_port,
                  "settings_class": cls.__qualname__, "fields": fields,
                  "migrations": str(spec.migrations) if spec.migrations else None}))
"""


@dataclass(frozen=True)
class ServiceInfo:
    """One installed service: its settings' environment variables, port and migrations."""

    name: str
    default_port: int
    settings_class: str
    fields: dict[str, dict[str, Any]]
    migrations: str | None

    def env(self, field: str) -> str:
        return str(self.fields[field]["env"])

    @property
    def env_names(self) -> set[str]:
        return {self.env(f) for f in self.fields}

    @property
    def secret_fields(self) -> set[str]:
        return {f for f, info in self.fields.items() if info["secret"]}

    def required_env(self) -> set[str]:
        """Env names a container must set: the needed ones, and any field without a default."""
        wanted = {f for f in (*NEEDED_SETTINGS, *NEEDED_IF_PRESENT) if f in self.fields}
        wanted |= {f for f, info in self.fields.items() if info["required"]}
        return {self.env(f) for f in wanted}


def _describe(name: str) -> ServiceInfo | str:
    result = subprocess.run(
        [sys.executable, "-c", _DESCRIBE, name],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        return lines[-1] if lines else f"exit status {result.returncode}"
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return ServiceInfo(**data)


@pytest.fixture(scope="session")
def installed_services() -> dict[str, ServiceInfo]:
    """Every installed service (entry point group ``ideapaja.services``), by name."""
    names = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
    if not names:
        pytest.fail(f"no service is installed (entry point group {ENTRY_POINT_GROUP!r})")
    with ThreadPoolExecutor(max_workers=4) as pool:
        described = dict(zip(names, pool.map(_describe, names), strict=True))
    problems = [f"{n}: {d}" for n, d in described.items() if not isinstance(d, ServiceInfo)]
    if problems:
        pytest.fail(
            "these services cannot be loaded, so the deployment files cannot be checked against "
            "their settings:\n  " + "\n  ".join(problems),
            pytrace=False,
        )
    return {d.name: d for d in described.values() if isinstance(d, ServiceInfo)}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def compose_built(compose: dict[str, Any]) -> dict[str, str]:
    """Compose services built from the Dockerfile: compose name -> SERVICE build argument."""
    found = {}
    for name, service in compose["services"].items():
        build = service.get("build")
        if isinstance(build, dict) and "SERVICE" in (build.get("args") or {}):
            found[name] = str(build["args"]["SERVICE"])
    return found


@pytest.fixture(scope="session")
def compose_env(
    compose: dict[str, Any], compose_built: dict[str, str]
) -> dict[str, dict[str, str]]:
    """The environment of each compose service built from the Dockerfile."""
    return {
        name: _env_mapping(compose["services"][name].get("environment")) for name in compose_built
    }


def _env_mapping(environment: Any) -> dict[str, str]:
    """Compose accepts environment as a mapping or as a list of NAME=value."""
    if environment is None:
        return {}
    if isinstance(environment, dict):
        return {str(k): "" if v is None else str(v) for k, v in environment.items()}
    pairs = (str(item).partition("=") for item in environment)
    return {name: value for name, _sep, value in pairs}


@pytest.fixture(scope="session")
def compose_cli() -> list[str] | None:
    """A Compose v2 client: the docker CLI plugin, else a standalone `docker-compose` v2."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    beside_python = Path(sys.executable).parent / "docker-compose"
    standalone = str(beside_python) if beside_python.exists() else shutil.which("docker-compose")
    if standalone:
        probe = subprocess.run([standalone, "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0 and re.search(r"v?2\.\d+", probe.stdout):
            return [standalone]
    return None


def _yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@pytest.fixture(scope="session")
def kubernetes_documents() -> dict[Path, list[dict[str, Any]]]:
    files = sorted(KUBERNETES.glob("*.yaml")) + sorted(KUBERNETES.glob("*.yml"))
    assert files, f"no Kubernetes manifests in {KUBERNETES}"
    return {path: _yaml_documents(path) for path in files}
