"""Services started from one process that has imported their libraries (never their own code),
instead of each importing them again.

Each service process spent about 1 s of CPU importing FastAPI, SQLAlchemy, pydantic, NATS, its
own modules…, six times over on a 2-core machine: most of ``ideapaja up``'s start-up. The fork
server (``python -m ideapaja_runner.forkserver RUNNER_PID NAME…``, a child of the runner)
imports the libraries the services' specs use (``preload``) while nats-server and the others
start, then answers each request (a line of JSON: name, environment, log file) by forking a
process that becomes that service:
its own process group, its log on stdout and stderr, the service's environment, then
``ideapaja_runtime.serve`` as ``python -m ideapaja_runtime.serve NAME`` would run it.

The runner stays the parent of every service: it makes itself a child subreaper
(``PR_SET_CHILD_SUBREAPER``), the server forks twice and the middle process exits at once, so
the service is adopted by the runner, which waits for it, signals it and reads its exit status
as for any child (``AdoptedChild``). Only once adopted does the service ask for SIGTERM when
the runner dies, as every child of the runner does. Where any of this is unavailable (not
Linux, the server not running or unable to load a service), the service is started as before,
a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from ideapaja_runner.process import ManagedProcess, Spawner

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
_PR_SET_CHILD_SUBREAPER = 36
# How long the runner waits for the server to load the services, and for one fork.
LOAD_TIMEOUT = 120.0
FORK_TIMEOUT = 10.0


def _prctl(option: int, value: int | bytes) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except OSError:
        return False


def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux); whether it did."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


class AdoptedChild:
    """A child the runner adopted, with the parts of ``subprocess.Popen`` the runner uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # not ours (never adopted) or reaped elsewhere
                self.returncode = -signal.SIGKILL if _exists(self.pid) else 255
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.01)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ForkServer:
    """The runner's side: start the server, ask it for services."""

    def __init__(self, names: Sequence[str], libraries: Sequence[str], log_path: Path) -> None:
        self.names = list(names)
        self.libraries = list(libraries)
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None
        self.loaded: bool | None = None

    def start(self) -> None:
        from ideapaja_runner.process import child_setup

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
                [sys.executable, "-m", __name__, str(os.getpid()), *self.names],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                process_group=0,
                preexec_fn=child_setup,
            )
        assert self.popen.stdin is not None
        try:  # what to import (a pipe holds 64 KiB; a longer list is read as it is written)
            self.popen.stdin.write(json.dumps({"libraries": self.libraries}).encode() + b"\n")
            self.popen.stdin.flush()
        except OSError:
            self.stop()

    def _answer(self, timeout: float) -> dict[str, object] | None:
        assert self.popen is not None and self.popen.stdout is not None
        ready, _, _ = select.select([self.popen.stdout], [], [], timeout)
        line = self.popen.stdout.readline() if ready else b""
        try:
            answer = json.loads(line)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self.stop()  # it hangs or died: services start as before from now on
            return None
        return answer

    def spawn(self, name: str, env: Mapping[str, str], log_path: Path) -> AdoptedChild | None:
        """The service forked from the server and adopted by this process, or None."""
        if self.popen is None or self.popen.poll() is not None:
            return None
        if self.loaded is None:
            answer = self._answer(LOAD_TIMEOUT)
            self.loaded = bool(answer and answer.get("loaded"))
        if not self.loaded or name not in self.names:
            return None
        request = {"name": name, "env": dict(env), "log": str(log_path)}
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.write(json.dumps(request).encode() + b"\n")
            self.popen.stdin.flush()
        except OSError:
            self.stop()
            return None
        answer = self._answer(FORK_TIMEOUT)
        pid = answer.get("pid") if answer else None
        return AdoptedChild(pid) if isinstance(pid, int) else None

    def stop(self) -> None:
        if self.popen is None:
            return
        popen, self.popen = self.popen, None
        with contextlib.suppress(OSError):
            assert popen.stdin is not None
            popen.stdin.close()  # end of requests: it exits
        try:
            popen.wait(5)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(5)


def start_for(names: Sequence[str], libraries: Sequence[str], log_path: Path) -> ForkServer | None:
    """A fork server for these services, started, where services can be adopted; else None."""
    if not names or not become_subreaper():
        return None
    server = ForkServer(names, libraries, log_path)
    server.start()
    return server


def stopped(server: ForkServer | None) -> None:
    if server is not None:
        server.stop()


def spawner_of(server: ForkServer | None) -> Spawner | None:
    if server is None:
        return None

    def spawn(process: ManagedProcess) -> AdoptedChild | None:
        return server.spawn(process.name, process.env or dict(os.environ), process.log_path)

    return spawn


# --- the server ---------------------------------------------------------------------------------


def preload(libraries: Sequence[str]) -> list[str]:
    """Import what the services import besides their own code (``read_specs``'s ``libraries``),
    never a service's own package: one service's modules (its metrics, its SQLAlchemy
    listeners) must not be in another's process. The modules that would not import."""
    from importlib.metadata import entry_points

    from ideapaja_runner.services import ENTRY_POINT_GROUP

    own = {ep.module.partition(".")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)}
    failed = []
    for module in ["ideapaja_runtime.serve", *libraries]:
        if module.partition(".")[0] in own or module in sys.modules:
            continue
        try:
            importlib.import_module(module)
        except Exception:
            failed.append(module)
    return failed


def serve(runner_pid: int, requests: IO[str], answers: IO[str]) -> None:
    first = json.loads(requests.readline() or "{}")
    failed = preload([str(module) for module in first.get("libraries", [])])
    if failed:
        print(f"not preloaded (each service imports them): {failed}", file=sys.stderr)
    # What the libraries left is frozen out of the cyclic collector before any fork: a
    # collection in a service would otherwise write to the header of every object it scans,
    # copying each page of the shared libraries into that service (copy on write).
    gc.collect()
    gc.freeze()
    print(json.dumps({"loaded": True}), file=answers, flush=True)
    for line in requests:
        request = json.loads(line)
        try:
            answer: dict[str, object] = {"pid": _spawn(request, runner_pid, answers)}
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), file=answers, flush=True)


def _spawn(request: dict[str, object], runner_pid: int, answers: IO[str]) -> int:
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # pragma: no cover - the middle process
        try:
            os.close(read_end)
            service = os.fork()
            if service == 0:
                os.close(write_end)
                _become_service(request, runner_pid)
            os.write(write_end, str(service).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(middle, 0)  # once it is gone, the service is the runner's
    if not data:
        raise RuntimeError("the fork failed")
    return int(data)


def _become_service(request: dict[str, object], runner_pid: int) -> NoReturn:  # pragma: no cover
    code = 1
    try:
        name, log = str(request["name"]), str(request["log"])
        env = request["env"]
        assert isinstance(env, dict)
        os.setpgid(0, 0)
        deadline = time.monotonic() + 5.0
        while os.getppid() != runner_pid and time.monotonic() < deadline:
            time.sleep(0.001)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != runner_pid:
            os._exit(1)  # the runner is gone, or did not adopt it
        _prctl(_PR_SET_NAME, name.encode()[:15])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(null)
        os.close(out)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in env.items()})
        sys.argv = [sys.argv[0], name]

        from ideapaja_runtime.serve import main

        main([name])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def main() -> None:
    serve(int(sys.argv[1]), sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
