"""A taken port stops `ideapaja up` before anything starts, naming the port and its user."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ideapaja_runner import cli
from ideapaja_runner.ports import PortClaim, PortError, check_ports
from ideapaja_runtime.testing import free_port


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_taken_port_is_named(taken_port: int) -> None:
    free = free_port()
    with pytest.raises(PortError) as exc_info:
        check_ports(
            [
                PortClaim("127.0.0.1", free, "SMTP catcher (--smtp-port)"),
                PortClaim("127.0.0.1", taken_port, "service intake HTTP (default port)"),
            ]
        )
    message = str(exc_info.value)
    assert f"port {taken_port} on 127.0.0.1 (service intake HTTP (default port))" in message
    assert "already in use" in message
    assert str(free) not in message
    check_ports([PortClaim("127.0.0.1", free, "free one")])  # no error


def test_same_port_wanted_twice() -> None:
    port = free_port()
    with pytest.raises(PortError, match=f"port {port} is wanted twice: by A and by B"):
        check_ports([PortClaim("127.0.0.1", port, "A"), PortClaim("127.0.0.1", port, "B")])


def test_up_refuses_to_start_and_starts_nothing(
    taken_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(
            ["up", "--state-dir", str(state), "--no-services", "--nats-port", str(free_port()),
             "--smtp-port", str(taken_port), "--mail-port", str(free_port()),
             "--issuer-port", str(free_port())]
        )  # fmt: skip
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "nothing started" in err
    assert f"port {taken_port}" in err and "SMTP catcher (--smtp-port)" in err
    assert not state.exists()  # not even the state directory


def test_up_rejects_unknown_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["up", "--state-dir", str(tmp_path), "--only", "no-such-service"])
    assert exit_info.value.code == 2
    assert "unknown service(s): no-such-service" in capsys.readouterr().err
