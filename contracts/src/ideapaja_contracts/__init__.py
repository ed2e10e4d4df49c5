"""Ideapaja event contracts: the only thing services share."""

from ideapaja_contracts.base import Event
from ideapaja_contracts.envelope import Envelope, EnvelopeError, OutgoingMessage, decode, encode
from ideapaja_contracts.registry import ALL_EVENTS, EVENTS_BY_TYPE, event_class

__all__ = [
    "ALL_EVENTS",
    "EVENTS_BY_TYPE",
    "Envelope",
    "EnvelopeError",
    "Event",
    "OutgoingMessage",
    "decode",
    "encode",
    "event_class",
]
