"""Services forked from one process that imported them all, and adopted by the runner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from runner_testkit import Up, gone, last_json_line

from ideapaja_runner.forkserver import AdoptedChild
from ideapaja_runtime.testing import free_port

ECHO_DIST = Path(__file__).parent / "echo_service_dist"


def _status(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return line.split()[1]
    raise KeyError(field)


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _status(int(entry.name), "PPid") == str(pid):
                    found.append(int(entry.name))
            except (OSError, KeyError):
                continue
    return found


def _dead(pid: int) -> bool:
    """Gone, or a zombie its parent has not waited for yet."""
    try:
        return gone(pid) or _status(pid, "State") == "Z"
    except OSError:
        return True


def _wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _dead(pid):
            return True
        time.sleep(0.05)
    return False


def _echo_up(tmp_path: Path, http_port: int) -> Up:
    pythonpath = os.pathsep.join(filter(None, [str(ECHO_DIST), os.environ.get("PYTHONPATH")]))
    return Up(
        ["--state-dir", str(tmp_path / "state"), "--only", "runnerecho",
         "--port", f"runnerecho={http_port}", "--nats-port", str(free_port()),
         "--smtp-port", str(free_port()), "--mail-port", str(free_port()),
         "--issuer-port", str(free_port())],
        env={"PYTHONPATH": pythonpath},
    )  # fmt: skip


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreaper: Linux only")
def test_a_service_is_forked_adopted_and_restarted_without_the_server(
    tmp_path: Path, ups: list[Up]
) -> None:
    http_port = free_port()
    up = _echo_up(tmp_path, http_port)
    ups.append(up)
    up.wait_for("Stop with Ctrl-C.", timeout=60)
    service = up.pid_of("runnerecho")
    # Forked from the server (its command line), not a fresh interpreter importing everything…
    assert "ideapaja_runner.forkserver" in _command_line(service)
    assert Path(f"/proc/{service}/comm").read_text().strip() == "runnerecho"
    # …yet the runner's own child, in its own process group, as a started one is.
    assert _status(service, "PPid") == str(up.process.pid)
    assert os.getpgid(service) == service
    assert (tmp_path / "state" / "logs" / "forks.log").exists()
    settings = httpx.get(f"http://127.0.0.1:{http_port}/echo/settings").json()
    assert settings["http_port"] == str(http_port)  # its own environment, not the server's

    # Killed: started again from the server, quickly.
    os.kill(service, signal.SIGKILL)
    line = up.wait_for("restarted runnerecho (pid ", timeout=30)
    again = int(line.split("(pid ")[1].split(")")[0])
    assert "ideapaja_runner.forkserver" in _command_line(again)
    assert "runnerecho killed by SIGKILL" in up.output

    # Without the server (it died), a service is started as before: a fresh interpreter.
    [server] = [
        pid
        for pid in _children(up.process.pid)
        if "ideapaja_runner.forkserver" in _command_line(pid) and pid != again
    ]
    os.kill(server, signal.SIGKILL)
    assert _wait_gone(server)
    os.kill(again, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while up.output.count("restarted runnerecho (pid ") < 2:
        assert time.monotonic() < deadline, up.output
        time.sleep(0.05)
    fresh = int(up.output.rsplit("restarted runnerecho (pid ", 1)[1].split(")")[0])
    assert "ideapaja_runtime.serve runnerecho" in _command_line(fresh)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{http_port}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        pytest.fail("the service started as before did not get ready")
    assert up.stop(signal.SIGINT) == 0
    assert gone(fresh)


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreaper: Linux only")
def test_forked_services_stop_when_the_runner_dies(tmp_path: Path, ups: list[Up]) -> None:
    up = _echo_up(tmp_path, free_port())
    ups.append(up)
    up.wait_for("Stop with Ctrl-C.", timeout=60)
    service = up.pid_of("runnerecho")
    server = [p for p in _children(up.process.pid) if p != service]
    up.process.kill()  # no clean-up: the children's parent-death signal must do it
    up.process.wait(10)
    assert _wait_gone(service)
    assert all(_wait_gone(pid) for pid in server)


def test_an_adopted_child_is_waited_for_like_popen(tmp_path: Path) -> None:
    def spawn(code: str) -> AdoptedChild:
        return AdoptedChild(os.posix_spawn(sys.executable, [sys.executable, "-c", code], {}))

    sleeper = spawn("import time; time.sleep(30)")
    assert sleeper.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        sleeper.wait(0.1)
    sleeper.send_signal(signal.SIGTERM)
    assert sleeper.wait(10) == -signal.SIGTERM
    assert sleeper.poll() == -signal.SIGTERM
    sleeper.kill()  # gone already: nothing to signal, no error

    assert spawn("raise SystemExit(3)").wait(10) == 3


def test_the_server_imports_the_services_libraries_never_their_own_code() -> None:
    libraries = last_json_line("-m", "ideapaja_runner.services", "intake", "review")["libraries"]
    assert {"fastapi", "sqlalchemy", "ideapaja_runtime.service", "ideapaja_contracts"} <= set(
        libraries
    )
    assert not [m for m in libraries if m.startswith(("ideapaja_intake", "ideapaja_review"))]

    code = (
        "import json, sys\n"
        "from ideapaja_runner.forkserver import preload\n"
        "failed = preload(['json', 'ideapaja_intake.app', 'ideapaja_no_such_module'])\n"
        "print(json.dumps([failed, 'ideapaja_intake' in sys.modules,"
        " 'ideapaja_runtime.serve' in sys.modules]))"
    )
    failed, service_imported, runtime_imported = last_json_line("-c", code)
    assert failed == ["ideapaja_no_such_module"]
    assert not service_imported  # another service's code never enters the server
    assert runtime_imported


def test_the_server_freezes_the_libraries_before_it_forks() -> None:
    """Objects frozen out of the cyclic collector are never scanned in a forked service, so
    their pages stay shared with the server instead of being copied into each service."""
    code = (
        "import gc, io, json, os\n"
        "from ideapaja_runner.forkserver import serve\n"
        "answers = io.StringIO()\n"
        "serve(os.getpid(), io.StringIO(json.dumps({'libraries': ['json']}) + '\\n'), answers)\n"
        "print(json.dumps([gc.get_freeze_count(), answers.getvalue()]))"
    )
    frozen, answers = last_json_line("-c", code)
    assert json.loads(answers) == {"loaded": True}
    assert frozen > 1000
