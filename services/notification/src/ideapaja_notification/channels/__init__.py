"""Channels carry a rendered message to a person. Each is a swappable piece with one method,
``send``; the sender picks the channel a delivery names (today only e-mail; the in-app inbox
and signed webhooks are further channels of the same shape)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ideapaja_contracts.events.notification import NotificationChannel


@dataclass(frozen=True)
class OutgoingMessage:
    delivery_id: str
    person_id: str
    address: str
    language: str
    subject: str
    body: str
    # The same message as HTML, sent beside the text (None: text only).
    html: str | None = None


class ChannelError(Exception):
    """Sending failed. ``permanent`` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: NotificationChannel

    async def send(self, message: OutgoingMessage) -> None:
        """Hand the message over, or raise ``ChannelError``."""
        ...

    async def aclose(self) -> None:
        """Finish what is still under way after the last send (called when the sender stops)."""
        ...
