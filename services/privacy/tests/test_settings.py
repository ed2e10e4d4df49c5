"""Settings from the environment, as the runner, compose and Kubernetes give them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ideapaja_privacy.settings import PrivacySettings


def test_defaults() -> None:
    settings = PrivacySettings()
    assert settings.retention_days == 365
    assert settings.http_port == 8005
    assert settings.peer_urls == {}


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEAPAJA_PRIVACY_RETENTION_DAYS", "730")
    monkeypatch.setenv(
        "IDEAPAJA_PRIVACY_PEER_URLS",
        '{"review": "http://review:8002/", "reward": "https://reward.example.fi"}',
    )
    settings = PrivacySettings()
    assert settings.retention_days == 730
    assert settings.peer_urls == {
        "review": "http://review:8002",
        "reward": "https://reward.example.fi",
    }


@pytest.mark.parametrize(
    "values",
    [
        {"retention_days": -1},
        {"peer_urls": {"review": "review:8002"}},
        {"peer_urls": {"review": "file:///etc/passwd"}},
        {"peer_timeout_seconds": 0},
    ],
)
def test_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PrivacySettings.model_validate(values)
