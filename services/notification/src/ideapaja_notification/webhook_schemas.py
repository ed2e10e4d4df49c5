"""Webhook requests and answers (documented in OpenAPI through these models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_notification.domain.webhooks import OFFERED_EVENT_TYPES

_EVENT_TYPES = (
    "The CloudEvents types it receives, one or more of: " + ", ".join(OFFERED_EVENT_TYPES) + "."
)
_URL = (
    "Where events are POSTed: https (http only where the service allows it), a host on the "
    "service's allow-list that resolves to public addresses only; no credentials in it."
)
_URL_EXAMPLE = "https://integrations.example.fi/ideapaja/events"

EventType = Annotated[str, StringConstraints(min_length=1, max_length=255)]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=50)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Description = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]


class WebhookCreate(BaseModel):
    """A new endpoint."""

    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description=_URL, examples=[_URL_EXAMPLE])
    event_types: EventTypes = Field(
        description=_EVENT_TYPES, examples=[["ideapaja.review.decided.v1"]]
    )
    description: Description = Field(
        default="", description="What it is for (for the admins)", examples=["Payroll bonus feed"]
    )
    enabled: bool = Field(default=True, description="Whether events are sent to it")


class WebhookUpdate(BaseModel):
    """A change to an endpoint: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = Field(default=None, description=_URL, examples=[_URL_EXAMPLE])
    event_types: EventTypes | None = Field(default=None, description=_EVENT_TYPES)
    description: Description | None = Field(default=None, description="What it is for")
    enabled: bool | None = Field(
        default=None,
        description="Pause (false) or resume (true); deliveries waiting meanwhile go out on resume",
    )


class WebhookPublic(BaseModel):
    """An endpoint (its secret is shown only when made: at creation and at rotation)."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The endpoint's id", examples=["wh-does-not-exist"])
    url: str = Field(description="Where events are POSTed")
    event_types: list[str] = Field(description="The CloudEvents types it receives")
    description: str = Field(description="What it is for")
    enabled: bool = Field(description="Whether events are sent to it")
    previous_secret_expires_at: datetime | None = Field(
        description="While a rotation overlaps: when the previous secret stops signing; else null"
    )
    created_by: str = Field(description="The admin who registered it")
    created_at: datetime = Field(description="When it was registered")
    updated_at: datetime = Field(description="When it last changed")


class WebhookWithSecret(WebhookPublic):
    """An endpoint with its new signing secret: store it now, it is not shown again."""

    secret: str = Field(
        description="The Standard Webhooks signing secret (whsec_ and base64); verify each "
        "request's webhook-signature with it"
    )


class WebhookDeliveryPublic(BaseModel):
    """One event sent (or being sent) to an endpoint."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The delivery's id, sent as the webhook-id header every time")
    endpoint_id: str = Field(description="The endpoint")
    event_id: str = Field(description="The event's CloudEvents id")
    event_type: str = Field(description="The event's CloudEvents type")
    status: DeliveryStatus = Field(
        description="pending (queued or being retried), sent (a 2xx answer), or failed (gave up)"
    )
    attempts: int = Field(description="Requests made since it was last queued")
    redeliveries: int = Field(description="Times an admin queued it again")
    last_status_code: int | None = Field(description="The HTTP status of the last answer, if any")
    last_error: str | None = Field(description="Why the last attempt failed; null if it did not")
    next_attempt_at: datetime = Field(description="When a pending delivery is tried next")
    last_attempt_at: datetime | None = Field(description="When it was last tried")
    created_at: datetime = Field(description="When the event was queued for the endpoint")
    sent_at: datetime | None = Field(description="When the endpoint accepted it")
    failed_at: datetime | None = Field(description="When it was given up; null unless failed")
    payload_purged: bool = Field(
        description="Whether its payload was purged (retention or erasure): it cannot be sent again"
    )
