from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.settings import ServiceSettings


class ReviewSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_REVIEW_", extra="ignore")

    http_port: int = 8002
    # Days a case may stay in screening before it is overdue (screening_due_at); escalation of
    # overdue cases comes later and reads this field.
    screening_days: int = Field(default=14, ge=1, le=365)
