from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ideapaja_review.domain.rules import Deadlines, RoutingRule
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.uow import EventUnitOfWork, UnitOfWork


class ReviewSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_REVIEW_", extra="ignore")

    http_port: int = 8002
    # Deadlines (days) of the built-in routing rule: what applies where admins have stored no
    # rule for the department and no ``default`` rule (see the routing-rules endpoints).
    screening_days: int = Field(default=14, ge=1, le=365)
    in_review_days: int = Field(default=60, ge=1, le=730)
    experiment_report_days: int = Field(default=30, ge=1, le=365)
    implementing_days: int = Field(default=365, ge=1, le=1830)
    escalation_days: int = Field(default=7, ge=1, le=365)
    # How often each replica looks for overdue steps (seconds); 0 turns the periodic sweep off
    # (POST /deadlines/sweep still runs one).
    deadline_sweep_seconds: float = Field(default=300.0, ge=0)
    # The same sweep reminds a step's reviewers once when its deadline is this near (hours;
    # 0: no reminders). One setting for the city, not a rule's: it is about how early people
    # want to hear, not how long a department gives a step.
    deadline_warning_hours: float = Field(default=24.0, ge=0, le=24 * 60)
    # Overdue cases handled per sweep transaction.
    deadline_sweep_batch: int = Field(default=100, ge=1, le=10_000)

    def builtin_rule(self) -> RoutingRule:
        return RoutingRule(
            deadlines=Deadlines(
                screening_days=self.screening_days,
                in_review_days=self.in_review_days,
                experiment_report_days=self.experiment_report_days,
                implementing_days=self.implementing_days,
                escalation_days=self.escalation_days,
            )
        )


# What every use case is handed (routes: api/deps.ReviewUow; handlers: the consumer's
# ReviewEventWork; sweeps: runtime.unit_of_work()).
ReviewWork = UnitOfWork[ReviewSettings]
ReviewEventWork = EventUnitOfWork[ReviewSettings]
