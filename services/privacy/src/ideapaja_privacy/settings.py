"""Settings of the privacy service (environment prefix ``IDEAPAJA_PRIVACY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.settings import PeerUrls, ServiceSettings


class PrivacySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_PRIVACY_", extra="ignore")

    # Its own file by default, so services started side by side never share a database.
    database_url: str = "sqlite+aiosqlite:///ideapaja-privacy.db"
    http_port: int = 8005

    # A person's data is erased this many days after the day HR says they left.
    retention_days: int = Field(default=365, ge=0, le=36_500)
    # How often the sweep looks for erasures that are due and HR records still to delete
    # (seconds; 0 turns the background sweep off).
    sweep_seconds: float = Field(default=3600.0, ge=0)
    sweep_batch_size: int = Field(default=100, ge=1, le=10_000)

    # The services whose data an access report collects, by name, as JSON, e.g.
    # IDEAPAJA_PRIVACY_PEER_URLS='{"review": "http://review:8002", "reward": "http://reward:8003"}'.
    # The embedded runner gives every service the URLs of all it started.
    peer_urls: PeerUrls = Field(default_factory=dict)
    peer_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
