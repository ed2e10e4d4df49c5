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

    person_id: str = Field(
        pattern=ID_PATTERN,
        max_length=64,
        examples=["p-does-not-exist"],
        description="The person whose personal data is to be erased, as HR knows them",
    )
    reason: str = Field(
        min_length=3,
        max_length=200,
        description="Why, in a few words (e.g. the request's case number). Never the person's "
        "name: the reason is kept with the erasure record and travels in the event.",
        examples=["Tietosuojapyyntö TS-2025-014"],
    )


class ErasurePublic(BaseModel):
    """The erasure of a person's personal data in every service (one per employment)."""

    id: str = Field(description="The erasure's id (`er-`, from the person and the round)")
    person_id: str = Field(description="The person erased")
    round: int = Field(description="1, or more for a person erased again after a re-hire")
    basis: ErasureBasis = Field(
        description="request (by HR or an admin) or retention (the retention period passed)"
    )
    reason: str = Field(description="Why, as the requester wrote it (for retention, the rule)")
    requested_by: str = Field(description="Who requested it (for retention, this service)")
    requested_at: datetime = Field(description="When it was requested")
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
    in_service: bool = Field(description="Whether HR says the person is in service")
    left_on: str | None = Field(description="The leaving day as HR sent it")
    erase_on: date | None = Field(description="When the retention sweep erases the person")


class ErasureStatusPublic(BaseModel):
    """A person's erasures and retention, addressed by their person id."""

    id: str = Field(description="The person's id")
    erasure: ErasurePublic | None = Field(
        description="The erasure of the current employment, if any"
    )
    earlier_erasures: list[ErasurePublic] = Field(
        description="Erasures of earlier employments (the person was re-hired after them)"
    )
    retention: RetentionPublic | None = Field(description="What HR told us; null if nothing")


class AuditEntryPublic(BaseModel):
    """An erasure request or an access report view, with who and when."""

    id: int = Field(description="The entry's number: later entries have higher numbers")
    occurred_at: datetime = Field(description="When it happened")
    actor_id: str = Field(description="Who did it (a person id, or this service for retention)")
    action: str = Field(
        description="What was done: erasure.requested, erasure.request_repeated, "
        "erasure.hr_record_deleted, erasure.dead_letters_deleted or report.viewed"
    )
    person_id: str = Field(description="Whose data it concerned")
    details: dict[str, Any] | None = Field(description="More about it, by action; null if none")


class ServiceReportPublic(BaseModel):
    service: str = Field(description="The service's name, e.g. intake")
    status: PeerStatus = Field(
        description="ok (data below), no_report (the service has no privacy report), refused, "
        "or unavailable"
    )
    detail: str = Field(default="", description="Why the data is missing, unless status is ok")
    data: dict[str, Any] | None = Field(description="What the service holds on the person")


class AccessReportPublic(BaseModel):
    person_id: str = Field(description="The person the report is about")
    generated_at: datetime = Field(description="When the report was gathered")
    complete: bool = Field(description="True only if every service answered with its data")
    services: list[ServiceReportPublic] = Field(
        description="One section per service, this service's own first"
    )
