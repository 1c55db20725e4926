"""The relay: delivers committed outbox rows to their destinations, oldest first, at least once.

One worker per destination ARN. A worker reads the oldest committed rows of its destination,
hands them over, and deletes exactly those rows once the destination has accepted them. For
an embedded queue "hand over" and "delete" are one transaction (the message rows and the
outbox rows live in the same database), so those events arrive exactly once. For an external
target a crash between its acknowledgement and our delete re-sends the batch: at least once,
with each event's ``event_id`` for the target or the consumer to drop repeats.

Workers sleep until a commit that added rows for them wakes them (``Notifier.listen``), or
after a failure until their backoff has passed. Nothing polls in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from aerostore.events import outbox
from aerostore.events.notifier import Notifier
from aerostore.events.outbox import Row
from aerostore.events.targets import Delivery, Target, TargetError
from aerostore.storage.meta.db import Database

log = logging.getLogger(__name__)

BATCH = 100  # rows per delivery
IDLE_CHECK = 30.0  # a sleeping worker looks again this often, whatever woke it or not
EMBEDDED_RETRY = (0.5, 30.0)  # backoff bounds when an embedded delivery fails (disk errors)
WARN_FROM = 1000  # backlog size from which growth is logged, at every doubling


class LocalQueues(Protocol):
    """The embedded queue service as the relay needs it (sqs/service.py)."""

    def queue_name_for_arn(self, arn: str) -> str | None: ...
    def notify(self, queue_name: str) -> None: ...


class Enqueue(Protocol):
    def __call__(self, conn: sqlite3.Connection, queue_name: str, body: str, now: float) -> bool: ...


class Relay:
    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        *,
        queues: LocalQueues | None = None,
        enqueue: Enqueue | None = None,
        targets: Mapping[str, Target] | None = None,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.queues = queues
        self.enqueue = enqueue
        self.targets = dict(targets or {})
        self.delivered = 0
        self._wakeups: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warned: dict[str, int] = {}

    def destination_exists(self, arn: str) -> bool:
        """Whether a notification configuration may name ``arn`` (AWS refuses unknown ones)."""
        if arn in self.targets:
            return True
        return self.queues is not None and self.queues.queue_name_for_arn(arn) is not None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for arn, target in self.targets.items():
            self.notifier.backlog.limits[arn] = target.settings.max_outbox
        self.notifier.listen(self._on_commit)
        for arn, count in outbox.pending_by_target(self.db.reader()).items():
            self.notifier.backlog.set(arn, count)
            self._wake(arn)

    async def close(self) -> None:
        for task in self._workers.values():
            task.cancel()
        for task in self._workers.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        for target in self.targets.values():
            try:
                await target.close()
            except Exception:
                log.exception("closing %s", target.arn)

    def pending(self, arn: str) -> int:
        return self.notifier.backlog.get(arn)

    # ---- waking ----

    def _on_commit(self, added: dict[str, int]) -> None:
        """Writer thread, after a commit that added rows: wake their workers on the loop."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed: shutting down
                self._loop.call_soon_threadsafe(self._wake_all, list(added))

    def _wake_all(self, arns: list[str]) -> None:
        for arn in arns:
            self._wake(arn)

    def _wake(self, arn: str) -> None:
        event = self._wakeups.get(arn)
        if event is None:
            event = self._wakeups[arn] = asyncio.Event()
        event.set()
        task = self._workers.get(arn)
        if task is None or task.done():
            self._workers[arn] = asyncio.create_task(self._work(arn, event), name=f"relay {arn}")

    # ---- one destination ----

    async def _work(self, arn: str, wakeup: asyncio.Event) -> None:
        retry_min, retry_max = self._retry_bounds(arn)
        delay = 0.0
        while True:
            wakeup.clear()  # before reading: a commit after the read sets it again
            rows = outbox.next_batch(self.db.reader(), arn, BATCH)
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), IDLE_CHECK)
                continue
            try:
                await self._deliver(arn, rows)
            except Exception as exc:
                delay = min(retry_max, max(retry_min, delay * 2))
                backlog = self._recount(arn)
                log.warning("delivery to %s failed (%s); %d events wait; retrying in %.1fs",
                            arn, exc, backlog, delay)  # fmt: skip
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            self.delivered += len(rows)
            self.notifier.backlog.add({arn: -len(rows)})
            self._warn_growth(arn)

    def _retry_bounds(self, arn: str) -> tuple[float, float]:
        target = self.targets.get(arn)
        if target is None:
            return EMBEDDED_RETRY
        return target.settings.retry_min, target.settings.retry_max

    async def _deliver(self, arn: str, rows: Sequence[Row]) -> None:
        target = self.targets.get(arn)
        if target is not None:
            await target.deliver([Delivery(r.event_id, r.payload) for r in rows])
            # Unsynced: if a crash undoes the delete, the rows are delivered again (at least once).
            await self.db.write(lambda c: outbox.remove(c, arn, rows), durable=False)
            return
        queue = self.queues.queue_name_for_arn(arn) if self.queues is not None else None
        if queue is None or self.enqueue is None:
            if arn.startswith("arn:aerostore:"):
                raise TargetError(f"no target {arn} is configured; its events wait for it")
            # The embedded queue was deleted after the configuration named it: as on AWS, its
            # events have nowhere to go. Drop them, loudly.
            log.warning("queue %s does not exist: dropping %d events", arn, len(rows))
            await self.db.write(lambda c: outbox.remove(c, arn, rows))
            return
        enqueue = self.enqueue

        def move(conn: sqlite3.Connection) -> None:
            now = time.time()
            for row in rows:
                enqueue(conn, queue, row.payload, now)
            outbox.remove(conn, arn, rows)

        # Unsynced: a crash undoes the move as a whole (messages and outbox delete together), and
        # the rows are moved again; a consumer's durable delete syncs everything before it.
        await self.db.write(move, durable=False)
        if self.queues is not None:
            self.queues.notify(queue)

    def _recount(self, arn: str) -> int:
        count = outbox.pending_for(self.db.reader(), arn)
        self.notifier.backlog.set(arn, count)
        self._warn_growth(arn)
        return count

    def _warn_growth(self, arn: str) -> None:
        count = self.notifier.backlog.get(arn)
        mark = self._warned.get(arn, WARN_FROM)
        if count >= mark:
            log.warning("outbox for %s holds %d undelivered events", arn, count)
            self._warned[arn] = mark * 2
        elif count < WARN_FROM:
            self._warned.pop(arn, None)
