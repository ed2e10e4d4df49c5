"""Where ``ideapaja up`` keeps its data: one state directory, kept across runs.

```
<state>/
  nats/                 JetStream store (nats-server ``store_dir``)
  nats-server.conf      generated on every start (0600: it holds the NATS passwords)
  nats-users.json       NATS user → password (0600, generated once; admin is the operator's)
  dev-issuer/           private.pem, public.pem (RS256 dev token issuer; generated once),
                        clients.json (0600: each service's client secret for its own tokens)
  mail/                 every mail the SMTP catcher received (<id>.eml + <id>.json)
  logs/                 <service>.log, nats-server.log, mailcatcher.log, token-endpoint.log
  <service>.db          one SQLite database per service (none with --database-url)
  runner.lock           held while an ``ideapaja up`` uses the directory
```
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DEFAULT_STATE_DIR = ".ideapaja"


@dataclass(frozen=True)
class StateDir:
    root: Path

    @classmethod
    def at(cls, path: str | Path) -> StateDir:
        return cls(Path(path).expanduser().resolve())

    @property
    def nats_store(self) -> Path:
        return self.root / "nats"

    @property
    def nats_config(self) -> Path:
        return self.root / "nats-server.conf"

    @property
    def nats_users(self) -> Path:
        return self.root / "nats-users.json"

    @property
    def issuer_dir(self) -> Path:
        return self.root / "dev-issuer"

    @property
    def private_key(self) -> Path:
        return self.issuer_dir / "private.pem"

    @property
    def public_key(self) -> Path:
        return self.issuer_dir / "public.pem"

    @property
    def service_clients(self) -> Path:
        return self.issuer_dir / "clients.json"

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def lock_file(self) -> Path:
        return self.root / "runner.lock"

    def log_file(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def database(self, service: str) -> Path:
        return self.root / f"{service}.db"

    def database_url(self, service: str) -> str:
        return f"sqlite+aiosqlite:///{self.database(service)}"

    def create(self) -> None:
        for path in (self.root, self.nats_store, self.issuer_dir, self.mail_dir, self.logs):
            path.mkdir(parents=True, exist_ok=True)


class StateInUse(RuntimeError):
    """Another ``ideapaja up`` holds the state directory."""


@contextmanager
def state_lock(state: StateDir) -> Iterator[None]:
    """Only one ``ideapaja up`` per state directory (two would share one JetStream store)."""
    state.root.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = state.lock_file.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StateInUse(
                f"state directory {state.root} is in use by `ideapaja up` (pid {holder})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
