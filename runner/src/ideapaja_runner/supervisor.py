"""``ideapaja up``: the whole embedded stack as local processes, no Docker.

Order on start: check every port (nothing starts if one is taken) → lock the state directory →
NATS users and passwords (``natsauth``), dev issuer key pair and each service's client secret →
the fork server, importing the services' libraries once for all of them (``forkserver``) →
started together, then each waited for: nats-server (JetStream, ``sync_interval: always``, a
user per client; then the streams, as admin), the dev issuer's token endpoint (services' own
tokens, client-credentials grant; also the OIDC provider the portal signs people in with, its
redirect URIs registered and, under ``--demo``, the demo organisation's people listed) and the
SMTP catcher → every installed service, each its own process (forked from the fork server, the
runner's child all the same; else ``python -m ideapaja_runtime.serve <name>``) with its own NATS
user and OAuth2 client (``AUTH_TOKEN_URL``, ``AUTH_CLIENT_ID``, ``AUTH_CLIENT_SECRET``; the
portal also ``OIDC_DISCOVERY_URL`` and ``PUBLIC_URL``) → with
``--demo`` the demo organisation into the HR stream (as hr-adapter), while the services start →
wait for each ``/readyz``.

On Ctrl-C or SIGTERM: services (SIGTERM, then SIGKILL after ``--stop-timeout``), then the SMTP
catcher and the token endpoint, then nats-server; exit code 0. A second signal while stopping
kills what is left at once.

If a process dies while the stack runs, the runner says how (the signal, and what a SIGKILL
usually means), prints the tail of its log and starts it again after a back-off (``restarts.py``:
1 s doubling up to 30 s); more than ``--max-restarts`` deaths of one process within 5 minutes is
a crash loop, which restarting would only hide, so the runner then stops everything with exit
code 3. Exit codes: 0 stopped by signal, 1 something failed to start, 2 bad options / port taken
/ state dir in use (nothing started), 3 a process kept dying while running.

``--nats-url`` (one URL, or a cluster's servers comma-separated) uses a NATS run elsewhere
instead of starting one: it must know the users of ``nats-users.json``; the streams are created
there with ``IDEAPAJA_STREAM_REPLICAS`` replicas if missing, and it is neither watched nor stopped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import TextIO, cast

from ideapaja_runner import devissuer, hr_import, hr_records, natsauth, natsd, tokenendpoint
from ideapaja_runner.banner import running_banner
from ideapaja_runner.databases import DatabaseUrlError, ensure_databases, service_database_url
from ideapaja_runner.forkserver import ForkServer, spawner_of, start_for, stopped
from ideapaja_runner.ports import PortClaim, PortError, check_ports, connect_host
from ideapaja_runner.process import LogFollower, ManagedProcess, stop_all
from ideapaja_runner.readiness import StartError, wait_port, wait_services_ready
from ideapaja_runner.services import (
    ServiceRun,
    ServiceSelectionError,
    discover_with_libraries,
    service_settings,
    with_peer_urls,
)
from ideapaja_runner.state import StateDir, StateInUse, state_lock
from ideapaja_runner.watchdog import Watchdog

EXIT_OK, EXIT_START_FAILED, EXIT_USAGE, EXIT_DIED = 0, 1, 2, 3
SMTP_HOST = "127.0.0.1"


@dataclass
class UpOptions:
    state_dir: Path = Path(".ideapaja")
    demo: bool = False
    host: str = "127.0.0.1"
    nats_port: int = 4223
    nats_url: str | None = None  # a NATS run elsewhere (e.g. a cluster): none is started
    database_url: str | None = None  # PostgreSQL: a database <name>_<service> each (databases.py)
    smtp_port: int = 1025
    mail_port: int = 8025
    issuer_port: int = 8020
    ports: dict[str, int] = field(default_factory=dict)
    only: list[str] | None = None
    skip: list[str] = field(default_factory=list)
    ready_timeout: float = 60.0
    stop_timeout: float = 20.0
    max_restarts: int = 5
    log_level: str = "INFO"
    follow: bool = False


class _Stop(Exception):  # control flow: a signal asked us to stop
    pass


class Supervisor:
    def __init__(self, options: UpOptions, out: TextIO | None = None) -> None:
        self.options = options
        self.out = out or sys.stdout
        self.state = StateDir.at(options.state_dir)
        self.nats: ManagedProcess | None = None
        self.mail: ManagedProcess | None = None
        self.issuer: ManagedProcess | None = None
        self.services: list[tuple[ServiceRun, ManagedProcess]] = []
        self.forks: ForkServer | None = None
        self.libraries: list[str] = []  # what the services import besides their own code
        self.runs: list[ServiceRun] = []
        self.passwords: dict[str, str] = {}
        self.stop_requested = False
        self.force = False
        self.follower = LogFollower(self.out) if options.follow else None

    # -- output ------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        print(f"ideapaja up: {text}", file=sys.stderr, flush=True)

    # -- signals -----------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_requested:
            self.force = True
        self.stop_requested = True

    def _check_stop(self) -> None:
        if self.stop_requested:
            raise _Stop

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._check_stop()
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    # -- planning ----------------------------------------------------------------------------

    @property
    def nats_url(self) -> str:
        return self.options.nats_url or natsd.nats_url(self.options.nats_port)

    def plan(self) -> None:
        """Select services and check ports; raises before anything is started."""
        opts = self.options
        found, self.libraries = discover_with_libraries(opts.only, opts.skip)
        reserved = sorted(set(found) & set(natsauth.FIXED_USERS))
        if reserved:
            raise ServiceSelectionError(
                f"service(s) {', '.join(reserved)} take the name of a NATS user of the runner "
                f"({', '.join(natsauth.FIXED_USERS)}); rename the service"
            )
        unknown = sorted(set(opts.ports) - set(found))
        if unknown:
            raise ServiceSelectionError(
                f"--port given for service(s) not started: {', '.join(unknown)}"
            )
        nats_port = PortClaim(natsd.NATS_HOST, opts.nats_port, "NATS client port (--nats-port)")
        claims = [
            *([] if opts.nats_url else [nats_port]),
            PortClaim(SMTP_HOST, opts.smtp_port, "SMTP catcher (--smtp-port)"),
            PortClaim(opts.host, opts.mail_port, "mail catcher HTTP (--mail-port)"),
            PortClaim(opts.host, opts.issuer_port, "dev issuer token endpoint (--issuer-port)"),
        ]
        public_key = str(self.state.public_key)
        for name, service in found.items():
            port = opts.ports.get(name, service.default_port)
            how = "--port" if name in opts.ports else "default port"
            claims.append(PortClaim(opts.host, port, f"service {name} HTTP ({how})"))
            self.runs.append(
                ServiceRun(
                    service=service,
                    host=opts.host,
                    port=port,
                    settings=service_settings(
                        database_url=service_database_url(opts.database_url, self.state, name),
                        nats_url=self.nats_url,
                        host=opts.host,
                        port=port,
                        public_key_file=public_key,
                        smtp_host=SMTP_HOST,
                        smtp_port=opts.smtp_port,
                        log_level=opts.log_level,
                        issuer=devissuer.ISSUER,
                        audience=devissuer.AUDIENCE,
                    ),
                )
            )
        check_ports(claims)
        # Each service learns where the others are (e.g. privacy's access report asks them all).
        self.runs = with_peer_urls(self.runs)

    # -- running -----------------------------------------------------------------------------

    def run(self) -> int:
        try:
            self.plan()
        except (PortError, ServiceSelectionError, DatabaseUrlError) as exc:
            self.error(f"nothing started:\n{exc}")
            return EXIT_USAGE
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        code = EXIT_OK
        try:
            with state_lock(self.state):
                try:
                    self.start()
                    self.banner()
                    code = self.watch()
                except _Stop:
                    code = EXIT_OK
                except StartError as exc:
                    self.error(str(exc))
                    code = EXIT_START_FAILED
                finally:
                    self.shutdown()
                    stopped(self.forks)  # its services are the runner's own children
        except (StartError, StateInUse) as exc:  # the lock
            self.error(f"nothing started: {exc}")
            code = EXIT_USAGE
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def start(self) -> None:
        self.state.create()
        if self.options.database_url:
            urls = [run.settings["DATABASE_URL"] for run in self.runs]
            created = cast(
                list[str],
                self._run_async(ensure_databases(urls), "creating the services' databases"),
            )
            self.say(f"PostgreSQL databases created: {', '.join(created) or 'none (all exist)'}")
        self.passwords = natsauth.ensure_passwords(self.state, [run.name for run in self.runs])
        # Each service is an OAuth2 client of the dev issuer, for its own tokens to call others.
        try:
            clients = devissuer.ensure_clients(self.state, [run.name for run in self.runs])
        except devissuer.TokenError as exc:
            raise StartError(str(exc)) from exc
        self.runs = [
            replace(
                run,
                settings={
                    **run.settings,
                    "NATS_USER": run.name,
                    "NATS_PASSWORD": self.passwords[run.name],
                    "AUTH_TOKEN_URL": self.token_url,
                    "AUTH_CLIENT_ID": run.name,
                    "AUTH_CLIENT_SECRET": clients[run.name],
                    **self.sign_in_settings(run),
                },
            )
            for run in self.runs
        ]
        if self.follower is not None:
            self.follower.start()
        devissuer.ensure_keypair(self.state)
        names, forks_log = [r.name for r in self.runs], self.state.log_file("forks")
        self.forks = start_for(names, self.libraries, forks_log)
        self.launch_nats()
        self.launch_issuer()
        self.launch_mail()
        self.await_nats()
        self.await_helpers()
        for run in self.runs:
            self._check_stop()
            log, spawner = self.state.log_file(run.name), spawner_of(self.forks)
            process = ManagedProcess(run.name, run.argv, log, run.environment(), spawner=spawner)
            process.start()
            if self.follower is not None:
                self.follower.add(process)
            self.services.append((run, process))
            self.say(f"started {run.name} (pid {process.pid}), log {process.log_path}")
        if self.options.demo:
            # While the services import: their consumers read the HR stream from its start.
            self.import_demo()
        self.wait_services_ready()

    def launch_nats(self) -> None:
        opts = self.options
        if opts.nats_url:
            self.say(f"using the NATS at {opts.nats_url} (users: {self.state.nats_users})")
            return
        try:
            users = natsauth.embedded_users([run.name for run in self.runs], self.passwords)
            self.nats = natsd.nats_process(self.state, opts.nats_port, users)
        except natsd.NatsStartError as exc:
            raise StartError(str(exc)) from exc
        self.nats.start()
        self.say(
            f"started nats-server (pid {self.nats.pid}) on {self.nats_url}, "
            f"JetStream store {self.state.nats_store}"
        )

    def await_nats(self) -> None:  # then the streams
        self._check_stop()
        if self.nats is not None:
            self._wait_port(self.nats, natsd.NATS_HOST, self.options.nats_port, 20.0, "nats-server")
        streams = natsd.ensure_streams(self.nats_url, self.credentials(natsauth.ADMIN))
        self._run_async(streams, "creating the JetStream streams")

    def credentials(self, user: str) -> natsauth.Credentials:
        return natsauth.Credentials(user, self.passwords[user], f"{self.state.nats_users}")

    @property
    def token_url(self) -> str:
        return tokenendpoint.token_url(connect_host(self.options.host), self.options.issuer_port)

    @property
    def issuer_url(self) -> str:
        return f"http://{connect_host(self.options.host)}:{self.options.issuer_port}"

    def sign_in_settings(self, run: ServiceRun) -> dict[str, str]:
        if run.name not in tokenendpoint.SIGN_IN_CLIENTS:
            return {}
        return tokenendpoint.sign_in_settings(self.issuer_url, run.base_url)

    def launch_issuer(self) -> None:
        opts = self.options
        sign_in = {r.name: r.port for r in self.runs if r.name in tokenendpoint.SIGN_IN_CLIENTS}
        self.issuer = self._start_helper(
            "token-endpoint",
            tokenendpoint.command(
                self.state,
                host=opts.host,
                port=opts.issuer_port,
                public_url=self.issuer_url,
                sign_in=sign_in,
                organisation="demo" if opts.demo else None,
            ),
        )
        self.say(f"started dev issuer token endpoint (pid {self.issuer.pid}), {self.token_url}")

    def launch_mail(self) -> None:
        opts, mail_dir = self.options, str(self.state.mail_dir)
        self.mail = self._start_helper(
            "mailcatcher",
            [
                sys.executable, "-m", "ideapaja_runner.mailcatcher", "--dir", mail_dir,
                "--smtp-host", SMTP_HOST, "--smtp-port", str(opts.smtp_port),
                "--http-host", opts.host, "--http-port", str(opts.mail_port),
            ],
        )  # fmt: skip
        self.say(f"started mail catcher (pid {self.mail.pid}), SMTP {SMTP_HOST}:{opts.smtp_port}")

    def _start_helper(self, name: str, argv: list[str]) -> ManagedProcess:
        """Start a helper process, unbuffered, logging to its own file in the state directory."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = ManagedProcess(name, argv, self.state.log_file(name), env=env)
        process.start()
        return process

    def await_helpers(self) -> None:
        """Until the token endpoint and the mail catcher (SMTP and HTTP) accept connections."""
        assert self.issuer is not None and self.mail is not None
        opts, host = self.options, connect_host(self.options.host)
        self._wait_port(self.issuer, host, opts.issuer_port, 20.0, "token endpoint")
        self._wait_port(self.mail, SMTP_HOST, opts.smtp_port, 20.0, "SMTP catcher")
        self._wait_port(self.mail, host, opts.mail_port, 20.0, "mail catcher HTTP")

    def import_demo(self) -> None:
        summary = self._run_async(
            hr_import.import_organisation(
                hr_records.demo_csv_text(),
                self.nats_url,
                source="demo/organisation.csv",
                credentials=self.credentials(natsauth.HR_ADAPTER),
            ),
            "importing the demo organisation",
        )
        self.say(f"demo organisation (Kuusijärvi/Granträsk) imported into the HR stream: {summary}")

    def _run_async(self, coro: object, what: str) -> object:
        try:
            return asyncio.run(coro)  # type: ignore[arg-type]
        except Exception as exc:
            raise StartError(f"{what} failed: {type(exc).__name__}: {exc}") from exc

    def _wait_port(
        self, process: ManagedProcess, host: str, port: int, timeout: float, what: str
    ) -> None:
        wait_port(process, host, port, timeout, what, check_stop=self._check_stop)

    def wait_services_ready(self) -> None:
        wait_services_ready(
            self.services,
            self.options.ready_timeout,
            say=self.say,
            check_stop=self._check_stop,
            sleep=self._sleep,
        )

    def banner(self) -> None:
        self.say(
            running_banner(
                self.options,
                self.state,
                self.runs,
                nats_url=self.nats_url,
                token_url=self.token_url,
                discovery_url=tokenendpoint.discovery_url(self.issuer_url),
                smtp_host=SMTP_HOST,
            )
        )

    def watch(self) -> int:
        watchdog = Watchdog(self._all_processes(), self.options.max_restarts, self.error, self.say)
        while True:
            self._check_stop()
            if not watchdog.check(time.monotonic()):
                return EXIT_DIED
            time.sleep(0.2)

    def _all_processes(self) -> list[tuple[str, ManagedProcess]]:
        result = [(run.name, process) for run, process in self.services]
        if self.mail is not None:
            result.append(("mail catcher", self.mail))
        if self.issuer is not None:
            result.append(("token endpoint", self.issuer))
        if self.nats is not None:
            result.append(("nats-server", self.nats))
        return result

    def shutdown(self) -> None:
        started = [p for _, p in self.services] + [
            p for p in (self.mail, self.issuer, self.nats) if p
        ]
        if not any(p.alive() for p in started):
            return
        self.say("stopping…")
        steps: list[tuple[str, list[ManagedProcess], float]] = [
            ("services", [p for _, p in self.services], self.options.stop_timeout),
            ("mail catcher", [self.mail] if self.mail else [], 10.0),
            ("token endpoint", [self.issuer] if self.issuer else [], 10.0),
            ("nats-server", [self.nats] if self.nats else [], 15.0),
        ]
        for what, processes, timeout in steps:
            if not processes:
                continue
            killed = stop_all(processes, timeout, force=lambda: self.force)
            for process in killed:
                self.error(f"{process.name} did not stop within {timeout:.0f} s; killed")
            if self.follower is not None and what == "services":
                self.follower.stop()
        self.say("stopped.")


def up(options: UpOptions) -> int:
    return Supervisor(options).run()
