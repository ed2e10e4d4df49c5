"""NATS users of the embedded stack, and how the runner's commands find their credentials.

``ideapaja up`` gives every NATS client its own user (``ideapaja_runtime.nats_permissions``):
one per service found through its entry point, ``hr-adapter`` for the HR import, ``payroll`` for
HR/payroll reading granted rewards, and ``admin`` for the operator. The passwords are random,
generated once per state directory and kept in ``<state>/nats-users.json`` (mode 0600)::

    {"admin": "…", "hr-adapter": "…", "payroll": "…", "intake": "…", …}

A service installed later gets a password the next time ``up`` starts it; existing ones never
change. A service whose name owns no aggregate (``ideapaja_contracts.ownership``), e.g. a
department's extension that only consumes, gets the consumer permissions only.

The operator commands (``hr import``, ``hr leave``, ``dlq …``) take their credentials from, in
this order: the URL (``nats://user:password@host:port``), the file of the state directory given
with ``--state-dir``, ``IDEAPAJA_NATS_USER`` / ``IDEAPAJA_NATS_PASSWORD``, else the file of the
default state directory ``.ideapaja`` if there is one. From a file they log in as ``hr-adapter``
for HR data and as ``admin`` for dead letters.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

# Re-exported: the runner's commands name the HR adapter's user through this module.
from ideapaja_contracts.ownership import HR_ADAPTER as HR_ADAPTER
from ideapaja_runner.state import DEFAULT_STATE_DIR, StateDir

if TYPE_CHECKING:
    from ideapaja_runtime.nats_permissions import NatsUser

# The non-service users (``ideapaja_runtime.nats_permissions``; a test keeps them equal). Plain
# names here: importing the runtime takes a second that `ideapaja --help` should not wait for.
ADMIN = "admin"
PAYROLL = "payroll"
FIXED_USERS = (ADMIN, HR_ADAPTER, PAYROLL)


class CredentialsError(RuntimeError):
    pass


def _new_password() -> str:
    return secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: safe in configs and URLs


def read_secrets(path: Path, error: type[Exception], what: str) -> dict[str, str] | None:
    """A JSON object of names to secrets (``what`` says which, for the error), or None if there
    is no file; ``error`` where it cannot be read or is not such an object."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise error(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise error(f"{path} is not a JSON object of {what}")
    return data


def read_passwords(state: StateDir) -> dict[str, str] | None:
    """The state directory's NATS passwords by user, or None if ``up`` never ran there."""
    return read_secrets(state.nats_users, CredentialsError, "user → password")


def ensure_passwords(state: StateDir, services: Iterable[str]) -> dict[str, str]:
    """Every fixed user's and each service's password; new ones generated, old ones kept."""
    state.root.mkdir(parents=True, exist_ok=True)
    with (state.root / ".nats-users.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        passwords = read_passwords(state) or {}
        wanted = [*FIXED_USERS, *services]
        missing = [user for user in wanted if user not in passwords]
        if missing:
            passwords.update({user: _new_password() for user in missing})
            write_private(state.nats_users, json.dumps(passwords, indent=2, sort_keys=True) + "\n")
        else:
            os.chmod(state.nats_users, 0o600)
    return passwords


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Credentials:
    user: str | None  # None: none given, or they are inside the URL (nats-py reads them there)
    password: str | None
    origin: str  # where they came from, for error messages
    login: str | None = None  # the user name that logs in, wherever it is given

    @property
    def inbox_prefix(self) -> str | None:
        """The private inbox prefix the permissions give this user (None: no user known)."""
        login = self.login or self.user
        return f"_INBOX_{login}" if login else None  # nats_permissions.inbox_prefix


def url_user(nats_url: str) -> str | None:
    """The user name inside a NATS URL (the first one, for a comma-separated list)."""
    first = nats_url.split(",")[0].strip()
    try:
        user = urlsplit(first).username
    except ValueError:
        return None
    return unquote(user) if user else None


def resolve(nats_url: str, role: str, state_dir: Path | None = None) -> Credentials:
    """The credentials a command uses as ``role`` (``hr-adapter`` or ``admin``): see the module.
    ``state_dir`` is the one given on the command line (None: not given)."""
    in_url = url_user(nats_url)
    if in_url:
        return Credentials(None, None, f"the URL (user {in_url})", login=in_url)
    if state_dir is not None:
        state = StateDir.at(state_dir)
        found = _from_file(state, role)
        if found is None:
            raise CredentialsError(
                f"{state.nats_users} does not exist: has `ideapaja up --state-dir {state_dir}` "
                "ever run?"
            )
        return found
    env_user = os.environ.get("IDEAPAJA_NATS_USER")
    if env_user:
        return Credentials(
            env_user, os.environ.get("IDEAPAJA_NATS_PASSWORD"), f"IDEAPAJA_NATS_USER ({env_user})"
        )
    return _from_file(StateDir.at(DEFAULT_STATE_DIR), role) or Credentials(None, None, "none")


def _from_file(state: StateDir, role: str) -> Credentials | None:
    passwords = read_passwords(state)
    if passwords is None:
        return None
    if role not in passwords:
        raise CredentialsError(f"{state.nats_users} has no password for {role}")
    return Credentials(role, passwords[role], f"{state.nats_users} (user {role})")


def hint(credentials: Credentials) -> str:
    if credentials.origin == "none":
        return (
            "no NATS credentials: put them in the URL, set IDEAPAJA_NATS_USER and "
            "IDEAPAJA_NATS_PASSWORD, or give --state-dir of the `ideapaja up` that runs it"
        )
    return f"NATS credentials from {credentials.origin}"


def embedded_users(services: Iterable[str], passwords: dict[str, str]) -> list[NatsUser]:
    """The users of the embedded server (permissions with the default stream names)."""
    from ideapaja_runtime.nats_permissions import nats_users
    from ideapaja_runtime.settings import ServiceSettings

    return nats_users(services, ServiceSettings(), passwords)
