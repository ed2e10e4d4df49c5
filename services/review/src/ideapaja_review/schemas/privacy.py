"""What review holds on a person, as the GDPR access report answers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class OrgData(BaseModel):
    """The person as HR last described them to review."""

    display_name: str | None = Field(
        description="Their name from HR, shown in minutes and on committee pages; null if "
        "unknown or erased"
    )
    unit_id: str | None = Field(description="Their unit; null if HR never said")
    active: bool = Field(description="Still in service")
    roles: list[str] = Field(description="Their roles from HR (e.g. change_agent, supervisor)")
    as_of: datetime = Field(description="The HR event time this reflects")


class PersonData(BaseModel):
    """Everything review holds on one person (by their opaque id)."""

    id: str = Field(description="The person's id")
    org: OrgData | None = Field(description="Unit, roles and status from HR")
    assignments: list[dict[str, Any]] = Field(description="Units they were assigned to review")
    committee_memberships: list[dict[str, Any]] = Field(
        description="Committees they are a member of, with their role"
    )
    cases_authored: list[dict[str, Any]] = Field(
        description="Cases of ideas they wrote; of anonymous ideas only in the person's own "
        "report (see anonymous_items_withheld)"
    )
    cases_reviewing: list[dict[str, Any]] = Field(description="Cases they are a reviewer of")
    case_actions: list[dict[str, Any]] = Field(
        description="Their steps in case histories (the audit trail of decisions)"
    )
    scores: list[dict[str, Any]] = Field(description="Their scores of committee agenda items")
    conflicts_of_interest: list[dict[str, Any]] = Field(
        description="Their conflicts of interest with agenda items (whoever declared them)"
    )
    meetings: list[dict[str, Any]] = Field(description="Meetings they called, closed or attended")
    experiments: list[dict[str, Any]] = Field(description="Experiments they started or completed")
    implementations: list[dict[str, Any]] = Field(description="Implementations they own or started")
    practices: list[dict[str, Any]] = Field(description="Practices they published")
    adoptions: list[dict[str, Any]] = Field(description="Adoptions they reported")
    audit_entries: list[dict[str, Any]] = Field(
        description="Configuration changes they made or that concerned them"
    )
    anonymous_items_withheld: int = Field(
        default=0,
        description="How many items were left out because they would reveal who wrote an "
        "anonymous idea (the cases of their anonymous ideas, and their steps, scores, conflicts "
        "and other entries on those cases): always 0 in the person's own report, which shows "
        "everything",
    )
    withheld_note: str | None = Field(
        default=None, description="Why items were withheld, when any were"
    )
