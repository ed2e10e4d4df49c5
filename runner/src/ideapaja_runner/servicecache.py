"""What ``ideapaja up`` last read of the installed services' specs, kept for the next start.

Reading the specs (``services.discover``) imports every service and its libraries in a child
process: about 2 s of CPU before anything else can start, to learn three facts per service
(name, default port, settings prefix). They change only when the installation does, so the
answer is kept beside the installed packages (``<venv>/share/ideapaja-runner/services.json``,
like the search dictionaries: one per install, whatever the state directory) under a
fingerprint of everything it was read from: the interpreter, each selected entry point and its
distribution's version, the size and modification time of every Python file of the services'
packages and of the runtime's, the runner's own, and of the site-packages directories (an
install or removal of any package changes them). Anything different reads the specs again.
A cache that cannot be read or written is no cache: the specs are read as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

# The packages whose code decides a spec besides the services' own (ServiceSpec, settings, and
# what the runner makes of them).
ALWAYS = ("ideapaja_runtime", "ideapaja_runner")
# Fingerprints kept (``--only``/``--skip`` selections each have their own).
KEEP = 16


def default_path() -> Path:
    return Path(sys.prefix) / "share" / "ideapaja-runner" / "services.json"


def _package_dirs(package: str) -> list[Path]:
    """Where a top-level package's files are, without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return [Path(location) for location in spec.submodule_search_locations]
    return [Path(spec.origin)] if spec.origin else []


def _files(package: str) -> Iterator[str]:
    for location in _package_dirs(package):
        files = [location] if location.is_file() else sorted(location.rglob("*.py"))
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            yield f"{path} {stat.st_mtime_ns} {stat.st_size}"


def fingerprint(selected: Iterable[EntryPoint]) -> str:
    """What the specs of these entry points were read from, hashed."""
    points = sorted(selected, key=lambda ep: ep.name)
    parts = [sys.executable, sys.version, os.environ.get("PYTHONPATH", "")]
    for ep in points:
        dist = f"{ep.dist.name} {ep.dist.version}" if ep.dist else ""
        parts.append(f"{ep.name}={ep.value} {dist}")
    for key in ("purelib", "platlib"):
        with contextlib.suppress(OSError, KeyError):
            directory = sysconfig.get_paths()[key]
            parts.append(f"{directory} {os.stat(directory).st_mtime_ns}")
    packages = sorted({ep.module.partition(".")[0] for ep in points} | set(ALWAYS))
    for package in packages:
        parts.append(package)
        parts.extend(_files(package))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read(path: Path) -> dict[str, Any]:
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def load(path: Path, key: str) -> dict[str, Any] | None:
    """What was read under fingerprint ``key`` (``services``: a list of what each is), or None."""
    found = _read(path).get(key)
    if not isinstance(found, dict):
        return None
    infos = found.get("services")
    if not isinstance(infos, list) or not all(isinstance(info, dict) for info in infos):
        return None
    return found


def store(path: Path, key: str, infos: dict[str, Any]) -> None:
    """Keep ``infos`` under ``key`` (atomically: another runner reads the old or the new)."""
    kept = {k: v for k, v in _read(path).items() if k != key}
    kept = dict(list(kept.items())[-(KEEP - 1) :]) if KEEP > 1 else {}
    kept[key] = infos
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(kept))
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
