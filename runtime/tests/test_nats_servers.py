"""A service reaches a NATS cluster through any of its servers: ``NATS_URL`` holds one URL or a
comma-separated list (deploy/nats/cluster/nats-cluster.conf documents the list)."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings

from ideapaja_runtime.service import Runtime
from ideapaja_runtime.settings import ServiceSettings, nats_servers
from ideapaja_runtime.testing import free_port


def test_one_url_is_a_list_of_one() -> None:
    assert nats_servers("nats://127.0.0.1:4222") == ["nats://127.0.0.1:4222"]


def test_a_comma_separated_list_is_each_server_spaces_and_empty_entries_dropped() -> None:
    assert nats_servers(" nats://a:4222, nats://b:4222,,nats://c:4222 ") == [
        "nats://a:4222",
        "nats://b:4222",
        "nats://c:4222",
    ]


def test_settings_refuse_a_url_list_without_a_server() -> None:
    with pytest.raises(ValidationError, match="nats_url"):
        ServiceSettings(nats_url=" , ")


async def test_a_service_given_the_list_starts_though_the_first_server_is_down(
    nats_url: str, sqlite_url: str
) -> None:
    """The list is the client's server pool: a dead entry is skipped (nats-py, given the whole
    string, reads it as one URL and never connects)."""
    dead = f"nats://127.0.0.1:{free_port()}"
    settings = fast_settings(nats_url=f"{dead}, {nats_url}", database_url=sqlite_url)
    runtime = Runtime(build(Behaviour()), settings)
    await asyncio.wait_for(runtime.start(), timeout=30)
    try:
        assert runtime.started
        assert runtime.nc.connected_url is not None
        assert runtime.nc.connected_url.port == int(nats_url.rsplit(":", 1)[1])
    finally:
        await runtime.stop()
