"""Settings of the reward service (environment prefix ``IDEAPAJA_REWARD_``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from ideapaja_reward.award_settings import AwardSettings
from ideapaja_reward.domain import DEFAULT_POINTS_RULES, RuleSet
from ideapaja_reward.domain.periodic import DEFAULT_PERIODIC_POINTS, parse_periodic_points
from ideapaja_runtime.settings import ServiceSettings


class RewardSettings(ServiceSettings, AwardSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_REWARD_", extra="ignore")

    # Its own file by default, so services started side by side never share a database.
    database_url: str = "sqlite+aiosqlite:///ideapaja-reward.db"
    http_port: int = 8003

    # The incentive rules' FIRST version only, as JSON: points per outcome
    # ('{"submitted": 5, "accepted": 50, "implemented": 100}') or a whole rule set
    # ('{"points": {...}, "cap_per_person": {...}, "team_mode": "split"}'). Once the database
    # holds a version, admins change the rules through the API and this setting is not read.
    points_rules: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_POINTS_RULES))

    @field_validator("points_rules", mode="before")
    @classmethod
    def _valid_points_rules(cls, value: Any) -> dict[str, Any]:
        # Raises InvalidRules (a ValueError): the service refuses to start with the reason.
        RuleSet.from_setting(value)
        return dict(value)

    @property
    def seed_rules(self) -> RuleSet:
        """The rule set that becomes version 1 when the database has none yet."""
        return RuleSet.from_setting(self.points_rules)

    # Points for each author of the idea of the month / of the year, besides the recognition
    # itself, as JSON, e.g. IDEAPAJA_REWARD_PERIODIC_POINTS='{"idea_of_the_month": 200,
    # "idea_of_the_year": 1000}'. 0 grants the recognition without points.
    periodic_points: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_PERIODIC_POINTS))

    @field_validator("periodic_points", mode="before")
    @classmethod
    def _valid_periodic_points(cls, value: Any) -> dict[str, int]:
        return parse_periodic_points(value)
