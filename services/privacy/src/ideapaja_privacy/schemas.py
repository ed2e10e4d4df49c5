"""What the HTTP API takes and returns (documented in OpenAPI through these models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.privacy import ErasureBasis
from ideapaja_privacy.domain.report import PeerStatus


class ErasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(pattern=ID_PATTERN, max_length=64, examples=["p-1003"])
    reason: str = Field(
        min_length=3,
        max_length=200,
        description="Why, in a few words (e.g. the request's case number). Never the person's "
        "name: the reason is kept with the erasure record and travels in the event.",
        examples=["Tietosuojapyyntö TS-2025-014"],
    )


class ErasurePublic(BaseModel):
    erasure_id: str
    person_id: str
    round: int = Field(description="1, or more for a person erased again after a re-hire")
    basis: ErasureBasis
    reason: str
    requested_by: str
    requested_at: datetime
    hr_record_deleted_at: datetime | None = Field(
        description="When the person's record was deleted from the HR stream (null: pending)"
    )
    dead_letters_deleted_at: datetime | None = Field(
        description="When the dead letters concerning the person were deleted (null: pending)"
    )
    dead_letters_deleted: int | None = Field(
        description="How many dead letters concerning the person were deleted"
    )


class RetentionPublic(BaseModel):
    in_service: bool
    left_on: str | None = Field(description="The leaving day as HR sent it")
    erase_on: date | None = Field(description="When the retention sweep erases the person")


class ErasureStatusPublic(BaseModel):
    person_id: str
    erasure: ErasurePublic | None = Field(
        description="The erasure of the current employment, if any"
    )
    earlier_erasures: list[ErasurePublic] = Field(
        description="Erasures of earlier employments (the person was re-hired after them)"
    )
    retention: RetentionPublic | None = Field(description="What HR told us; null if nothing")


class AuditEntryPublic(BaseModel):
    seq: int
    occurred_at: datetime
    actor_id: str
    action: str
    person_id: str
    details: dict[str, Any] | None


class ServiceReportPublic(BaseModel):
    service: str
    status: PeerStatus = Field(
        description="ok (data below), no_report (the service has no privacy report), refused, "
        "or unavailable"
    )
    detail: str = ""
    data: dict[str, Any] | None = Field(description="What the service holds on the person")


class AccessReportPublic(BaseModel):
    person_id: str
    generated_at: datetime
    complete: bool = Field(description="True only if every service answered with its data")
    services: list[ServiceReportPublic]
