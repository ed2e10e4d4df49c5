"""Dead letters for operators: list what consumers gave up on, and replay it.

A consumer copies an event it cannot handle to the dead-letter stream with headers saying why
(see ``ideapaja_runtime.messaging``: ``Ideapaja-Dead-Letter-Reason``, ``Ideapaja-Consumer``,
``Ideapaja-Original-Subject``/``-Stream``/``-Seq``, ``Ideapaja-Deliveries``). Replaying publishes
the original body and CloudEvents headers to the original subject again (into the original stream),
with ``Nats-Msg-Id`` ``replay-<dlq seq>-<ce-id>``, then deletes the dead letter. Every consumer of
that subject sees the event again; those that already handled it skip it by its ``ce-id`` (inbox),
the one that failed gets another go.

HR records are special: their stream keeps only the latest message per subject, so replaying an
old version over a newer one would roll the person or unit back. Such a replay is refused unless
forced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from ideapaja_runtime.messaging import (
    DLQ_CONSUMER,
    DLQ_DELIVERIES,
    DLQ_ORIGINAL_SEQ,
    DLQ_ORIGINAL_STREAM,
    DLQ_ORIGINAL_SUBJECT,
    DLQ_REASON,
    header_text,
)
from ideapaja_runtime.settings import ServiceSettings

REPLAYED_FROM = "Ideapaja-Replayed-From"
_DLQ_HEADERS = {
    h.lower()
    for h in (
        DLQ_REASON,
        DLQ_CONSUMER,
        DLQ_DELIVERIES,
        DLQ_ORIGINAL_SEQ,
        DLQ_ORIGINAL_STREAM,
        DLQ_ORIGINAL_SUBJECT,
        REPLAYED_FROM,
    )
}


class DeadLetterError(RuntimeError):
    pass


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    subject: str
    time: datetime | None
    headers: Mapping[str, str]
    data: bytes

    def header(self, name: str) -> str:
        lower = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lower:
                return value
        return ""

    @property
    def consumer(self) -> str:
        return self.header(DLQ_CONSUMER)

    @property
    def original_subject(self) -> str:
        return self.header(DLQ_ORIGINAL_SUBJECT)

    @property
    def original_stream(self) -> str:
        return self.header(DLQ_ORIGINAL_STREAM)

    @property
    def original_seq(self) -> int | None:
        value = self.header(DLQ_ORIGINAL_SEQ)
        return int(value) if value.isdigit() else None

    @property
    def reason(self) -> str:
        return self.header(DLQ_REASON)

    @property
    def deliveries(self) -> str:
        return self.header(DLQ_DELIVERIES)

    @property
    def event_id(self) -> str:
        return self.header("ce-id")

    @property
    def event_type(self) -> str:
        return self.header("ce-type")

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time.isoformat() if self.time else None,
            "consumer": self.consumer,
            "original_subject": self.original_subject,
            "original_stream": self.original_stream,
            "original_seq": self.original_seq,
            "deliveries": self.deliveries,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "reason": self.reason,
        }


def _dead_letter(raw: Any) -> DeadLetter:
    return DeadLetter(
        seq=int(raw.seq or 0),
        subject=str(raw.subject or ""),
        time=raw.time,
        headers={str(k): header_text(v) for k, v in (raw.headers or {}).items()},
        data=bytes(raw.data or b""),
    )


async def list_dead_letters(js: JetStreamContext, stream: str) -> list[DeadLetter]:
    """Every message in the dead-letter stream, oldest first."""
    try:
        await js.stream_info(stream)
    except NotFoundError as exc:
        raise DeadLetterError(
            f"stream {stream} does not exist (no service has started yet?)"
        ) from exc
    letters: list[DeadLetter] = []
    seq = 1
    while True:
        try:
            raw = await js.get_msg(stream, seq=seq, subject=">", next=True)
        except NotFoundError:
            return letters
        letter = _dead_letter(raw)
        letters.append(letter)
        seq = letter.seq + 1


async def get_dead_letter(js: JetStreamContext, stream: str, seq: int) -> DeadLetter:
    try:
        return _dead_letter(await js.get_msg(stream, seq=seq))
    except NotFoundError as exc:
        raise DeadLetterError(f"no dead letter with sequence {seq} in {stream}") from exc


@dataclass(frozen=True)
class Replayed:
    dlq_seq: int
    subject: str
    stream: str
    seq: int
    duplicate: bool
    msg_id: str


def _target_stream(letter: DeadLetter, settings: ServiceSettings) -> str:
    if letter.original_stream:
        return letter.original_stream
    if letter.original_subject.startswith("hr."):
        return settings.hr_stream
    return settings.lifecycle_stream


async def replay(
    js: JetStreamContext,
    seq: int,
    *,
    settings: ServiceSettings,
    force: bool = False,
) -> Replayed:
    """Republish dead letter ``seq`` to its original subject, then delete it from the DLQ."""
    dlq = settings.dead_letter_stream
    letter = await get_dead_letter(js, dlq, seq)
    subject = letter.original_subject
    if not subject:
        raise DeadLetterError(f"dead letter {seq} has no {DLQ_ORIGINAL_SUBJECT} header")
    stream = _target_stream(letter, settings)
    if stream == settings.hr_stream and not force:
        try:
            current = await js.get_last_msg(stream, subject)
        except NotFoundError:
            current = None
        original_seq = letter.original_seq or 0
        if (
            current is not None
            and (current.seq or 0) > original_seq
            and current.data != letter.data
        ):
            raise DeadLetterError(
                f"{subject} has a newer version in {stream} (seq {current.seq} > {original_seq}); "
                "replaying would roll it back. Use --force to replay anyway."
            )
    event_id = letter.event_id or f"seq{seq}"
    msg_id = f"replay-{seq}-{event_id}"
    headers = {
        key: value
        for key, value in letter.headers.items()
        if key.lower() not in _DLQ_HEADERS and not key.lower().startswith("nats-")
    }
    headers["Nats-Msg-Id"] = msg_id
    headers[REPLAYED_FROM] = f"{dlq}/{seq}"
    ack = await js.publish(subject, letter.data, headers=headers, stream=stream)
    await js.delete_msg(dlq, seq)
    return Replayed(seq, subject, stream, int(ack.seq), bool(ack.duplicate), msg_id)
