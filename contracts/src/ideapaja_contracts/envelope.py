"""CloudEvents 1.0 binary content mode over NATS headers.

The body is the event model as JSON; the context attributes travel as ``ce-*`` headers, exactly as
the CloudEvents HTTP binding does, so the SDK's HTTP binary parser reads our messages unchanged.
``Nats-Msg-Id`` equals ``ce-id`` so JetStream drops a re-published duplicate, and ``traceparent``
(W3C Trace Context) is carried through untouched.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ideapaja_contracts.base import Event
from ideapaja_contracts.registry import event_class

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
MSG_ID_HEADER = "Nats-Msg-Id"
TRACEPARENT_HEADER = "traceparent"
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class EnvelopeError(ValueError):
    """The message is not a valid Ideapaja CloudEvent; the reason says which part."""


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    traceparent: str | None

    @property
    def trace_id(self) -> str | None:
        return self.traceparent.split("-")[1] if self.traceparent else None


def is_traceparent(value: str | None) -> bool:
    """A W3C ``traceparent`` of version 00, as we continue and start them."""
    return bool(value and _TRACEPARENT.match(value))


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_traceparent(parent: str | None) -> str:
    """Keep the trace id of ``parent`` with a new span id; start a trace when there is none."""
    if parent and _TRACEPARENT.match(parent):
        _, trace_id, _, flags = parent.split("-")
        return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"
    return new_traceparent()


@dataclass(frozen=True)
class OutgoingMessage:
    subject: str
    headers: dict[str, str]
    body: bytes
    envelope: Envelope


def encode(
    event: Event,
    *,
    source: str,
    event_id: str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
) -> OutgoingMessage:
    """Turn an event into the subject, headers and body to publish."""
    envelope = Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=event.event_type(),
        time=(time or datetime.now(UTC)).astimezone(UTC),
        subject=event.aggregate_id(),
        traceparent=traceparent or new_traceparent(),
    )
    headers = {
        "ce-specversion": SPECVERSION,
        "ce-id": envelope.id,
        "ce-source": envelope.source,
        "ce-type": envelope.type,
        "ce-time": envelope.time.isoformat().replace("+00:00", "Z"),
        "content-type": CONTENT_TYPE,
        MSG_ID_HEADER: envelope.id,
    }
    if envelope.subject is not None:
        headers["ce-subject"] = envelope.subject
    if envelope.traceparent:
        headers[TRACEPARENT_HEADER] = envelope.traceparent
    body = event.model_dump_json().encode()
    return OutgoingMessage(subject=event.subject(), headers=headers, body=body, envelope=envelope)


def read_envelope(headers: Mapping[str, str] | None) -> Envelope:
    """Read the CloudEvents attributes from message headers (names case-insensitive)."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    missing = [
        name for name in ("ce-specversion", "ce-id", "ce-source", "ce-type") if not lower.get(name)
    ]
    if missing:
        raise EnvelopeError(f"missing CloudEvents header(s): {', '.join(missing)}")
    if lower["ce-specversion"] != SPECVERSION:
        raise EnvelopeError(f"unsupported ce-specversion {lower['ce-specversion']!r}")
    content_type = lower.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise EnvelopeError(f"unsupported content-type {content_type!r}")
    raw_time = lower.get("ce-time")
    try:
        time = datetime.fromisoformat(raw_time) if raw_time else datetime.now(UTC)
    except ValueError as exc:
        raise EnvelopeError(f"ce-time is not RFC 3339: {raw_time!r}") from exc
    return Envelope(
        id=lower["ce-id"],
        source=lower["ce-source"],
        type=lower["ce-type"],
        time=time,
        subject=lower.get("ce-subject"),
        traceparent=lower.get(TRACEPARENT_HEADER),
    )


def decode(headers: Mapping[str, str] | None, body: bytes) -> tuple[Envelope, Event]:
    """Parse a received message into its envelope and typed event.

    Raises ``EnvelopeError`` for a bad envelope or an unknown type, and pydantic's
    ``ValidationError`` for a body that does not match the contract.
    """
    envelope = read_envelope(headers)
    cls = event_class(envelope.type)
    if cls is None:
        raise EnvelopeError(f"unknown event type {envelope.type!r}")
    return envelope, cls.model_validate_json(body)
