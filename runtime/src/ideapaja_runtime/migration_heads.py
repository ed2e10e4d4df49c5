"""Whether a database is already at its migrations' head, without Alembic.

Every service process migrates at start (``Database.migrate``), and almost always there is
nothing to do: importing Alembic (and Mako) and running ``upgrade head`` to find that out cost
about 0.15 s of CPU per service start. The revision files are read here instead (their literal
``revision`` and ``down_revision``, as Alembic reads them) and compared with the version table:
when it holds exactly the heads, there is nothing to upgrade. Anything this cannot read for
certain (a revision computed rather than written, ``depends_on``, ``branch_labels``, a file
that does not parse) answers "cannot tell", and Alembic decides as before.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


def _literal(node: ast.expr) -> object:
    return ast.literal_eval(node)


def _fields(path: Path) -> dict[str, object] | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in _FIELDS:
            try:
                found[target.id] = _literal(value)
            except ValueError:
                return None  # not a literal: only Alembic knows
    return found


def _revisions(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


@cache
def script_heads(script_location: Path) -> frozenset[str] | None:
    """The head revisions of the migrations in ``script_location/versions``, or None when they
    cannot be told for certain without Alembic."""
    versions = Path(script_location) / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        files = sorted(versions.glob("*.py"))
    except OSError:
        return None
    for path in files:
        if path.name.startswith("_"):
            continue
        fields = _fields(path)
        if fields is None or not isinstance(fields.get("revision"), str):
            return None
        if fields.get("branch_labels") is not None or fields.get("depends_on") is not None:
            return None
        down = _revisions(fields.get("down_revision"))
        if down is None:
            return None
        revisions.add(str(fields["revision"]))
        parents.update(down)
    if not revisions or not parents <= revisions:
        return None
    return frozenset(revisions - parents)
