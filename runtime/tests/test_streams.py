"""Stream set-up: dead letters are kept for a bounded time, also in a stream created earlier."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError
from runtime_testkit import fast_settings

from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.streams import bound_dead_letters, ensure_streams, stream_configs

DAY = 86_400


def test_only_the_dead_letters_have_a_maximum_age() -> None:
    ages = {c.name: c.max_age for c in stream_configs(ServiceSettings())}
    assert ages == {"IDEAPAJA": None, "IDEAPAJA_HR": None, "IDEAPAJA_DLQ": 30 * DAY}
    custom = stream_configs(ServiceSettings(dead_letter_max_age_days=7))
    assert custom[2].max_age == 7 * DAY


@pytest.mark.parametrize("days", [0, -1, 367])
def test_dead_letters_cannot_be_kept_for_ever(days: float) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(dead_letter_max_age_days=days)


async def test_an_unbounded_dead_letter_stream_gets_the_maximum_age(nats_url: str, js: Any) -> None:
    settings = fast_settings(nats_url=nats_url, dead_letter_max_age_days=14)
    unbounded = replace(stream_configs(settings)[2], max_age=None)
    await js.add_stream(unbounded)
    await ensure_streams(js, settings)  # leaves existing streams alone
    assert not (await js.stream_info(settings.dead_letter_stream)).config.max_age
    assert await bound_dead_letters(js, settings)
    assert (await js.stream_info(settings.dead_letter_stream)).config.max_age == 14 * DAY
    assert not await bound_dead_letters(js, settings)
    fresh = await js.stream_info(settings.lifecycle_stream)
    assert not fresh.config.max_age
