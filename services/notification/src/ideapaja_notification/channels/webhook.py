"""Webhook requests: a signed POST per Standard Webhooks, to an address that was checked.

No SSRF: the name is resolved here, at request time, every address it resolves to is checked
(``domain.webhooks.refusal_among``), and the connection is opened to that checked address (TLS
still verifies the name), so a name that resolves to a public address at registration and to
127.0.0.1 a second later (DNS rebinding) is refused. httpcore follows no redirect (a 3xx is an
answer like any other non-2xx: a failed attempt) and reads no proxy variables.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Sequence
from datetime import datetime

import httpcore
from standardwebhooks.webhooks import Webhook

from ideapaja_notification.channels import ChannelError
from ideapaja_notification.domain.webhooks import (
    AddressType,
    DestinationRefused,
    NetworkType,
    refusal_among,
)

USER_AGENT = "Ideapaja-Webhooks/1"
# At most this much of an error answer is kept in the delivery log.
_ERROR_BODY_BYTES = 200


class WebhookError(ChannelError):
    """An attempt failed; ``status_code`` is the endpoint's answer if it gave one."""

    def __init__(self, message: str, *, permanent: bool, status_code: int | None = None) -> None:
        super().__init__(message, permanent=permanent)
        self.status_code = status_code


async def resolve(host: str, port: int) -> list[AddressType]:
    """Every address ``host`` resolves to (an IP literal is itself), in the resolver's order."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[AddressType] = []
    for info in infos:
        # An IPv6 link-local address may carry a scope ("fe80::1%eth0").
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


async def checked_addresses(
    host: str, port: int, allowed_networks: Sequence[NetworkType]
) -> list[AddressType]:
    """``host``'s addresses, all of them allowed; ``DestinationRefused`` otherwise."""
    try:
        addresses = await resolve(host, port)
    except OSError as exc:
        raise DestinationRefused(f"{host} does not resolve: {exc}") from exc
    if not addresses:
        raise DestinationRefused(f"{host} does not resolve")
    refusal = refusal_among(addresses, allowed_networks)
    if refusal is not None:
        raise DestinationRefused(f"{host} resolves to {refusal}")
    return addresses


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses ``checked_addresses`` allowed, resolved for this connection."""

    def __init__(self, allowed_networks: Sequence[NetworkType]) -> None:
        self.allowed_networks = list(allowed_networks)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(host, port, self.allowed_networks)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("webhooks do not connect to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def signed_headers(
    message_id: str, payload: bytes, secrets: Sequence[str], at: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers: one ``v1,`` signature per secret, space-separated (the
    spec's way to let a receiver holding either secret of a rotation verify)."""
    signatures = " ".join(Webhook(secret).sign(message_id, at, payload) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


class WebhookPoster:
    """POSTs signed events; one connection pool for every endpoint."""

    def __init__(self, allowed_networks: Sequence[NetworkType], timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=CheckedNetworkBackend(allowed_networks), max_connections=200
        )

    async def post(
        self, url: str, message_id: str, payload: bytes, secrets: Sequence[str], at: datetime
    ) -> int:
        """Send; the answer's status (2xx), or ``WebhookError`` (permanent when the destination
        is refused: trying again would be refused again until an admin changes something)."""
        headers = signed_headers(message_id, payload, secrets, at) | {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        timeout = self.timeout_seconds
        try:
            # The whole request is bounded, not only each read: an endpoint that trickles its
            # answer a byte at a time cannot hold a slot longer than the timeout.
            async with asyncio.timeout(timeout):
                async with self._pool.stream(
                    "POST",
                    url,
                    headers=list(headers.items()),
                    content=payload,
                    extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout}},
                ) as response:
                    status = response.status
                    if 200 <= status < 300:
                        return status
                    body = await _start_of(response)
        except DestinationRefused as exc:
            raise WebhookError(f"refused: {exc}", permanent=True) from exc
        except TimeoutError as exc:
            raise WebhookError(f"no answer within {timeout:g} s", permanent=False) from exc
        except httpcore.TimeoutException as exc:
            raise WebhookError(f"timed out: {type(exc).__name__}", permanent=False) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
            raise WebhookError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        raise WebhookError(f"HTTP {status} {body}".strip(), permanent=False, status_code=status)

    async def aclose(self) -> None:
        await self._pool.aclose()


async def _start_of(response: httpcore.Response) -> str:
    """The first bytes of an error answer, for the log (the rest is not read)."""
    async for chunk in response.aiter_stream():
        return bytes(chunk[:_ERROR_BODY_BYTES]).decode("utf-8", "replace")
    return ""
