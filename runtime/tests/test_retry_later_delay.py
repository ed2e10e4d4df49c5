"""How long an event that raised RetryLater waits before its next delivery (pure, no server)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ideapaja_runtime.messaging import retry_later_delay
from ideapaja_runtime.settings import ServiceSettings


def test_by_default_the_first_retries_are_quick_then_every_fifteen_seconds() -> None:
    settings = ServiceSettings()
    delays = [retry_later_delay(n, settings) for n in range(1, settings.retry_later_max_deliver)]
    assert delays[:6] == [0.2, 0.5, 1.0, 2.0, 5.0, 15.0]
    assert set(delays[5:]) == {15.0}
    # The waiting the default budget allows before the event is dead-lettered (settings.py).
    assert sum(delays) == pytest.approx(518.7)


def test_a_first_delay_is_never_longer_than_the_steady_one() -> None:
    settings = ServiceSettings(retry_later_delay_seconds=0.3)
    assert [retry_later_delay(n, settings) for n in range(1, 8)] == [0.2] + [0.3] * 6


def test_no_first_delays_means_the_steady_delay_from_the_start() -> None:
    settings = ServiceSettings(retry_later_first_delays=[])
    assert [retry_later_delay(n, settings) for n in (1, 2, 40)] == [15.0] * 3


def test_a_delivery_count_below_one_gets_the_steady_delay() -> None:
    assert retry_later_delay(0, ServiceSettings()) == 15.0


def test_first_delays_are_read_from_the_environment_as_a_json_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDEAPAJA_RETRY_LATER_FIRST_DELAYS", "[0.1, 0.4]")
    settings = ServiceSettings()
    assert settings.retry_later_first_delays == [0.1, 0.4]
    assert [retry_later_delay(n, settings) for n in (1, 2, 3)] == [0.1, 0.4, 15.0]


@pytest.mark.parametrize("delays", [[0.2, 0.0], [-1.0], [0.1] * 21])
def test_first_delays_must_be_positive_and_few(delays: list[float]) -> None:
    with pytest.raises(ValidationError, match="retry_later_first_delays"):
        ServiceSettings(retry_later_first_delays=delays)
