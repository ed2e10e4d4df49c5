#!/usr/bin/env python3
"""Install the portal's front-end packages from the npm registry (build time, never at run time).

Usage: python3 scripts/frontend_assets.py [--check]

Reads services/portal/assets.json (package, exact version, the registry's sha512 integrity, which
files to take), downloads each tarball from the registry (``$NPM_CONFIG_REGISTRY`` or
https://registry.npmjs.org), refuses it unless its sha512 matches, and copies the named files into
the portal's static/vendor/ folder (not committed). Standard library only: it runs before anything
else is installed, and needs no Node.js. ``--check`` only says whether the files are in place.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "services" / "portal"
MANIFEST = PORTAL / "assets.json"
STAMP = ".installed.json"


def registry() -> str:
    return (os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org").rstrip("/")


def tarball_url(name: str, version: str) -> str:
    bare = name.rsplit("/", 1)[-1]
    return f"{registry()}/{name}/-/{bare}-{version}.tgz"


def verify(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise SystemExit(f"unsupported integrity {integrity!r}: only sha512")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"integrity mismatch: expected {expected}, got {actual}")


def install(package: dict[str, object], target: Path) -> None:
    name, version = str(package["name"]), str(package["version"])
    url = tarball_url(name, version)
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - https registry
        data = response.read()
    verify(data, str(package["integrity"]))
    files = dict(package["files"])  # type: ignore[call-overload]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member, destination in files.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{name}@{version} has no file {member}")
            (target / destination).write_bytes(extracted.read())
    print(f"front-end asset {name}@{version} installed into {target.relative_to(ROOT)}")


def main() -> int:
    manifest = json.loads(MANIFEST.read_text())
    target = PORTAL / manifest["target"]
    stamp_path = target / STAMP
    wanted = {p["name"]: p["version"] for p in manifest["packages"]}
    installed = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    up_to_date = installed == wanted and all(
        (target / dest).exists() for p in manifest["packages"] for dest in p["files"].values()
    )
    if "--check" in sys.argv[1:]:
        print("up to date" if up_to_date else "missing or outdated")
        return 0 if up_to_date else 1
    if up_to_date:
        return 0
    target.mkdir(parents=True, exist_ok=True)
    for package in manifest["packages"]:
        install(package, target)
    stamp_path.write_text(json.dumps(wanted, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
