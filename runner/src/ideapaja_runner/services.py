"""Which services to run and the environment each one gets.

Services are found through their package metadata (entry point group ``ideapaja.services``, the
same one ``ideapaja_runtime.service.discover_services`` reads), so installing a service package is
all it takes for ``ideapaja up`` to run it: the runner holds no list of service names. Entry points
are loaded one by one so a broken service is reported by name instead of hiding the others.

They are loaded in a child process (``python -m ideapaja_runner.services NAME…``), which prints
what the runner needs of each (``ServiceInfo``): loading a spec imports its service and every
library it uses, 65 MB that the runner would otherwise hold for as long as the stack runs. That
child costs about 2 s of CPU before anything can start, so its answer is kept for the next start
until the installation changes (``servicecache``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ideapaja_runner import servicecache
from ideapaja_runner.ports import connect_host

if TYPE_CHECKING:  # importing the runtime's service module takes seconds; only when needed
    from ideapaja_runtime.service import ServiceSpec

# ``ideapaja_runtime.service.ENTRY_POINT_GROUP`` (a test keeps the two equal).
ENTRY_POINT_GROUP = "ideapaja.services"


class ServiceSelectionError(ValueError):
    pass


@dataclass(frozen=True)
class ServiceInfo:
    """What the runner needs of a service: its name, default port and settings prefix."""

    name: str
    default_port: int
    env_prefix: str

    @classmethod
    def of(cls, spec: ServiceSpec[Any]) -> ServiceInfo:
        return cls(spec.name, spec.default_port, env_prefix(spec))


def discover(
    only: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    *,
    cache: Path | None = None,
) -> dict[str, ServiceInfo]:
    """The selected services (all when ``only`` is None), ordered by default port, read from
    their specs in a child process, or from ``cache`` (``servicecache``; by default beside the
    installed packages) when nothing they were read from has changed since."""
    return discover_with_libraries(only, skip, cache=cache)[0]


def discover_with_libraries(
    only: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    *,
    cache: Path | None = None,
) -> tuple[dict[str, ServiceInfo], list[str]]:
    """``discover``, and the modules the services import besides their own (``read_specs``)."""
    available = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    wanted = set(available) if only is None else set(only)
    unknown = sorted((wanted | set(skip)) - set(available))
    if unknown:
        names = ", ".join(sorted(available)) or "none installed"
        raise ServiceSelectionError(
            f"unknown service(s): {', '.join(unknown)} (available: {names})"
        )
    selected = sorted(wanted - set(skip))
    if not selected:
        return {}, []
    cache = servicecache.default_path() if cache is None else cache
    key = servicecache.fingerprint(available[name] for name in selected)
    found = servicecache.load(cache, key)
    if found is None:
        found = _read_in_child(selected)
        servicecache.store(cache, key, found)
    infos = [ServiceInfo(**service) for service in found["services"]]
    ordered = {info.name: info for info in sorted(infos, key=lambda info: info.default_port)}
    return ordered, [str(module) for module in found.get("libraries", [])]


def _read_in_child(selected: list[str]) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "ideapaja_runner.services", *selected],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    try:
        found = json.loads(child.stdout.strip().splitlines()[-1])  # the last line: the answer
    except (ValueError, IndexError):
        raise ServiceSelectionError(
            f"the services could not be read (exit {child.returncode}): {child.stderr[-2000:]}"
        ) from None
    if found["problems"]:
        raise ServiceSelectionError(
            "\n".join(found["problems"])
            + "\n(leave a service out with --skip NAME or pick with --only)"
        )
    return {"services": found["services"], "libraries": found.get("libraries", [])}


def read_specs(names: Iterable[str]) -> dict[str, Any]:
    """Load the named services' specs (in the child): what each is, and what is wrong."""
    from ideapaja_runtime.service import ServiceSpec

    available = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    infos: list[dict[str, Any]] = []
    problems: list[str] = []
    for name in names:
        try:
            spec = available[name].load()
        except Exception as exc:
            problems.append(
                f"service {name} ({available[name].value}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            )
            continue
        if not isinstance(spec, ServiceSpec):
            problems.append(f"entry point {name} is not a ServiceSpec")
            continue
        infos.append(ServiceInfo.of(spec).__dict__)
    # What they import besides their own packages, in import order: what a fork server may
    # import once for all of them (``forkserver``) without one service's code in another.
    own = {available[name].module.partition(".")[0] for name in names if name in available}
    libraries = [m for m in sys.modules if m.partition(".")[0] not in own and m != "__main__"]
    return {"services": infos, "problems": problems, "libraries": libraries}


def env_prefix(spec: ServiceSpec[Any]) -> str:
    """The service's settings prefix, e.g. ``IDEAPAJA_INTAKE_``, from its settings class."""
    prefix = spec.settings_class.model_config.get("env_prefix")
    if prefix is None:  # not a ServiceSettings subclass as documented; the agreed convention
        return f"IDEAPAJA_{spec.name.upper().replace('-', '_')}_"
    return str(prefix)


@dataclass(frozen=True)
class ServiceRun:
    """One service as ``ideapaja up`` starts it."""

    service: ServiceInfo
    host: str
    port: int
    settings: Mapping[str, str]  # setting name (upper case) → value, before the prefix

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def base_url(self) -> str:
        """Where the other services reach this one (loopback when bound to every interface)."""
        return f"http://{connect_host(self.host)}:{self.port}"

    @property
    def argv(self) -> list[str]:
        return [sys.executable, "-m", "ideapaja_runtime.serve", self.service.name]

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        prefix = self.service.env_prefix
        env.update({f"{prefix}{key}": value for key, value in self.settings.items()})
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env


def service_settings(
    *,
    database_url: str,
    nats_url: str,
    host: str,
    port: int,
    public_key_file: str,
    smtp_host: str,
    smtp_port: int,
    log_level: str,
    issuer: str,
    audience: str,
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "HTTP_HOST": host,
        "HTTP_PORT": str(port),
        "AUTH_PUBLIC_KEY_FILE": public_key_file,
        "AUTH_ISSUER": issuer,
        "AUTH_AUDIENCE": audience,
        "LOG_LEVEL": log_level,
        "SMTP_HOST": smtp_host,
        "SMTP_PORT": str(smtp_port),
    }


# The service people work in: pages that send a person somewhere link to it.
PORTAL = "portal"


def with_peer_urls(runs: Iterable[ServiceRun]) -> list[ServiceRun]:
    """Give every service ``PEER_URLS``: the base URL of each service started, by name (JSON).

    Each also gets ``PUBLIC_URL``, where browsers reach it (e.g. intake's absolute form URLs),
    and ``PORTAL_URL``, where people follow their ideas, when a portal is started.
    A service that calls the others (e.g. for a report on everything held on a person) reads it
    from its own prefix (``IDEAPAJA_<SVC>_PEER_URLS``); the others ignore it. No service is named
    here: whatever is installed and started is a peer.
    """
    runs = list(runs)
    urls = {run.name: run.base_url for run in runs}
    peers = json.dumps(urls, sort_keys=True)
    portal = {"PORTAL_URL": urls[PORTAL]} if PORTAL in urls else {}
    return [
        replace(
            run,
            settings={**run.settings, "PEER_URLS": peers, "PUBLIC_URL": run.base_url, **portal},
        )
        for run in runs
    ]


if __name__ == "__main__":
    print(json.dumps(read_specs(sys.argv[1:])))
