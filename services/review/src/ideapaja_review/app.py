"""The review service: routes submitted ideas to reviewers and records their decisions."""

from __future__ import annotations

from pathlib import Path

from ideapaja_review.api import router
from ideapaja_review.handlers import subscriptions
from ideapaja_review.settings import ReviewSettings
from ideapaja_runtime.service import ServiceSpec

service = ServiceSpec(
    name="review",
    title="Review",
    default_port=8002,
    settings_class=ReviewSettings,
    routers=[router],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    tags=[{"name": "cases", "description": "Review cases: work lists, screening decisions"}],
)
