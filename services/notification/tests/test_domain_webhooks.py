"""Webhook rules: where requests may go, which secrets sign, what is offered, and that the
signatures are what the Standard Webhooks verifier accepts."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_notification.channels.webhook import signed_headers
from ideapaja_notification.domain.webhooks import (
    OFFERED_EVENT_TYPES,
    DestinationRefused,
    address_refusal,
    host_allowed,
    new_secret,
    parse_endpoint_url,
    signing_secrets,
    unknown_event_types,
    webhook_delivery_id,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 around 127.0.0.1
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-global"),  # carrier-grade NAT
    ],
)
def test_addresses_inside_or_special_are_refused(address: str, kind: str) -> None:
    refusal = address_refusal(ipaddress.ip_address(address), [])
    assert refusal is not None and kind in refusal


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), []) is None


def test_a_configured_network_allows_exactly_its_addresses() -> None:
    allowed = [ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("::1/128")]
    assert address_refusal(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert address_refusal(ipaddress.ip_address("::1"), allowed) is None
    assert address_refusal(ipaddress.ip_address("10.21.0.1"), allowed) is not None
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), allowed) is not None


def test_hosts_match_the_allow_list_exactly_or_by_subdomain() -> None:
    patterns = ["hooks.vaasa.example", "*.integrations.example"]
    assert host_allowed("hooks.vaasa.example", patterns)
    assert host_allowed("a.b.integrations.example", patterns)
    assert not host_allowed("integrations.example", patterns)
    assert not host_allowed("evilintegrations.example", patterns)
    assert not host_allowed("hooks.vaasa.example.evil", patterns)
    assert host_allowed("anything.example", ["*"])
    assert not host_allowed("anything.example", [])


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [
        ("http://hooks.vaasa.example/x", False),
        ("ftp://hooks.vaasa.example/x", True),
        ("https://user:secret@hooks.vaasa.example/x", False),
        ("https://hooks.vaasa.example/x#frag", False),
        ("https://other.example/x", False),
        ("https:///x", False),
        ("https://hooks.vaasa.example:99999/x", False),
    ],
)
def test_urls_webhooks_may_not_use(url: str, allow_http: bool) -> None:
    with pytest.raises(DestinationRefused):
        parse_endpoint_url(url, ["hooks.vaasa.example"], allow_http=allow_http)


def test_a_good_url_is_read_with_its_port() -> None:
    parsed = parse_endpoint_url(
        "https://HOOKS.vaasa.example./x", ["hooks.vaasa.example"], allow_http=False
    )
    assert (parsed.scheme, parsed.host, parsed.port) == ("https", "hooks.vaasa.example", 443)


def test_lifecycle_events_are_offered_and_hr_records_are_not() -> None:
    assert ReviewDecided.event_type() in OFFERED_EVENT_TYPES
    assert ErasureRequested.event_type() in OFFERED_EVENT_TYPES
    assert PersonUpserted.event_type() not in OFFERED_EVENT_TYPES
    assert unknown_event_types(
        [ReviewDecided.event_type(), "x.y", PersonUpserted.event_type()]
    ) == [
        PersonUpserted.event_type(),
        "x.y",
    ]


def test_the_previous_secret_signs_only_until_its_overlap_ends() -> None:
    ends = NOW + timedelta(hours=1)
    assert signing_secrets("new", "old", ends, NOW) == ["new", "old"]
    assert signing_secrets("new", "old", ends, ends) == ["new"]
    assert signing_secrets("new", None, None, NOW) == ["new"]


def test_delivery_ids_are_stable_per_event_and_endpoint() -> None:
    assert webhook_delivery_id("e-1", "wh-1") == webhook_delivery_id("e-1", "wh-1")
    assert webhook_delivery_id("e-1", "wh-1") != webhook_delivery_id("e-1", "wh-2")
    assert webhook_delivery_id("e-1", "wh-1") != webhook_delivery_id("e-2", "wh-1")


def test_signatures_verify_with_either_secret_and_not_with_another() -> None:
    old, new, stranger = new_secret(), new_secret(), new_secret()
    body = json.dumps({"type": ReviewDecided.event_type()}).encode()
    now = datetime.now(UTC)
    headers = signed_headers("msg-1", body, [new, old], now)
    assert Webhook(old).verify(body, headers) == {"type": ReviewDecided.event_type()}
    assert Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)
    assert old.startswith("whsec_") and len(set([old, new, stranger])) == 3
