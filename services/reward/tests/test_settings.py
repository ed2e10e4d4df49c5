"""The points rules setting: read from the environment, refused at startup when wrong."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from ideapaja_reward.domain import Outcome, TeamMode
from ideapaja_reward.settings import RewardSettings

ENV = "IDEAPAJA_REWARD_POINTS_RULES"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    settings = RewardSettings()
    assert settings.points_rules == {"submitted": 5, "accepted": 50, "implemented": 100}
    assert settings.http_port == 8003
    assert settings.database_url.endswith("ideapaja-reward.db")


def test_rules_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, '{"accepted": 20, "implemented": 0}')
    rules = RewardSettings().seed_rules
    assert rules.points_for(Outcome.ACCEPTED) == 20
    assert rules.points_for(Outcome.IMPLEMENTED) == 0
    assert rules.points_for(Outcome.SUBMITTED) == 0


def test_a_whole_rule_set_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        ENV,
        '{"points": {"accepted": 20}, "team_mode": "split", '
        '"cap_per_person": {"period": "quarter", "points": 300}}',
    )
    rules = RewardSettings().seed_rules
    assert rules.points_for(Outcome.ACCEPTED) == 20
    assert rules.team_mode is TeamMode.SPLIT
    assert rules.cap_per_person is not None and rules.cap_per_person.points == 300


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"acepted": 50}', "points.acepted: Input should be 'submitted'"),
        ('{"accepted": -50}', "points.accepted: Input should be greater than or equal to 0"),
        ('{"accepted": "lots"}', "points.accepted: Input should be a valid integer"),
        ('{"points": {}, "team_mode": "all"}', "team_mode: Input should be 'shared' or 'split'"),
    ],
)
def test_invalid_rules_stop_the_service_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv(ENV, value)
    with pytest.raises(ValidationError) as raised:
        RewardSettings()
    assert "points_rules" in str(raised.value)
    assert message in str(raised.value)


def test_malformed_json_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "accepted=50")
    with pytest.raises(SettingsError, match="points_rules"):
        RewardSettings()
