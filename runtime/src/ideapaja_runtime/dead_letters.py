"""A read-only view of the dead-letter stream over HTTP, for admins: ``GET /dead-letters``.

What a consumer gave up on is copied to the dead-letter stream with headers saying why
(``ideapaja_runtime.messaging``). Operators list and replay them with ``ideapaja dlq``; this router
lets one service (privacy, which already works with that stream) show the same list to admins in
the portal. It answers what ``ideapaja dlq list`` prints and nothing more: the headers that say
where the event came from and why it failed, never its body, which may name people (an HR record
with a name and an e-mail address). Replaying and deleting stay with the operator's CLI.

Paging is a keyset on the stream sequence (oldest first, as the CLI lists them): a page reads
``limit`` messages with ``get_msg(next=True)``, so the thousandth page costs what the first does
and deleted sequences are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from nats.js.errors import NotFoundError
from pydantic import BaseModel, Field

from ideapaja_runtime.authz import Permission, Policy, Role, allow
from ideapaja_runtime.deps import get_runtime
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.messaging import (
    DLQ_CONSUMER,
    DLQ_DELIVERIES,
    DLQ_ORIGINAL_SEQ,
    DLQ_ORIGINAL_STREAM,
    DLQ_ORIGINAL_SUBJECT,
    DLQ_REASON,
    header_text,
)
from ideapaja_runtime.pagination import Page, PageParams, decode_cursor, encode_cursor
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem
from ideapaja_runtime.routes import service_router
from ideapaja_runtime.service import Runtime

ACTION = "dead_letters.read"


class DeadLetterPublic(BaseModel):
    """A dead letter as an operator's list shows it: where it came from and why, no body."""

    id: int = Field(description="Its sequence in the dead-letter stream (`ideapaja dlq show ID`).")
    time: datetime | None = Field(description="When it was dead-lettered.")
    consumer: str = Field(description="The consumer that gave up on it (`service-subscription`).")
    original_subject: str = Field(description="The subject it was published on.")
    original_stream: str = Field(description="The stream it was published in.")
    original_seq: int | None = Field(description="Its sequence in that stream.")
    deliveries: int | None = Field(description="How many times it was delivered before.")
    event_type: str = Field(description="The event's type (CloudEvents `type`); may be blank.")
    event_id: str = Field(description="The event's id (CloudEvents `id`); may be blank.")
    reason: str = Field(description="Why the consumer gave up, as it logged it.")

    @classmethod
    def of(cls, seq: int, time: datetime | None, headers: Mapping[str, Any]) -> DeadLetterPublic:
        lower = {str(key).lower(): header_text(value) for key, value in headers.items()}

        def number(name: str) -> int | None:
            value = lower.get(name.lower(), "")
            return int(value) if value.isdigit() else None

        return cls(
            id=seq,
            time=time,
            consumer=lower.get(DLQ_CONSUMER.lower(), ""),
            original_subject=lower.get(DLQ_ORIGINAL_SUBJECT.lower(), ""),
            original_stream=lower.get(DLQ_ORIGINAL_STREAM.lower(), ""),
            original_seq=number(DLQ_ORIGINAL_SEQ),
            deliveries=number(DLQ_DELIVERIES),
            event_type=lower.get("ce-type", ""),
            event_id=lower.get("ce-id", ""),
            reason=lower.get(DLQ_REASON.lower(), ""),
        )


def dead_letters_permission() -> Permission:
    """The policy table's row for the dead-letter list (the same wherever it is mounted)."""
    return allow(
        ACTION,
        {Role.ADMIN},
        "List the events consumers gave up on (dead letters): where from and why, no bodies",
    )


async def dead_letter_page(js: Any, stream: str, limit: int, after: int) -> Page[DeadLetterPublic]:
    """Up to ``limit`` dead letters after sequence ``after``, oldest first, and how many the
    stream holds. A stream not made yet holds none."""
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        return Page(items=[], total=0, limit=limit, next_cursor=None)
    items: list[DeadLetterPublic] = []
    seq = after + 1
    last = int(info.state.last_seq or 0)
    while len(items) < limit and seq <= last:
        try:
            # The next message at or after seq: deleted (replayed, erased) ones are skipped.
            raw = await js.get_msg(stream, seq=seq, subject=">", next=True)
        except NotFoundError:
            break
        items.append(DeadLetterPublic.of(int(raw.seq), raw.time, raw.headers or {}))
        seq = int(raw.seq) + 1
    more = bool(items) and len(items) == limit and items[-1].id < last
    return Page(
        items=items,
        total=int(info.state.messages or 0),
        limit=limit,
        next_cursor=encode_cursor(items[-1].id) if more else None,
    )


def dead_letters_router(policy: Policy) -> APIRouter:
    """``GET /dead-letters`` for ``policy``'s service (its table needs
    ``dead_letters_permission()``)."""
    router = service_router(tags=["dead letters"])

    @router.get(
        "/dead-letters",
        summary="Events consumers gave up on (dead letters), oldest first; no bodies",
        response_model=Page[DeadLetterPublic],
        responses={503: PROBLEM_SCHEMA},
        **policy.route(
            ACTION,
            description="What `ideapaja dlq list` shows: subject, consumer, reason, time, the "
            "event's id and type. Bodies are left out (they may name people); replaying and "
            "deleting are for operators (`ideapaja dlq replay`). `total` counts the whole stream.",
        ),
    )
    async def list_dead_letters(
        page: PageParams,
        runtime: Annotated[Runtime[Any], Depends(get_runtime)],
    ) -> Page[DeadLetterPublic]:
        after = 0
        if page.cursor:
            (position,) = decode_cursor(page.cursor, 1)
            if not isinstance(position, int) or position < 0:
                raise InvalidInput("cursor", "not a cursor from a previous page of this list")
            after = position
        stream = runtime.settings.dead_letter_stream
        try:
            return await dead_letter_page(runtime.js, stream, page.limit, after)
        except Exception as exc:  # NATS unreachable or too slow: say so, never a 500
            raise Problem(
                503, "Dead letters unavailable", "The message broker did not answer; try again."
            ) from exc

    return router
