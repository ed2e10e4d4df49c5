"""What the HTTP API returns (documented in OpenAPI through these models): a person's own
notifications, deliveries for operators, and the GDPR access report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_notification.domain.preferences import Frequency

_TEMPLATE = (
    "What the message is about (its kind): idea_received, idea_screening_started, "
    "idea_accepted, idea_rejected, idea_needs_info, idea_duplicate, idea_forwarded, "
    "reward_granted, idea_commented, experiment_started, experiment_completed, "
    "idea_implemented, practice_published, practice_adopted, periodic_award_won, case_to_screen, "
    "case_to_review, case_escalated, case_deadline_near, info_provided, "
    "award_awaiting_approval, supported_idea_decided, supported_idea_implemented, "
    "meeting_scheduled, scoring_opened, minutes_published or unit_practice_adopted; a digest is "
    "digest_daily or digest_weekly"
)
_STATUS = "pending (queued or being retried), sent, or failed (gave up)"


class NotificationPublic(BaseModel):
    """A message sent (or being sent) to the caller."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The delivery's id (also the e-mail's Message-ID)")
    template: str = Field(description=_TEMPLATE)
    channel: NotificationChannel = Field(description="How it is sent")
    status: DeliveryStatus = Field(description=_STATUS)
    language: str = Field(description="The message's language: fi, sv or en")
    subject: str = Field(description="The message's subject line")
    created_at: datetime = Field(description="When the message was queued")
    sent_at: datetime | None = Field(description="When it was sent; null until then")


class DeliveryPublic(BaseModel):
    """A delivery as operators see it: who, what, how it went (no address or message text)."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The delivery's id (also the e-mail's Message-ID)")
    person_id: str = Field(description="The recipient")
    template: str = Field(description=_TEMPLATE)
    channel: NotificationChannel = Field(description="How it is sent")
    status: DeliveryStatus = Field(description=_STATUS)
    cause_event_id: str = Field(description="The id of the event that caused the message")
    cause_event_type: str = Field(description="That event's type, e.g. ideapaja.review.decided.v1")
    attempts: int = Field(description="Sending attempts made since it was last queued")
    last_error: str | None = Field(description="Why the last attempt failed; null if none did")
    next_attempt_at: datetime = Field(description="When a pending delivery is tried next")
    created_at: datetime = Field(description="When the message was queued")
    sent_at: datetime | None = Field(description="When it was sent; null until then")
    failed_at: datetime | None = Field(description="When it was given up; null unless failed")


class InboxItemPublic(BaseModel):
    """One item of the caller's in-app inbox."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The item's id")
    kind: str = Field(description=_TEMPLATE)
    idea_id: str | None = Field(description="The idea it is about; null if about none")
    language: str = Field(description="The language of title and text: fi, sv or en")
    title: str = Field(description="A one-line title (the e-mail's subject, if one was sent)")
    text: str = Field(description="A short text in the person's language")
    link: str | None = Field(
        description="The portal path it points to (e.g. /ideas/{idea_id}); null if none"
    )
    created_at: datetime = Field(description="When it arrived")
    read_at: datetime | None = Field(description="When it was marked read; null while unread")


class UnreadCount(BaseModel):
    """How many inbox items the caller has not read."""

    unread: int = Field(description="The number of unread items")


class MarkedRead(BaseModel):
    """The outcome of marking every item read."""

    marked: int = Field(description="How many items were unread and are now read")


# --- Preferences ------------------------------------------------------------------------------

_FREQUENCY = (
    "immediately (an e-mail of its own), daily or weekly (a line in the daily or weekly digest "
    "e-mail), or off (no e-mail); the in-app inbox gets every message whatever is chosen"
)


class KindPreferencePublic(BaseModel):
    """How one kind of message is e-mailed to the caller."""

    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description=_TEMPLATE.split(";")[0], examples=["idea_commented"])
    frequency: Frequency = Field(description="What applies now: " + _FREQUENCY)
    default: Frequency = Field(
        description="What applies when the caller has not chosen: from their HR roles (an "
        "employee gets comments and adopted practices daily, management weekly, those who "
        "work on cases at once; every other kind at once)"
    )
    chosen: bool = Field(description="Whether the caller chose it (false: the default applies)")
    can_turn_off: bool = Field(
        description="False for the kinds that ask the caller to act (idea_needs_info, "
        "case_to_screen, case_to_review, case_escalated, award_awaiting_approval): they can be "
        "gathered into a digest but not turned off"
    )


class PreferencesPublic(BaseModel):
    """Every kind of message, with how it is e-mailed to the caller."""

    kinds: list[KindPreferencePublic] = Field(
        description="One per kind of message (all of them: a settings document, not a paged list)"
    )


KindName = Annotated[str, StringConstraints(max_length=50)]


class PreferencesUpdate(BaseModel):
    """Some kinds' new settings; kinds not named stay as they are."""

    model_config = ConfigDict(extra="forbid")

    preferences: dict[KindName, Frequency | None] = Field(
        max_length=50,
        description="Kind → " + _FREQUENCY + "; null goes back to the default. An unknown kind, "
        "or off for a kind that cannot be turned off, is a 422 naming it (nothing is changed)",
        examples=[{"idea_commented": "weekly", "idea_accepted": "daily", "practice_adopted": None}],
    )


class PreferenceData(BaseModel):
    """A choice the person made for one kind of message."""

    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description=_TEMPLATE.split(";")[0])
    frequency: Frequency = Field(description=_FREQUENCY)
    updated_at: datetime = Field(description="When they chose it")


class DigestItemData(BaseModel):
    """A message kept for the person's daily or weekly digest."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The item's id")
    kind: str = Field(description=_TEMPLATE.split(";")[0])
    frequency: Frequency = Field(description="daily or weekly")
    idea_id: str | None = Field(description="The idea it is about; null if about none")
    title: str = Field(description="Its title in the person's language")
    text: str = Field(description="Its short text in the person's language")
    created_at: datetime = Field(description="When it arrived")
    digest_id: str | None = Field(
        description="The digest delivery that carried it (see deliveries); null while it waits"
    )


# --- The GDPR access report (what is held on one person) -----------------------------------


class ContactData(BaseModel):
    """The person's contact details, as HR sent them."""

    model_config = ConfigDict(from_attributes=True)

    display_name: str = Field(description="Their name; blank once erased")
    email: str = Field(description="Their e-mail address; blank once erased")
    language: str = Field(description="The language they are written to: fi, sv or en")
    left_on: str | None = Field(description="The day HR says they left; null while in service")
    erased_at: datetime | None = Field(description="When their data was erased; null if not")
    updated_at: datetime = Field(description="When HR's data was last applied")


class DeliveryData(BaseModel):
    """A message to the person, with its address and text."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The delivery's id (also the e-mail's Message-ID)")
    idea_id: str | None = Field(
        default=None, description="The idea it is about; null for messages stored before this"
    )
    template: str = Field(description=_TEMPLATE)
    channel: str = Field(description="How it is sent")
    status: str = Field(description=_STATUS)
    language: str = Field(description="The message's language: fi, sv or en")
    address: str = Field(description="Where it was (or is to be) sent; blank once erased")
    subject: str = Field(description="The subject line; blank once erased")
    body: str = Field(description="The message text; blank once erased")
    html: str | None = Field(
        default=None, description="The same message as HTML; null once erased or if none"
    )
    attempts: int = Field(description="Sending attempts made since it was last queued")
    last_error: str | None = Field(description="Why the last attempt failed; null if none did")
    cause_event_id: str = Field(description="The id of the event that caused the message")
    cause_event_type: str = Field(description="That event's type, e.g. ideapaja.review.decided.v1")
    created_at: datetime = Field(description="When the message was queued")
    sent_at: datetime | None = Field(description="When it was sent; null until then")
    failed_at: datetime | None = Field(description="When it was given up; null unless failed")


class InboxItemData(InboxItemPublic):
    """An item of the person's in-app inbox."""


class IdeaData(BaseModel):
    """An idea known here with the person as an author."""

    id: str = Field(description="The idea's id")
    title: str = Field(description="Its title (the latest revision's)")
    language: str = Field(description="The language it was written in")
    anonymous: bool | None = Field(
        default=None, description="Whether its authors are hidden; null if not known here"
    )


class PersonData(BaseModel):
    """Everything the notification service holds on one person."""

    id: str = Field(description="The person's id")
    contact: ContactData | None = Field(description="Name, e-mail and language from HR")
    deliveries: list[DeliveryData] = Field(
        description="Every message to the person, oldest first; in anyone else's report than "
        "the person's own, only those about an idea known here to be named (see "
        "anonymous_items_withheld)"
    )
    inbox: list[InboxItemData] = Field(
        default_factory=list,
        description="The person's in-app inbox, oldest first; in anyone else's report than the "
        "person's own, only items about an idea known here to be named",
    )
    preferences: list[PreferenceData] = Field(
        default_factory=list,
        description="The person's own choices of how each kind of message is e-mailed",
    )
    digest_items: list[DigestItemData] = Field(
        default_factory=list,
        description="Messages kept for (or carried by) their digests, oldest first; in anyone "
        "else's report than the person's own, only those about an idea known here to be named",
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
