"""The runner creates the streams on a NATS it is given (``--nats-url``), waiting for a cluster
that is still forming instead of failing the start."""

from __future__ import annotations

from typing import Any

import nats
import pytest
from nats.js.errors import BadRequestError, ServiceUnavailableError

from ideapaja_runner import natsd
from ideapaja_runner.natsauth import Credentials
from ideapaja_runtime import streams
from ideapaja_runtime.settings import ServiceSettings

ADMIN = Credentials("admin", "unused-here", "the test")


def _not_yet(answers: list[Exception], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``ensure_streams`` answering ``answers`` in turn, then creating the streams."""
    real, calls = streams.ensure_streams, []

    async def forming(js: Any, settings: ServiceSettings) -> None:
        calls.append(1)
        if answers:
            raise answers.pop(0)
        await real(js, settings)

    monkeypatch.setattr(streams, "ensure_streams", forming)
    return calls


async def test_streams_are_created_once_a_forming_cluster_answers(
    nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _not_yet(
        [
            ServiceUnavailableError(
                code=503, description="JetStream system temporarily unavailable"
            ),
            BadRequestError(
                code=400,
                err_code=10005,
                description="no suitable peers for placement, peer offline",
            ),
        ],
        monkeypatch,
    )
    await natsd.ensure_streams(nats_url, ADMIN, patience=10)
    nc = await nats.connect(nats_url)
    info = await nc.jetstream().stream_info(ServiceSettings().lifecycle_stream)
    await nc.close()
    assert len(calls) == 3 and info.config.name == ServiceSettings().lifecycle_stream


async def test_another_refusal_fails_the_start_at_once(
    nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _not_yet([BadRequestError(code=400, err_code=10058, description="stream name in use")],
                     monkeypatch)  # fmt: skip
    with pytest.raises(BadRequestError):
        await natsd.ensure_streams(nats_url, ADMIN, patience=10)
    assert len(calls) == 1
