"""Who the client is behind reverse proxies: X-Forwarded-For and X-Forwarded-Proto are believed
only from the proxies named in ``trusted_proxies``, and anyone can write those headers.

The client is the right-most address in X-Forwarded-For that is not a trusted proxy: each proxy
appends the address it saw, so everything left of the first untrusted address was written by the
client itself. With no trusted proxies (the default) the headers are ignored and the client is
the connection's peer. ``ClientAddress`` puts the result into the ASGI scope (``client`` and
``scheme``), so per-IP limits, HSTS and everything else see the same client; uvicorn's own proxy
header handling is off (serve.py), so there is one rule, not two.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Longest text kept of an X-Forwarded-For entry that is not an address.
MAX_ENTRY = 64


def parse_address(text: str) -> IPAddress | None:
    """An address as X-Forwarded-For writes it ("1.2.3.4", "1.2.3.4:80", "[::1]:80", "::1")."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    """The proxies (addresses or networks) whose forwarding headers are believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks = [ipaddress.ip_network(e.strip(), strict=False) for e in entries]

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, host: str | None) -> bool:
        address = parse_address(host) if host else None
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: Iterable[str]) -> str | None:
        """The client of a request from ``peer`` carrying these X-Forwarded-For header values."""
        if peer not in self:
            return peer
        entries = [e.strip() for value in forwarded_for for e in value.split(",") if e.strip()]
        for entry in reversed(entries):
            if entry not in self:
                address = parse_address(entry)
                return str(address) if address is not None else entry[:MAX_ENTRY]
        # Every hop is a trusted proxy: the request started at one of them.
        if entries:
            first = parse_address(entries[0])
            return str(first) if first is not None else peer
        return peer


class ClientAddress:
    """ASGI middleware: the real client and scheme in the scope, per ``TrustedProxies``."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.trusted:
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        host = peer[0] if peer else None
        if host in self.trusted:
            forwarded_for: list[str] = []
            proto: str | None = None
            for name, value in scope.get("headers") or []:
                if name == b"x-forwarded-for":
                    forwarded_for.append(value.decode("latin-1"))
                elif name == b"x-forwarded-proto":
                    proto = value.decode("latin-1").rsplit(",", 1)[-1].strip().lower()
            scope = dict(scope)
            client = self.trusted.client(host, forwarded_for)
            if client is not None and client != host:
                scope["client"] = (client, 0)
            if proto in ("http", "https"):
                scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        await self.app(scope, receive, send)
