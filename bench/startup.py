"""``ideapaja up --demo`` from nothing to every service ready, and one service's restart to
ready, A/B: ``python -m bench.startup --runs 4 BASE_VENV HEAD_VENV`` alternates the two
checkouts' runners (each venv's ``ideapaja``, its own code), a fresh state directory and free
ports each run, and prints each run and the medians.

Start-up: from starting the runner until every service's ``/readyz`` answers 200 (polled every
50 ms, as ``bench.stack`` does), with the CPU seconds each process of the stack had used by then.
PSS: the stack's processes' proportional set size at ready (shared pages counted once).
``--cold``: each run without the kept specs (``servicecache``), as the first start after an
install (the base's runner keeps none). Restart: one service killed by its pid (SIGKILL, as a
crash) while the stack runs; from the kill until its ``/readyz`` answers 200 again, the runner's
restart back-off included. CPU counts only processes alive at ready (not the base's spec reader).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import cpu_seconds, descendants, free_port, process_name, pss_mb

SERVICES = ("portal", "intake", "review", "reward", "notification", "privacy")


def _ready(client: httpx.Client, port: int) -> bool:
    try:
        return client.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def one_run(
    venv: Path, restart: str | None, cold: bool = False, timeout: float = 120.0
) -> dict[str, float]:
    if cold:  # as the first start after an install: the services' specs not read yet
        (venv / "share" / "ideapaja-runner" / "services.json").unlink(missing_ok=True)
    ports = {name: free_port() for name in ("nats", "smtp", "mail", "issuer", *SERVICES)}
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        command = [str(venv / "bin" / "ideapaja"), "up", "--demo", "--state-dir", f"{tmp}/s"]
        for option in ("nats", "smtp", "mail", "issuer"):
            command += [f"--{option}-port", str(ports[option])]
        for name in SERVICES:
            command += ["--port", f"{name}={ports[name]}"]
        log = Path(tmp, "runner.log").open("wb")  # noqa: SIM115 - closed after the run
        started = time.perf_counter()
        runner = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        result: dict[str, float] = {}
        try:
            pending = set(SERVICES)
            with httpx.Client() as client:
                while pending:
                    if runner.poll() is not None or time.perf_counter() - started > timeout:
                        raise RuntimeError(Path(tmp, "runner.log").read_text()[-3000:])
                    pending = {name for name in pending if not _ready(client, ports[name])}
                    if pending:
                        time.sleep(0.05)
                result["ready"] = time.perf_counter() - started
                cpu: dict[str, float] = {}
                for pid in descendants(runner.pid):
                    name = process_name(pid)
                    cpu[name] = cpu.get(name, 0.0) + cpu_seconds(pid)
                result["cpu"] = sum(cpu.values())
                result["pss"] = sum(pss_mb(pid) for pid in descendants(runner.pid))
                result.update({f"cpu {name}": value for name, value in cpu.items()})
                if restart is not None:
                    result["restart"] = _restart(client, runner.pid, restart, ports[restart])
        finally:
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(60)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait(10)
            log.close()
    return result


def _restart(client: httpx.Client, runner_pid: int, name: str, port: int) -> float:
    time.sleep(2.0)  # the stack settles (the demo organisation's events handled)
    [pid] = [p for p in descendants(runner_pid) if process_name(p) == name]
    killed = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    while _ready(client, port):  # until the kill is seen
        time.sleep(0.01)
    while not _ready(client, port):
        if time.perf_counter() - killed > 60:
            raise RuntimeError(f"{name} not ready again within 60 s")
        time.sleep(0.05)
    return time.perf_counter() - killed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("venvs", nargs="+", type=Path, help="virtualenvs, alternated")
    parser.add_argument("--runs", type=int, default=3, help="runs of each")
    parser.add_argument("--restart", default="review", help="service to kill and time ('' none)")
    parser.add_argument("--cold", action="store_true", help="no kept specs (servicecache)")
    args = parser.parse_args()
    results: dict[Path, list[dict[str, float]]] = {venv: [] for venv in args.venvs}
    for run in range(args.runs):
        for venv in args.venvs:
            load = os.getloadavg()[0]
            result = one_run(venv, args.restart or None, args.cold)
            results[venv].append(result)
            details = " ".join(
                f"{key.removeprefix('cpu ')}={value:.2f}"
                for key, value in sorted(result.items())
                if key.startswith("cpu ")
            )
            print(
                f"run {run + 1} {venv}: ready {result['ready']:.2f} s, restart "
                f"{result.get('restart', float('nan')):.2f} s, cpu {result['cpu']:.2f} s, "
                f"PSS {result['pss']:.0f} MB "
                f"(load {load:.1f}) [{details}]",
                flush=True,
            )
    for venv, rows in results.items():
        print(
            f"median {venv}: ready {statistics.median(r['ready'] for r in rows):.2f} s, "
            f"restart {statistics.median(r.get('restart', float('nan')) for r in rows):.2f} s, "
            f"cpu {statistics.median(r['cpu'] for r in rows):.2f} s, "
            f"PSS {statistics.median(r['pss'] for r in rows):.0f} MB over {len(rows)} runs"
        )


if __name__ == "__main__":
    main()
