"""Consuming events reliably: durable pull consumers with explicit acks.

Every delivery ends in exactly one explicit decision, never in a library default:
- handled (or already handled, per the inbox): ``ack``;
- handler error: ``nak`` with a growing delay, until ``max_deliver``; then dead-lettered;
- not a valid event (bad envelope, unknown type, body not matching the contract): dead-lettered at
  once, because retrying cannot fix it. Dead letters are copied to the dead-letter stream with the
  reason, then the original is terminated.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from pydantic import ValidationError

from ideapaja_contracts import EnvelopeError, Event, decode
from ideapaja_contracts.streams import dead_letter_subject
from ideapaja_runtime import inbox, metrics
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.nats_permissions import inbox_prefix
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.uow import EventUnitOfWork, open_event_unit

log = get_logger(__name__)

DLQ_REASON = "Ideapaja-Dead-Letter-Reason"
DLQ_ORIGINAL_SUBJECT = "Ideapaja-Original-Subject"
DLQ_ORIGINAL_STREAM = "Ideapaja-Original-Stream"
DLQ_ORIGINAL_SEQ = "Ideapaja-Original-Seq"
DLQ_CONSUMER = "Ideapaja-Consumer"
DLQ_DELIVERIES = "Ideapaja-Deliveries"


class RetryLater(Exception):
    """Raise from a handler when the event cannot be handled *yet* (e.g. an event it depends on
    has not arrived). It is redelivered with back-off like any error, then dead-lettered."""


# A handler's unit of work: ``ctx.session``, ``ctx.now``, ``ctx.publish(event)``, ``ctx.settings``,
# ``ctx.envelope`` (the event's CloudEvents envelope). The same object a route hands a use case.
HandlerContext = EventUnitOfWork[Any]


Handler = Callable[[Any, HandlerContext], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A durable consumer of one subject, dispatching by event type to handlers.

    Types the subject carries that are not in ``handlers`` are acknowledged and skipped.
    """

    name: str
    handlers: Mapping[type[Event], Handler]
    stream: Literal["lifecycle", "hr"] = "lifecycle"
    subject: str = field(default="")
    # A consumer created on a stream that already has history starts from its end: for effects
    # that must not be replayed on a first deployment (e-mailing people about old decisions).
    # Projections (org data, idea content) leave this False and read the whole history.
    new_events_only: bool = False

    def __post_init__(self) -> None:
        patterns = {cls.subject_pattern() for cls in self.handlers}
        if not self.subject:
            if len(patterns) != 1:
                raise ValueError(f"{self.name}: handlers span {patterns}; give a subject")
            object.__setattr__(self, "subject", patterns.pop())


async def _raw_body(msg: Any) -> Any:
    """Hand the handler undecoded bytes: decoding is ours, so a malformed body is dead-lettered
    with its reason instead of failing inside the framework."""
    return msg.body


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

    def redelivery_delay(self, delivered: int) -> float:
        backoff = self.settings.redelivery_backoff or [1.0]
        return backoff[min(delivered, len(backoff)) - 1]

    async def process(self, message: NatsMessage) -> None:
        raw: Msg = message.raw_message
        delivered, _, _ = _delivery_info(raw)
        headers = raw.headers or {}
        structlog.contextvars.bind_contextvars(
            consumer=self.consumer,
            nats_subject=raw.subject,
            event_id=headers.get("ce-id"),
            event_type=headers.get("ce-type"),
            trace_id=_trace_id(headers.get("traceparent")),
            delivery=delivered,
        )
        try:
            await self._process(message, raw, delivered)
        finally:
            structlog.contextvars.unbind_contextvars(
                "consumer", "nats_subject", "event_id", "event_type", "trace_id", "delivery"
            )

    async def _process(self, message: NatsMessage, raw: Msg, delivered: int) -> None:
        try:
            envelope, event = decode(raw.headers, raw.data)
        except (EnvelopeError, ValidationError) as exc:
            await self.dead_letter(message, raw, delivered, f"invalid event: {_describe(exc)}")
            return
        handler = self.handlers.get(type(event))
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self.consumer, "skipped").inc()
            await message.ack()
            return
        started = time.perf_counter()
        try:
            async with open_event_unit(
                self.db, self.settings, self.outbox, envelope, clock=self.clock
            ) as uow:
                first_time = await inbox.claim(
                    uow.session,
                    consumer=self.consumer,
                    event_id=envelope.id,
                    event_type=envelope.type,
                )
                if first_time:
                    await handler(event, uow)
        except Exception as exc:
            waiting = isinstance(exc, RetryLater)
            budget = self.settings.retry_later_max_deliver if waiting else self.settings.max_deliver
            if delivered >= budget:
                await self.dead_letter(
                    message, raw, delivered, f"handler failed {delivered} times: {_describe(exc)}"
                )
                return
            delay = (
                self.settings.retry_later_delay_seconds
                if waiting
                else self.redelivery_delay(delivered)
            )
            metrics.EVENTS_CONSUMED.labels(self.consumer, "retried").inc()
            log.warning(
                "event_handler_failed",
                error=_describe(exc),
                retry_in=delay,
                exc_info=not waiting,
            )
            await message.nack(delay=delay)
            return
        finally:
            metrics.HANDLER_SECONDS.labels(self.consumer).observe(time.perf_counter() - started)
        outcome = "handled" if first_time else "duplicate"
        metrics.EVENTS_CONSUMED.labels(self.consumer, outcome).inc()
        log.info("event_" + outcome)
        await message.ack()

    async def dead_letter(
        self, message: NatsMessage, raw: Msg, delivered: int, reason: str
    ) -> None:
        """Copy the message with its reason to the dead-letter stream, then terminate it.

        If the copy cannot be stored the message is NAKed instead: it is never dropped unseen.
        """
        _, original_stream, original_seq = _delivery_info(raw)
        headers = {k: v for k, v in (raw.headers or {}).items() if k != "Nats-Msg-Id"}
        headers.update(
            {
                DLQ_REASON: reason[:2000],
                DLQ_ORIGINAL_SUBJECT: raw.subject,
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
                raw.data,
                headers=headers,
                stream=self.settings.dead_letter_stream,
                timeout=self.settings.publish_timeout_seconds,
            )
        except Exception as exc:
            log.error("dead_letter_publish_failed", error=repr(exc), reason=reason)
            await message.nack(delay=self.redelivery_delay(delivered))
            return
        metrics.DEAD_LETTERS.labels(self.consumer).inc()
        metrics.EVENTS_CONSUMED.labels(self.consumer, "dead_lettered").inc()
        log.error("event_dead_lettered", reason=reason)
        await message.reject()


def _delivery_info(raw: Msg) -> tuple[int, str, int]:
    """(delivery count, stream, stream sequence). FastStream's in-memory TestNatsBroker has no
    JetStream metadata; treat its messages as first deliveries so handler logic is testable."""
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


def register_subscription(
    broker: NatsBroker,
    processor: ConsumerProcessor,
) -> None:
    """Attach a durable pull consumer for ``processor`` to the FastStream broker."""
    settings = processor.settings
    sub = processor.subscription
    stream = settings.lifecycle_stream if sub.stream == "lifecycle" else settings.hr_stream

    async def on_message(body: Any, message: NatsMessage) -> None:
        await processor.process(message)

    broker.subscriber(
        sub.subject,
        stream=JStream(stream, declare=False),
        durable=processor.consumer,
        pull_sub=PullSub(batch_size=1, timeout=settings.fetch_timeout_seconds),
        config=ConsumerConfig(
            ack_wait=settings.ack_wait_seconds,
            # One more than ours: the last delivery must reach us to be dead-lettered.
            max_deliver=max(settings.max_deliver, settings.retry_later_max_deliver) + 1,
            deliver_policy=DeliverPolicy.NEW if sub.new_events_only else DeliverPolicy.ALL,
        ),
        decoder=_raw_body,
        # Fetched messages arrive on the service's private inbox (NATS permissions allow only it).
        inbox_prefix=f"{inbox_prefix(processor.service)}.".encode(),
        ack_policy=AckPolicy.MANUAL,
        title=processor.consumer,
        description=f"{processor.service} consumes "
        + ", ".join(cls.event_type() for cls in sub.handlers),
    )(on_message)
