"""Run the benchmark rows, print one table and write JSON with the machine's facts.

    .venv/bin/python -m bench [--quick] [--only ROW ...] [--json PATH]

Nothing here fails on a number: a missed target is printed with its margin.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib.metadata import distributions
from pathlib import Path

import structlog

from bench import (
    consumers,
    floors,
    pipeline,
    portal,
    relay,
    replay,
    scaleout,
    search,
    submit,
    together,
)
from bench.harness import Row

ROOT = Path(__file__).resolve().parents[1]
ROWS: dict[str, Callable[[Path, bool], list[Row]]] = {
    "consumers": consumers.rows,
    "together": together.rows,
    "pipeline": pipeline.rows,
    "relay": relay.rows,
    "submit": submit.rows,
    "replay": replay.rows,
    "search": search.rows,
    "scaleout": scaleout.rows,
    "portal": portal.rows,
}

# Left out of a plain --quick run (ask with --only): see each module's docstring.
NOT_QUICK = {"replay"}


def machine() -> dict[str, object]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    wanted = ("nats-py", "fastapi", "uvicorn", "sqlalchemy", "aiosqlite", "asyncpg", "pydantic")
    packages = {
        d.metadata["Name"].lower(): d.version
        for d in distributions()
        if d.metadata["Name"].lower() in wanted or d.metadata["Name"].startswith("ideapaja")
    }
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, read-only
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu,
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": dict(sorted(packages.items())),
        "git_commit": commit,
    }


def print_table(rows: list[Row]) -> None:
    widths = [max(len(r.name) for r in rows), max(len(r.figure) for r in rows)]
    widths.append(max(len(r.baseline) for r in rows))
    header = f"{'row':<14} {'what':<{widths[0]}}  {'figure':<{widths[1]}}  "
    header += f"{'baseline (same run)':<{widths[2]}}  target → verdict"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.group:<14} {r.name:<{widths[0]}}  {r.figure:<{widths[1]}}  "
            f"{r.baseline:<{widths[2]}}  {r.verdict}"
        )


def quiet() -> None:
    """The runtime's structlog output (stream creation and such) stays out of the table."""
    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller runs, under 5 minutes")
    parser.add_argument("--only", action="append", choices=list(ROWS), help="run only ROW")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "bench" / "results" / "latest.json", metavar="PATH"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    quiet()
    work = Path(tempfile.mkdtemp(prefix="ideapaja-bench-"))
    rows: list[Row] = []
    timings: dict[str, float] = {}
    try:
        for name in args.only or [r for r in ROWS if not (args.quick and r in NOT_QUICK)]:
            started = time.perf_counter()
            print(f"… {name}", file=sys.stderr, flush=True)
            (work / name).mkdir()
            try:
                rows.extend(ROWS[name](work / name, args.quick))
            except Exception as exc:  # the other rows' figures are kept, and this one says why
                traceback.print_exc()
                rows.append(Row(name, "row failed", f"FAILED: {exc!r}"[:200]))
            timings[name] = round(time.perf_counter() - started, 1)
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    compared = floors.floors_row(rows)
    if compared is not None:
        rows.append(compared)
    print_table(rows)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine(),
        "quick": args.quick,
        "seconds": timings,
        "rows": [r.as_json() for r in rows],
    }
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nJSON: {args.json}; seconds per row: {timings}")


if __name__ == "__main__":
    main()
