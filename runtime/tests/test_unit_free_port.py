"""The test helper's free ports: one stack asks for ten in a row, and each must be its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ideapaja_runtime import testing

pytestmark = pytest.mark.unit


class KernelGivingPortsAgain:
    """A socket whose bind gets ports from a list, as a kernel may give a just-closed port again."""

    def __init__(self, ports: Iterator[int]) -> None:
        self._ports = ports
        self._port = 0

    def __enter__(self) -> KernelGivingPortsAgain:
        return self

    def __exit__(self, *_: Any) -> None:
        return None

    def bind(self, _address: tuple[str, int]) -> None:
        self._port = next(self._ports)

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self._port)


def test_a_port_the_kernel_gives_twice_is_handed_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Session 16's CI: reward and privacy were both given 44381, and `ideapaja up` refused.
    ports = iter([41001, 41001, 41001, 41002])
    monkeypatch.setattr(testing, "_HANDED_OUT", set())
    monkeypatch.setattr(testing.socket, "socket", lambda: KernelGivingPortsAgain(ports))

    assert [testing.free_port(), testing.free_port()] == [41001, 41002]


def test_real_ports_in_a_row_are_all_different() -> None:
    handed_out = [testing.free_port() for _ in range(50)]

    assert len(set(handed_out)) == len(handed_out)
