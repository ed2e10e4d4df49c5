"""Group commit: concurrent requests' writes share one transaction.

A durable write costs a transaction (BEGIN, statements, COMMIT) and, on SQLite, a turn at the one
writer lock. When many requests of the same kind arrive together, writing them one transaction
each makes them queue for that lock and pay every statement once per request. A ``GroupCommit``
collects the requests that arrive while a batch is being written and writes the next ones
together: one transaction, and statements that cover the whole batch (``executemany``).

The batch writer is synchronous SQLAlchemy, run by ``Database.run_transaction``: on SQLite the
whole transaction is one trip to the writer thread instead of one per statement.

What stays true for every caller:
- ``submit`` returns only after the caller's item is committed (or raises its own refusal);
- a refusal of one item (the batch writer returns an exception for it) never stops the others,
  and the writer must not have written anything for a refused item;
- when the batch transaction itself fails (a constraint, a lost connection), nothing of it is
  committed and every item is tried again alone, in its own transaction, so one bad item
  cannot fail its neighbours and each caller gets the answer it would get without batching.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog
from sqlalchemy.orm import Session

from ideapaja_runtime import metrics
from ideapaja_runtime.db import Database

Item = TypeVar("Item")
Result = TypeVar("Result")

# Writes a batch inside the given transaction; one result (or the exception refusing it) per item,
# in order.
BatchWriter = Callable[[Session, Sequence[Item]], Sequence[Result | Exception]]

log = structlog.get_logger(__name__)


@dataclass
class _Waiting(Generic[Item, Result]):
    item: Item
    future: asyncio.Future[Result]


class GroupCommit(Generic[Item, Result]):
    """Writes items submitted concurrently in batches of at most ``max_batch``."""

    def __init__(
        self,
        db: Database,
        write: BatchWriter[Item, Result],
        *,
        max_batch: int = 64,
        name: str = "group-commit",
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.db = db
        self.write = write
        self.max_batch = max_batch
        self.name = name
        self._queue: deque[_Waiting[Item, Result]] = deque()
        self._flusher: asyncio.Task[None] | None = None
        # Figures for the metrics endpoint and the benchmark: how well batching works.
        self.batches = 0
        self.items = 0

    async def submit(self, item: Item) -> Result:
        """Write ``item`` (with whatever else is waiting) and return its result once committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=self.name)
        # Shielded: a caller that goes away (client disconnect) must not cancel the batch that
        # carries other callers' items; its own item is written or refused all the same.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
            try:
                await self._write_batch(batch)
            except BaseException as exc:  # every waiter must hear of it, even of a cancel
                for waiting in batch:
                    if not waiting.future.done():
                        waiting.future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise

    async def _write_batch(self, batch: list[_Waiting[Item, Result]]) -> None:
        items = [waiting.item for waiting in batch]
        try:
            results = await self.db.run_transaction(lambda session: self.write(session, items))
        except Exception as exc:
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
                return
            log.warning(
                "group_commit_batch_failed",
                batch=self.name,
                size=len(batch),
                error=type(exc).__name__,
            )
            for waiting in batch:
                await self._write_batch([waiting])
            return
        if len(results) != len(batch):
            raise RuntimeError(f"{self.name}: {len(results)} results for {len(batch)} items")
        self.batches += 1
        self.items += len(batch)
        metrics.GROUP_COMMIT_BATCH.labels(self.name).observe(len(batch))
        for waiting, result in zip(batch, results, strict=True):
            if waiting.future.done():
                continue
            if isinstance(result, Exception):
                waiting.future.set_exception(result)
            else:
                waiting.future.set_result(result)
