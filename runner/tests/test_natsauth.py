"""NATS users of the embedded stack: passwords per state directory, the server config, and how
the operator commands find their credentials."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ideapaja_contracts.ownership import HR_ADAPTER
from ideapaja_runner import cli, natsauth, natsd
from ideapaja_runner.state import StateDir
from ideapaja_runtime import nats_permissions
from ideapaja_runtime.testing import free_port, nats_server_binary, wait_for_port

HEADER = "record,id,parent_id,name_fi,name_sv,name_en,unit_id,display_name,email,language,roles\n"
ORG = HEADER + (
    "department,d-sivistys,,Sivistystoimi,Bildningsväsendet,Education,,,,,\n"
    "person,p-1001,,,,,d-sivistys,Aino Virtanen,aino.virtanen@kuusijarvi.example,fi,employee\n"
)


def test_the_fixed_users_are_the_runtimes() -> None:
    assert natsauth.FIXED_USERS == (
        nats_permissions.ADMIN,
        nats_permissions.HR_ADAPTER,
        nats_permissions.PAYROLL,
    )
    assert set(natsauth.FIXED_USERS) == set(nats_permissions.RESERVED_USERS)
    # Every user, services included, gets replies on its private inbox only.
    for user in (nats_permissions.ADMIN, HR_ADAPTER, nats_permissions.PAYROLL, "intake"):
        login = natsauth.Credentials(user, "x", "test")
        assert login.inbox_prefix == nats_permissions.inbox_prefix(user)
    assert natsauth.Credentials(None, None, "test").inbox_prefix is None


def test_passwords_are_made_once_and_kept_private(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path / "state")
    first = natsauth.ensure_passwords(state, ["intake", "reward"])
    assert set(first) == {"admin", "hr-adapter", "payroll", "intake", "reward"}
    assert len(set(first.values())) == 5
    assert state.nats_users.stat().st_mode & 0o777 == 0o600
    # A service installed later gets its own; nobody else's changes.
    second = natsauth.ensure_passwords(state, ["intake", "goodpractice"])
    assert {k: second[k] for k in first} == first
    assert "goodpractice" in second
    assert natsauth.read_passwords(state) == second
    assert natsauth.read_passwords(StateDir.at(tmp_path / "none")) is None


def test_embedded_config_is_valid_and_refuses_anonymous(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path)
    passwords = natsauth.ensure_passwords(state, ["intake", "goodpractice"])
    users = natsauth.embedded_users(["intake", "goodpractice"], passwords)
    assert [u.name for u in users] == ["admin", "hr-adapter", "payroll", "goodpractice", "intake"]
    config = natsd.write_config(state, free_port(), users)
    assert config.stat().st_mode & 0o777 == 0o600
    result = subprocess.run(
        [nats_server_binary(), "-c", str(config), "-t"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    text = config.read_text()
    assert '"ideapaja.idea.>"' in text and '"deadletter.goodpractice.>"' in text
    assert "# owns no events: consumes only" in text


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A nats-server with the embedded stack's config and users; (url, state dir)."""
    state = StateDir.at(tmp_path / "state")
    state.create()
    passwords = natsauth.ensure_passwords(state, ["intake"])
    port = free_port()
    config = natsd.write_config(state, port, natsauth.embedded_users(["intake"], passwords))
    process = subprocess.Popen(
        [nats_server_binary(), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"nats://127.0.0.1:{port}", state.root
    finally:
        process.terminate()
        process.wait(10)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_operator_commands_log_in_with_the_state_directory(
    embedded: tuple[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, state = embedded
    org = tmp_path / "org.csv"
    org.write_text(ORG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no ./.ideapaja here
    monkeypatch.delenv("IDEAPAJA_NATS_USER", raising=False)
    monkeypatch.delenv("IDEAPAJA_NATS_PASSWORD", raising=False)

    # No credentials: refused, and the message says how to give them.
    code, _out, err = _run(capsys, "hr", "import", str(org), "--nats-url", url)
    assert code == 1
    assert "Authorization Violation" in err and "--state-dir" in err

    # From --state-dir: hr import as hr-adapter, dlq as admin.
    code, out, err = _run(
        capsys, "hr", "import", str(org), "--nats-url", url, "--state-dir", str(state)
    )
    assert code == 0, err
    assert "2 published" in out
    code, out, err = _run(
        capsys, "hr", "leave", "p-1001", "--on", "2026-12-31", "--nats-url", url,
        "--state-dir", str(state),
    )  # fmt: skip
    assert code == 0, err
    code, out, err = _run(capsys, "dlq", "list", "--nats-url", url, "--state-dir", str(state))
    assert code == 0, err
    assert "no dead letters" in out

    # The default state directory (./.ideapaja) is found without the option.
    (tmp_path / ".ideapaja").symlink_to(state)
    code, out, err = _run(capsys, "dlq", "list", "--nats-url", url)
    assert code == 0, err

    # The HR adapter's user cannot read the dead letters (admin only).
    passwords = json.loads((state / "nats-users.json").read_text())
    monkeypatch.setenv("IDEAPAJA_NATS_USER", "hr-adapter")
    monkeypatch.setenv("IDEAPAJA_NATS_PASSWORD", passwords["hr-adapter"])
    monkeypatch.chdir(state.parent)
    code, out, err = _run(capsys, "dlq", "list", "--nats-url", url)
    assert code == 1
    assert 'refused: permissions violation for publish to "$js.api.stream.msg.get' in err
    assert "IDEAPAJA_NATS_USER (hr-adapter)" in err
    # Credentials in the URL come first.
    admin_url = url.replace("nats://", f"nats://admin:{passwords['admin']}@")
    code, out, err = _run(capsys, "dlq", "list", "--nats-url", admin_url)
    assert code == 0, err


def test_state_dir_without_credentials_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _run(
        capsys, "dlq", "list", "--nats-url", "nats://127.0.0.1:1", "--state-dir", str(tmp_path)
    )
    assert code == 1
    assert "nats-users.json does not exist" in err


def test_resolve_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = StateDir.at(tmp_path / "s")
    passwords = natsauth.ensure_passwords(state, [])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IDEAPAJA_NATS_USER", "someone")
    monkeypatch.setenv("IDEAPAJA_NATS_PASSWORD", "secret")
    url = "nats://127.0.0.1:4223"
    in_url = natsauth.resolve("nats://hr-adapter:pw@127.0.0.1:4223", "admin", state.root)
    assert (in_url.user, in_url.password, in_url.login) == (None, None, "hr-adapter")
    assert in_url.inbox_prefix == "_INBOX_hr-adapter"
    from_dir = natsauth.resolve(url, "admin", state.root)
    assert (from_dir.user, from_dir.password) == ("admin", passwords["admin"])
    from_env = natsauth.resolve(url, "admin")
    assert (from_env.user, from_env.password) == ("someone", "secret")
    monkeypatch.delenv("IDEAPAJA_NATS_USER")
    assert natsauth.resolve(url, "admin").origin == "none"
    (tmp_path / ".ideapaja").symlink_to(state.root)
    assert natsauth.resolve(url, "hr-adapter").password == passwords["hr-adapter"]
