"""Checking, before anything starts, that every port ``ideapaja up`` will bind is free."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PortClaim:
    host: str
    port: int
    purpose: str  # what wants it, e.g. "NATS client port (--nats-port)"


class PortError(Exception):
    """One or more ports cannot be used; the message names each port and what wanted it."""


def connect_host(host: str) -> str:
    """The address a client on this machine uses to reach a server bound to ``host``."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def port_is_free(host: str, port: int) -> tuple[bool, str]:
    """Try to bind (like the server will, with SO_REUSEADDR); the reason when it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False, "already in use"
            if exc.errno == errno.EACCES:
                return False, "permission denied"
            return False, exc.strerror or str(exc)
    return True, ""


def check_ports(claims: Iterable[PortClaim]) -> None:
    """Raise ``PortError`` listing every clash and every taken port; bind nothing."""
    claims = list(claims)
    problems: list[str] = []
    seen: dict[int, PortClaim] = {}
    for claim in claims:
        if not 0 < claim.port < 65536:
            problems.append(f"port {claim.port} for {claim.purpose} is not a valid TCP port")
            continue
        other = seen.get(claim.port)
        if other is not None:
            problems.append(
                f"port {claim.port} is wanted twice: by {other.purpose} and by {claim.purpose}"
            )
            continue
        seen[claim.port] = claim
    for claim in seen.values():
        free, reason = port_is_free(claim.host, claim.port)
        if not free:
            problems.append(f"port {claim.port} on {claim.host} ({claim.purpose}) is {reason}")
    if problems:
        raise PortError("\n".join(problems))
