"""Who the client is: X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

import pytest

from ideapaja_runtime.iplimits import client_key
from ideapaja_runtime.proxies import TrustedProxies, parse_address

PROXIES = TrustedProxies(["10.0.0.0/8", "192.0.2.7"])


def test_nobody_is_trusted_by_default() -> None:
    nobody = TrustedProxies([])
    assert not nobody
    assert nobody.client("10.1.1.1", ["6.6.6.6"]) == "10.1.1.1"


def test_an_untrusted_peer_cannot_choose_its_address() -> None:
    assert PROXIES.client("203.0.113.9", ["1.1.1.1"]) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_address() -> None:
    # The client wrote "6.6.6.6" itself; the proxies appended what they saw.
    assert PROXIES.client("10.0.0.2", ["6.6.6.6, 203.0.113.9, 10.0.0.5"]) == "203.0.113.9"
    # Several header lines read as one list, in order.
    assert PROXIES.client("10.0.0.2", ["6.6.6.6", "203.0.113.9", "192.0.2.7"]) == "203.0.113.9"


def test_a_trusted_proxy_without_the_header_is_the_client() -> None:
    assert PROXIES.client("10.0.0.2", []) == "10.0.0.2"


def test_only_trusted_hops_means_the_first_of_them() -> None:
    assert PROXIES.client("10.0.0.2", ["10.9.9.9, 10.0.0.5"]) == "10.9.9.9"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("203.0.113.9", "203.0.113.9"),
        (" 203.0.113.9:4711 ", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("unknown", None),
        ("", None),
    ],
)
def test_forwarded_addresses_are_read_as_proxies_write_them(text: str, address: str | None) -> None:
    parsed = parse_address(text)
    assert (str(parsed) if parsed else None) == address


def test_a_forwarded_entry_that_is_no_address_is_kept_short() -> None:
    assert PROXIES.client("10.0.0.2", ["x" * 500]) == "x" * 64


def test_ipv6_clients_are_counted_per_64_block() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("203.0.113.9") == "203.0.113.9"
    assert client_key(None) == "unknown"
