"""The fetch loop of one durable pull consumer, on nats-py.

It fetches what is waiting, up to ``consumer_batch_size`` messages, and hands the batch to its
``ConsumerProcessor`` (one transaction, then the acks). nats-py's ``fetch`` returns as soon as
anything is there, so a lone event is handled at once; it waits (long poll, ``fetch_timeout``)
only when nothing is. FastStream's subscribers are not used here: its batch subscriber keeps
fetching until the batch is full or the timeout has passed (every quiet-time event would wait
the whole timeout), and its plain pull subscriber runs fetched messages concurrently, each in
its own transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ideapaja_runtime.durables import ensure_durable
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import ConsumerProcessor
from ideapaja_runtime.nats_permissions import inbox_prefix

log = get_logger(__name__)

# After a failed fetch (server restarting, JetStream unavailable), wait this long, growing.
_ERROR_PAUSES = (0.2, 0.5, 1.0, 2.0, 5.0)


def consumer_config(processor: ConsumerProcessor) -> ConsumerConfig:
    settings = processor.settings
    return ConsumerConfig(
        name=processor.consumer,
        durable_name=processor.consumer,
        description=f"{processor.service} consumes "
        + ", ".join(cls.event_type() for cls in processor.subscription.handlers),
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=settings.ack_wait_seconds,
        # One more than ours: the last delivery must reach us to be dead-lettered.
        max_deliver=max(settings.max_deliver, settings.retry_later_max_deliver) + 1,
        deliver_policy=(
            DeliverPolicy.NEW if processor.subscription.new_events_only else DeliverPolicy.ALL
        ),
        filter_subject=processor.subscription.subject,
    )


class PullConsumer:
    def __init__(self, processor: ConsumerProcessor, js: JetStreamContext) -> None:
        self.processor = processor
        self.js = js
        settings = processor.settings
        sub = processor.subscription
        self.stream = settings.lifecycle_stream if sub.stream == "lifecycle" else settings.hr_stream
        self.batch_size = settings.consumer_batch_size
        self.fetch_timeout = settings.fetch_timeout_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Any = None

    async def start(self) -> None:
        """Create (or update and bind to) the durable consumer, then fetch in the background."""
        await self._subscribe()
        self._task = asyncio.create_task(self._run(), name=f"consume-{self.processor.consumer}")

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109
        """Graceful: no new fetch; the batch in hand is finished and acked. A fetch waiting for
        messages ends within ``fetch_timeout``; what it receives meanwhile is still handled."""
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            # Past the shutdown budget: what is unacked is redelivered after ack_wait.
            log.warning("consumer_stop_timed_out", consumer=self.processor.consumer)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._subscription.unsubscribe()

    async def _subscribe(self) -> None:
        """Create the durable or bring its settings up to date (one consumer-info request, as
        nats-py's ``pull_subscribe`` made), then bind to it."""
        processor = self.processor
        await ensure_durable(self.js, self.stream, consumer_config(processor))
        self._subscription = await self.js.pull_subscribe_bind(
            durable=processor.consumer,
            stream=self.stream,
            # Fetched messages arrive on the service's private inbox (NATS permissions allow
            # only it).
            inbox_prefix=f"{inbox_prefix(processor.service)}.".encode(),
        )

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            if self._subscription is None:
                # Dropped after failed fetches: bind again before fetching (a fetch on the
                # dropped subscription would wait for ever, its pull requests unanswered).
                try:
                    await self._subscribe()
                except Exception as exc:
                    failures += 1
                    log.warning(
                        "consumer_resubscribe_failed",
                        consumer=self.processor.consumer,
                        error=repr(exc),
                        retry_in=self._pause_for(failures),
                    )
                    await self._pause(failures)
                    continue
                log.info("consumer_resubscribed", consumer=self.processor.consumer)
            try:
                messages = await self._subscription.fetch(
                    batch=self.batch_size, timeout=self.fetch_timeout
                )
            except (NatsTimeout, TimeoutError):
                continue  # nothing waiting: ask again (a long poll, not a spin)
            except Exception as exc:
                failures += 1
                await self._pause_after(exc, failures)
                continue
            failures = 0
            try:
                await self.processor.process_batch(messages)
            except Exception as exc:  # acks/NAKs lost with the connection: redelivered later
                log.error(
                    "consumer_batch_failed", consumer=self.processor.consumer, error=repr(exc)
                )

    @staticmethod
    def _pause_for(failures: int) -> float:
        return _ERROR_PAUSES[min(failures, len(_ERROR_PAUSES)) - 1]

    async def _pause(self, failures: int) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self._pause_for(failures))

    async def _pause_after(self, exc: Exception, failures: int) -> None:
        log.warning(
            "consumer_fetch_failed",
            consumer=self.processor.consumer,
            error=repr(exc),
            retry_in=self._pause_for(failures),
        )
        await self._pause(failures)
        if failures >= 3 and not self._stopping.is_set():
            # The consumer may be gone (stream recreated, server state lost) or its leader moved
            # (a cluster node died): drop the subscription; the loop binds again, which creates
            # the consumer if it is missing, and keeps trying until it can.
            dropped, self._subscription = self._subscription, None
            with contextlib.suppress(Exception):
                await dropped.unsubscribe()
