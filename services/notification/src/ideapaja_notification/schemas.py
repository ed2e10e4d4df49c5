"""What the HTTP API returns (documented in OpenAPI through these models): a person's own
notifications, deliveries for operators, and the GDPR access report."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.domain.deliveries import DeliveryStatus


class NotificationPublic(BaseModel):
    """A message sent (or being sent) to the caller."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    template: str
    channel: NotificationChannel
    status: DeliveryStatus
    language: str
    subject: str
    created_at: datetime
    sent_at: datetime | None


class DeliveryPublic(BaseModel):
    """A delivery as operators see it: who, what, how it went (no address or message text)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    person_id: str
    template: str
    channel: NotificationChannel
    status: DeliveryStatus
    cause_event_id: str
    cause_event_type: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None


# --- The GDPR access report (what is held on one person) -----------------------------------


class ContactData(BaseModel):
    display_name: str
    email: str
    language: str
    left_on: str | None
    erased_at: datetime | None
    updated_at: datetime


class DeliveryData(BaseModel):
    id: str
    idea_id: str | None = Field(
        default=None, description="The idea it is about; null for messages stored before this"
    )
    template: str
    channel: str
    status: str
    language: str
    address: str = Field(description="Where it was (or is to be) sent; blank once erased")
    subject: str
    body: str
    attempts: int
    last_error: str | None
    cause_event_id: str
    cause_event_type: str
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None


class IdeaData(BaseModel):
    idea_id: str
    title: str
    language: str
    anonymous: bool | None = Field(
        default=None, description="Whether its authors are hidden; null if not known here"
    )


class PersonData(BaseModel):
    """Everything the notification service holds on one person."""

    person_id: str
    contact: ContactData | None = Field(description="Name, e-mail and language from HR")
    deliveries: list[DeliveryData] = Field(
        description="Every message to the person, oldest first; in anyone else's report than "
        "the person's own, only those about an idea known here to be named (see "
        "anonymous_items_withheld)"
    )
    ideas_authored: list[IdeaData] = Field(
        description="Ideas known here with them as an author; in anyone else's report than the "
        "person's own, only those known here to be named"
    )
    anonymous_items_withheld: int = Field(
        default=0,
        description="How many messages and ideas were left out because they could reveal who "
        "wrote an anonymous idea (a decision or reward notice tells its recipient wrote it): "
        "those about an anonymous idea, and those whose idea is not known here to be named "
        "(messages stored before the idea was recorded with them). Always 0 in the person's "
        "own report, which shows everything",
    )
    withheld_note: str | None = Field(
        default=None, description="Why items were withheld, when any were"
    )
