"""Webhooks, the pure rules: which events may be sent, where to (no SSRF), with which secrets.

Nothing here resolves a name or opens a socket; the registration use case and the sender's
connection layer bring addresses in and apply these rules to them.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ideapaja_contracts.base import SUBJECT_ROOT, Event
from ideapaja_contracts.registry import ALL_EVENTS

# Fixed, so the same (event, endpoint) always gets the same delivery id: the id is also the
# ``webhook-id`` header, on which a receiver drops a copy.
_WEBHOOK_NAMESPACE = uuid.UUID("3f1e6c52-8d0a-5b7e-a4c9-2e6f0d1b9a83")
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
# 32 random bytes: the HMAC-SHA256 key's own size (Standard Webhooks asks for 24 to 64).
_SECRET_BYTES = 32

# Events on the lifecycle stream. HR's records (names, e-mail addresses) are HR's to share and
# are not offered: a webhook would copy contact data to a third party.
OFFERED_EVENTS: tuple[type[Event], ...] = tuple(
    cls for cls in ALL_EVENTS if cls.subject_root == SUBJECT_ROOT
)
OFFERED_EVENT_TYPES: tuple[str, ...] = tuple(sorted(cls.event_type() for cls in OFFERED_EVENTS))

AddressType = ipaddress.IPv4Address | ipaddress.IPv6Address
NetworkType = ipaddress.IPv4Network | ipaddress.IPv6Network


def webhook_delivery_id(event_id: str, endpoint_id: str) -> str:
    return str(uuid.uuid5(_WEBHOOK_NAMESPACE, f"{event_id}\n{endpoint_id}"))


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


def unknown_event_types(event_types: Iterable[str]) -> list[str]:
    offered = set(OFFERED_EVENT_TYPES)
    return sorted({event_type for event_type in event_types if event_type not in offered})


def signing_secrets(
    current: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets that sign a request at ``now``: the current one, and during a rotation's
    overlap the previous one too (a receiver still holding it verifies, as does one that has
    the new one)."""
    if previous and previous_expires_at is not None and now < previous_expires_at:
        return [current, previous]
    return [current]


# --- Where requests may go ----------------------------------------------------------------------


class DestinationRefused(ValueError):
    """A URL or an address that webhooks may not reach; the message says why."""


@dataclass(frozen=True)
class EndpointUrl:
    scheme: str
    host: str
    port: int


def parse_endpoint_url(url: str, allowed_hosts: Sequence[str], *, allow_http: bool) -> EndpointUrl:
    """Check ``url`` by itself: scheme, no credentials, a host on the allow-list. (Its
    addresses are checked where it is resolved: at registration and at every request.)"""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"not a valid URL: {exc}") from exc
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise DestinationRefused(f"the scheme must be {' or '.join(schemes)}")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("credentials in the URL are not allowed (they would be logged)")
    if parts.fragment:
        raise DestinationRefused("a URL with a fragment is not allowed")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise DestinationRefused("the URL has no host")
    if not host_allowed(host, allowed_hosts):
        raise DestinationRefused(f"the host {host} is not on the allow-list of webhook hosts")
    return EndpointUrl(parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """``host`` matches an allow-list entry: the same name, ``*.domain`` for its subdomains,
    or ``*`` for any host."""
    for pattern in patterns:
        pattern = pattern.strip().rstrip(".").lower()
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def literal_address(host: str) -> AddressType | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def address_refusal(address: AddressType, allowed_networks: Sequence[NetworkType]) -> str | None:
    """Why a request may not connect to ``address`` (None: it may). Anything but a global
    unicast address is refused (loopback, private, link-local such as the cloud metadata
    address 169.254.169.254, multicast, reserved, unspecified, shared), also when it hides
    inside an IPv6 address (IPv4-mapped, 6to4, Teredo), unless a network allows it."""
    if any(
        address in network for network in allowed_networks if network.version == address.version
    ):
        return None
    for candidate in _meanings(address):
        kind = _non_global_kind(candidate)
        if kind is not None:
            return f"{address} is a {kind} address"
    return None


def _meanings(address: AddressType) -> list[AddressType]:
    """The IPv4 addresses an IPv6 one carries (what it would reach, so named first), then
    ``address`` itself."""
    found: list[AddressType] = []
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return [*found, address]


def _non_global_kind(address: AddressType) -> str | None:
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    )
    for kind, matches in checks:
        if matches:
            return kind
    return None if address.is_global else "non-global"


def refusal_among(
    addresses: Iterable[AddressType], allowed_networks: Sequence[NetworkType]
) -> str | None:
    """The first refusal among a name's addresses: one address it may not reach is enough to
    refuse the name (a name that also points inside is not a public endpoint)."""
    for address in addresses:
        refusal = address_refusal(address, allowed_networks)
        if refusal is not None:
            return refusal
    return None
