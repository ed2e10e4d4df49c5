"""Consuming events reliably: durable pull consumers with explicit acks, in batches.

A consumer fetches what is waiting (up to ``consumer_batch_size`` messages, without waiting for
more) and handles the batch in **one transaction**: one inbox query for the batch, each event's
handler in order with its own unit of work, one multi-row inbox insert, one commit; then each
message is acked. Per-event cost is what the handler does, not a transaction, a commit and a
round of thread hops each (measured: see runtime/README.md).

Every delivery ends in exactly one explicit decision, never in a library default:
- handled (or already handled, per the inbox): ``ack``, after the commit;
- handler error: ``nak`` with a growing delay, until ``max_deliver``; then dead-lettered. If any
  handler of a batch fails (or the batch's commit does), nothing of the batch is kept and each of
  its events is handled again alone, in its own transaction, so an event is retried or
  dead-lettered for its own error only and never for a neighbour's;
- ``RetryLater`` (what it needs has not arrived yet): ``nak`` after short delays at first, then
  every ``retry_later_delay_seconds``, until ``retry_later_max_deliver``; then dead-lettered;
- not a valid event (bad envelope, unknown type, body not matching the contract): dead-lettered at
  once, because retrying cannot fix it. Dead letters are copied to the dead-letter stream with the
  reason, then the original is terminated;
- the service's database not answering (stopped, failing over, unreachable): not the event's
  fault, so it spends none of its budget. The consumer holds the events in hand (in progress,
  so JetStream does not redeliver them meanwhile), fetches nothing more, and handles them again
  once the database answers: an outage of any length dead-letters nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.header import Header, decode_header
from typing import Any, Literal

import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from ideapaja_contracts import EVENTS_BY_TYPE, Envelope, EnvelopeError, Event, decode
from ideapaja_contracts.streams import dead_letter_subject
from ideapaja_runtime import inbox, metrics
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.uow import EventUnitOfWork, event_unit

log = get_logger(__name__)

DLQ_REASON = "Ideapaja-Dead-Letter-Reason"
DLQ_ORIGINAL_SUBJECT = "Ideapaja-Original-Subject"
DLQ_ORIGINAL_STREAM = "Ideapaja-Original-Stream"
DLQ_ORIGINAL_SEQ = "Ideapaja-Original-Seq"
DLQ_CONSUMER = "Ideapaja-Consumer"
DLQ_DELIVERIES = "Ideapaja-Deliveries"


def header_text(value: Any) -> str:
    """A header value as text.

    nats-py parses the headers of ``get_msg`` with ``email``'s compat32 parser, which hands back
    non-ASCII values (a reason quoting Finnish input, say) as ``email.header.Header`` objects of
    unknown-8bit bytes; they were sent as UTF-8.
    """
    if value is None:
        return ""
    if isinstance(value, Header):
        return "".join(
            chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else str(chunk)
            for chunk, _charset in decode_header(value)
        )
    text = str(value)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text


class RetryLater(Exception):
    """Raise from a handler when the event cannot be handled *yet* (e.g. an event it depends on
    has not arrived). It is redelivered soon, then less often (``retry_later_delay``), with a
    budget of its own (``retry_later_max_deliver``), then dead-lettered."""


# A handler's unit of work: ``ctx.session``, ``ctx.now``, ``ctx.publish(event)``, ``ctx.settings``,
# ``ctx.envelope`` (the event's CloudEvents envelope). The same object a route hands a use case.
HandlerContext = EventUnitOfWork[Any]


Handler = Callable[[Any, HandlerContext], Awaitable[None]]
# The event types a consumer has work for at the moment (see ``Subscription.interest``).
Interest = Callable[[], Awaitable[Container[str]]]


@dataclass(frozen=True)
class Subscription:
    """A durable consumer of one subject, dispatching by event type to handlers.

    Types the subject carries that are not in ``handlers`` are acknowledged and skipped, told by
    the message's ``ce-type`` header without decoding the body (a type the contracts do not
    know, or one on another type's subject, is still decoded, and dead-lettered if invalid).

    ``interest``, if given, is asked once per fetched batch, before its transaction, which of the
    handled types have work at the moment (a read of the service's configuration, e.g. the
    webhook endpoints); the others are skipped the same way, at the cost of that read instead of
    a write transaction, an inbox row and a commit each. An event skipped so is not recorded in
    the inbox: delivered again later (a replay), it is asked about again.
    """

    name: str
    handlers: Mapping[type[Event], Handler]
    stream: Literal["lifecycle", "hr"] = "lifecycle"
    subject: str = field(default="")
    # A consumer created on a stream that already has history starts from its end: for effects
    # that must not be replayed on a first deployment (e-mailing people about old decisions).
    # Projections (org data, idea content) leave this False and read the whole history.
    new_events_only: bool = False
    interest: Interest | None = None

    def __post_init__(self) -> None:
        patterns = {cls.subject_pattern() for cls in self.handlers}
        if not self.subject:
            if len(patterns) != 1:
                raise ValueError(f"{self.name}: handlers span {patterns}; give a subject")
            object.__setattr__(self, "subject", patterns.pop())


@dataclass
class Delivery:
    """One fetched message on its way through a batch: decoded, with its handler."""

    msg: Msg
    delivered: int
    envelope: Envelope
    event: Event
    handler: Handler
    first_time: bool = False


def retry_later_delay(delivered: int, settings: ServiceSettings) -> float:
    """The NAK delay (seconds) after delivery ``delivered`` (1-based) raised ``RetryLater``.

    What an event waits for is usually milliseconds behind it (a projection by another consumer
    of the same service), so the first retries come quickly (``retry_later_first_delays``), then
    every ``retry_later_delay_seconds`` (another service down). None is longer than that.
    """
    steady = settings.retry_later_delay_seconds
    first = settings.retry_later_first_delays
    if 1 <= delivered <= len(first):
        return min(first[delivered - 1], steady)
    return steady


class ConsumerProcessor:
    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription,
        settings: ServiceSettings,
        db: Database,
        outbox: Outbox,
        js: JetStreamContext,
        clock: Clock = utc_now,
    ) -> None:
        self.service = service
        self.subscription = subscription
        self.consumer = f"{service}-{subscription.name}"
        self.settings = settings
        self.db = db
        self.outbox = outbox
        self.js = js
        self.clock = clock
        self.handlers = dict(subscription.handlers)
        self.handled_types = frozenset(cls.event_type() for cls in self.handlers)

    def redelivery_delay(self, delivered: int) -> float:
        backoff = self.settings.redelivery_backoff or [1.0]
        return backoff[min(delivered, len(backoff)) - 1]

    async def process_batch(self, messages: Sequence[Msg]) -> None:
        """Handle fetched messages in order; each ends acked, NAKed or dead-lettered."""
        wanted = await self._interest()
        deliveries = [d for msg in messages if (d := await self._admit(msg, wanted)) is not None]
        if len(deliveries) > 1:
            try:
                await self._handle_together(deliveries)
            except Exception as exc:
                log.info(
                    "event_batch_handled_one_by_one",
                    consumer=self.consumer,
                    size=len(deliveries),
                    error=_describe(exc),
                )
            else:
                for delivery in deliveries:
                    await self._done(delivery)
                return
        for index, delivery in enumerate(deliveries):
            while True:
                try:
                    await self._handle_together([delivery])
                except Exception as exc:
                    if not isinstance(exc, RetryLater) and await self._outlast_database_outage(
                        deliveries[index:], exc
                    ):
                        continue
                    await self._failed(delivery, exc)
                    break
                await self._done(delivery)
                break

    async def _outlast_database_outage(self, held: Sequence[Delivery], exc: Exception) -> bool:
        """After a failure: if the database does not answer either, wait until it does (the
        ``held`` messages kept in progress meanwhile) and say so; False if it answers (the
        failure is the event's own)."""
        if await self.db.answers():
            return False
        started = time.monotonic()
        log.warning(
            "consumer_waiting_for_database",
            consumer=self.consumer,
            events_held=len(held),
            error=_describe(exc),
        )
        metrics.CONSUMERS_WAITING_FOR_DATABASE.inc()
        try:
            pause, touched = 0.5, time.monotonic()
            while True:
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
                if time.monotonic() - touched >= self.settings.ack_wait_seconds / 3:
                    for delivery in held:  # else JetStream redelivers them to nobody
                        with contextlib.suppress(Exception):
                            await delivery.msg.in_progress()
                    touched = time.monotonic()
                if await self.db.answers():
                    break
        finally:
            metrics.CONSUMERS_WAITING_FOR_DATABASE.dec()
        log.info(
            "consumer_database_back",
            consumer=self.consumer,
            waited_seconds=round(time.monotonic() - started, 1),
        )
        return True

    async def _interest(self) -> Container[str]:
        """The handled types with work at the moment (all of them unless the subscription has
        an ``interest``; all of them too if asking fails: the batch's own transaction then
        meets the failure, and the usual retry or outage handling applies)."""
        interest = self.subscription.interest
        if interest is None:
            return self.handled_types
        try:
            return await interest()
        except Exception as exc:
            log.warning("consumer_interest_failed", consumer=self.consumer, error=repr(exc))
            return self.handled_types

    async def _admit(self, msg: Msg, wanted: Container[str]) -> Delivery | None:
        """Ack ``msg`` unread if its type is known and not ``wanted`` here; decode it,
        dead-lettering it if it is no valid event. Returns what is left to handle."""
        event_type = (msg.headers or {}).get("ce-type")
        if (
            event_type in _PATTERNS
            and (event_type not in self.handled_types or event_type not in wanted)
            and _on_its_subject(event_type, msg.subject)
        ):
            await self._skip(msg)
            return None
        delivered, _, _ = _delivery_info(msg)
        with self._bound(msg, delivered):
            try:
                envelope, event = decode(msg.headers, msg.data)
            except (EnvelopeError, ValidationError) as exc:
                await self.dead_letter(msg, delivered, f"invalid event: {_describe(exc)}")
                return None
            handler = self.handlers.get(type(event))
            if handler is None:
                await self._skip(msg)
                return None
        return Delivery(msg, delivered, envelope, event, handler)

    async def _skip(self, msg: Msg) -> None:
        metrics.EVENTS_CONSUMED.labels(self.consumer, "skipped").inc()
        await msg.ack()

    async def _handle_together(self, deliveries: Sequence[Delivery]) -> None:
        """One transaction for ``deliveries``: the inbox says which are new, their handlers run
        in order, the new ones are recorded; committed when this returns, nothing kept if it
        raises."""
        async with self.db.transaction() as session:
            seen = await inbox.handled_among(
                session, consumer=self.consumer, event_ids=(d.envelope.id for d in deliveries)
            )
            fresh: list[tuple[str, str]] = []
            for delivery in deliveries:
                envelope = delivery.envelope
                delivery.first_time = envelope.id not in seen
                if not delivery.first_time:
                    continue
                seen.add(envelope.id)
                started = time.perf_counter()
                with self._bound(delivery.msg, delivery.delivered):
                    uow = event_unit(
                        session, self.settings, self.outbox, envelope, clock=self.clock
                    )
                    try:
                        await delivery.handler(delivery.event, uow)
                    finally:
                        metrics.HANDLER_SECONDS.labels(self.consumer).observe(
                            time.perf_counter() - started
                        )
                fresh.append((envelope.id, envelope.type))
            await inbox.record(session, consumer=self.consumer, events=fresh)

    async def _done(self, delivery: Delivery) -> None:
        outcome = "handled" if delivery.first_time else "duplicate"
        metrics.EVENTS_CONSUMED.labels(self.consumer, outcome).inc()
        with self._bound(delivery.msg, delivery.delivered):
            log.info("event_" + outcome)
        await delivery.msg.ack()

    async def _failed(self, delivery: Delivery, exc: Exception) -> None:
        """NAK with back-off, or dead-letter once its budget is spent."""
        with self._bound(delivery.msg, delivery.delivered):
            msg, delivered = delivery.msg, delivery.delivered
            waiting = isinstance(exc, RetryLater)
            budget = self.settings.retry_later_max_deliver if waiting else self.settings.max_deliver
            if delivered >= budget:
                await self.dead_letter(
                    msg, delivered, f"handler failed {delivered} times: {_describe(exc)}"
                )
                return
            delay = (
                retry_later_delay(delivered, self.settings)
                if waiting
                else self.redelivery_delay(delivered)
            )
            metrics.EVENTS_CONSUMED.labels(self.consumer, "retried").inc()
            log.warning(
                "event_handler_failed", error=_describe(exc), retry_in=delay, exc_info=not waiting
            )
            await msg.nak(delay=delay)

    @contextmanager
    def _bound(self, msg: Msg, delivered: int) -> Iterator[None]:
        """Every log line about one event names it: consumer, subject, event id, type, trace."""
        headers = msg.headers or {}
        structlog.contextvars.bind_contextvars(
            consumer=self.consumer,
            nats_subject=msg.subject,
            event_id=headers.get("ce-id"),
            event_type=headers.get("ce-type"),
            trace_id=_trace_id(headers.get("traceparent")),
            delivery=delivered,
        )
        try:
            yield
        finally:
            structlog.contextvars.unbind_contextvars(
                "consumer", "nats_subject", "event_id", "event_type", "trace_id", "delivery"
            )

    async def dead_letter(self, msg: Msg, delivered: int, reason: str) -> None:
        """Copy the message with its reason to the dead-letter stream, then terminate it.

        If the copy cannot be stored the message is NAKed instead: it is never dropped unseen.
        """
        _, original_stream, original_seq = _delivery_info(msg)
        headers = {k: v for k, v in (msg.headers or {}).items() if k != "Nats-Msg-Id"}
        headers.update(
            {
                DLQ_REASON: reason[:2000],
                DLQ_ORIGINAL_SUBJECT: msg.subject,
                DLQ_ORIGINAL_STREAM: original_stream,
                DLQ_ORIGINAL_SEQ: str(original_seq),
                DLQ_CONSUMER: self.consumer,
                DLQ_DELIVERIES: str(delivered),
                "Nats-Msg-Id": f"dlq-{self.consumer}-{original_stream}-{original_seq}",
            }
        )
        try:
            await self.js.publish(
                dead_letter_subject(self.service, self.subscription.name),
                msg.data,
                headers=headers,
                stream=self.settings.dead_letter_stream,
                timeout=self.settings.publish_timeout_seconds,
            )
        except Exception as exc:
            log.error("dead_letter_publish_failed", error=repr(exc), reason=reason)
            await msg.nak(delay=self.redelivery_delay(delivered))
            return
        metrics.DEAD_LETTERS.labels(self.consumer).inc()
        metrics.EVENTS_CONSUMED.labels(self.consumer, "dead_lettered").inc()
        log.error("event_dead_lettered", reason=reason)
        await msg.term()


# Each contract type's subject (lifecycle) or subject wildcard (HR records: ``hr.person.*``).
_PATTERNS = {event_type: cls.subject_pattern() for event_type, cls in EVENTS_BY_TYPE.items()}


def _on_its_subject(event_type: str, subject: str) -> bool:
    """Whether the message is on its type's own subject: one that claims another type's name
    is read (and dead-lettered if its body does not match), not skipped unread."""
    pattern = _PATTERNS[event_type]
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return subject.startswith(prefix) and "." not in subject[len(prefix) :]
    return subject == pattern


def _delivery_info(raw: Msg) -> tuple[int, str, int]:
    """(delivery count, stream, stream sequence). A message without JetStream metadata (a
    test's in-memory message) counts as a first delivery, so handler logic is testable."""
    try:
        meta = raw.metadata
    except Exception:
        return 1, "", 0
    return meta.num_delivered or 1, meta.stream, meta.sequence.stream


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        errors = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        return f"ValidationError: {errors}"
    return f"{type(exc).__name__}: {exc}"


def _trace_id(traceparent: str | None) -> str | None:
    if traceparent and traceparent.count("-") == 3:
        return traceparent.split("-")[1]
    return None
