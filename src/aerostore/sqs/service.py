"""QueueService: the embedded queues as an async facade over the store, with long polling.

Long polling never busy-waits. Each queue a receiver waits on has a ``_Signal``: sends,
visibility changes and deletes on a FIFO queue fire it after their commit. A waiter sleeps on
it, with a timer for the next delayed or in-flight message to become visible, and retries a
receive only when woken. The signal's generation, read before each receive attempt, closes the
race with a send that commits between the attempt and the sleep.

A periodic sweep deletes messages past their retention period (a receive never hands one out
even before the sweep reaches it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from aerostore.sqs import attributes as qa
from aerostore.sqs import catalog, errors, names, store, validation
from aerostore.sqs.model import NewMessage, Queue, Received, Sent
from aerostore.sqs.names import DEFAULT_ACCOUNT_ID
from aerostore.storage.meta.db import Database

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 60.0
BatchOutcome = list[errors.SqsError | None]
T = TypeVar("T")


class _Signal:
    """Wakes the receivers waiting on one queue."""

    __slots__ = ("event", "generation")

    def __init__(self) -> None:
        self.generation = 0
        self.event = asyncio.Event()

    def fire(self) -> None:
        self.generation += 1
        self.event.set()
        self.event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout)


class QueueService:
    """The queues of one data directory, in the metadata database ``db``."""

    def __init__(
        self,
        db: Database,
        *,
        region: str,
        account_id: str = DEFAULT_ACCOUNT_ID,
        sweep_interval: float = SWEEP_INTERVAL,
    ) -> None:
        self.db = db
        self.region = region
        self.account_id = account_id
        self.sweep_interval = sweep_interval
        self._signals: dict[str, _Signal] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        self._closed = False
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="aerostore-sqs-sweeper")

    async def close(self) -> None:
        """Stop the sweep and release every long poll (they answer with no messages)."""
        self._closed = True
        for signal in self._signals.values():
            signal.fire()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    # ---- names ----

    def arn(self, name: str) -> str:
        return names.queue_arn(self.region, self.account_id, name)

    def url(self, base: str, name: str) -> str:
        return names.queue_url(base, self.account_id, name)

    def name_for_url(self, url: str) -> str:
        return names.name_from_url(url, self.account_id)

    def queue_name_for_arn(self, arn: str) -> str | None:
        """The name of the existing queue ``arn`` names in this region and account, else None."""
        name = names.name_from_arn(arn, self.region, self.account_id)
        if name is None or catalog.get(self.db.reader(), name) is None:
            return None
        return name

    def notify(self, queue_name: str) -> None:
        """Wake the receivers long-polling ``queue_name``; call on the event loop after a commit."""
        signal = self._signals.get(queue_name)
        if signal is not None:
            signal.fire()

    # ---- queues ----

    def get_queue(self, name: str) -> Queue:
        return catalog.require(self.db.reader(), name)

    async def create_queue(self, name: str, attributes: dict[str, str], tags: dict[str, str]) -> Queue:
        """CreateQueue; idempotent when the attributes asked for match the existing queue's."""
        normalized = self._checked_new(name, attributes)
        queue, _ = await self.db.write(lambda c: catalog.create(c, name, normalized, tags, time.time()))
        return queue

    async def ensure_queue(self, name: str, attributes: dict[str, str]) -> str:
        """Create ``name`` unless it exists (an existing queue is left as it is); return its ARN.

        A RedrivePolicy must name a queue that exists already: create dead-letter queues first.
        """
        wanted = {qa.FIFO_QUEUE: "true", **attributes} if names.is_fifo(name) else dict(attributes)
        normalized = self._checked_new(name, wanted)

        def ensure(conn: sqlite3.Connection) -> None:
            if catalog.get(conn, name) is None:
                catalog.create(conn, name, normalized, {}, time.time())

        await self.db.write(ensure)
        return self.arn(name)

    def _checked_new(self, name: str, attributes: dict[str, str]) -> dict[str, str]:
        names.check_name(name)
        fifo = qa.wants_fifo(attributes)
        qa.check_fifo_name(name, fifo)
        normalized = qa.normalize(attributes, fifo=fifo, creating=True)
        self._check_redrive(name, fifo, normalized)
        return normalized

    async def set_attributes(self, name: str, attributes: dict[str, str]) -> None:
        queue = self.get_queue(name)
        normalized = qa.normalize(attributes, fifo=queue.fifo, creating=False)
        self._check_redrive(name, queue.fifo, normalized)
        await self.db.write(lambda c: catalog.set_attributes(c, name, normalized, time.time()))
        self.notify(name)

    def attributes(self, queue: Queue, wanted: list[str]) -> dict[str, str]:
        """GetQueueAttributes: the stored values, plus the computed ones asked for."""
        result = {}
        requested = qa.requested(wanted, fifo=queue.fifo)
        counts = store.counts(self.db.reader(), queue.id, time.time())
        computed = {
            qa.QUEUE_ARN: self.arn(queue.name),
            qa.CREATED_TIMESTAMP: str(int(queue.created)),
            qa.LAST_MODIFIED_TIMESTAMP: str(int(queue.modified)),
            qa.APPROXIMATE_NUMBER_OF_MESSAGES: str(counts.visible),
            qa.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE: str(counts.in_flight),
            qa.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED: str(counts.delayed),
        }
        for name in requested:
            value = computed.get(name, queue.attributes.get(name))
            if value is not None:
                result[name] = value
        return result

    async def delete_queue(self, name: str) -> None:
        await self.db.write(lambda c: catalog.delete(c, name))
        signal = self._signals.pop(name, None)
        if signal is not None:
            signal.fire()

    async def purge(self, name: str) -> None:
        await self.db.write(lambda c: store.purge(c, name))

    async def tag(self, name: str, tags: dict[str, str]) -> None:
        await self.db.write(lambda c: catalog.tag(c, name, tags))

    async def untag(self, name: str, keys: list[str]) -> None:
        await self.db.write(lambda c: catalog.untag(c, name, keys))

    def list_names(self, prefix: str, after: str, limit: int) -> list[str]:
        return catalog.listing(self.db.reader(), prefix, after, limit)

    def dead_letter_sources(self, name: str) -> list[str]:
        self.get_queue(name)
        return catalog.dead_letter_sources(self.db.reader(), self.arn(name))

    def _check_redrive(self, name: str, fifo: bool, attributes: dict[str, str]) -> None:
        policy = attributes.get(qa.REDRIVE_POLICY)
        if not policy:
            return
        redrive = Queue(0, name, 0, 0, {qa.REDRIVE_POLICY: policy}).redrive
        assert redrive is not None
        target_name = names.name_from_arn(redrive.target_arn, self.region, self.account_id)
        target = catalog.get(self.db.reader(), target_name) if target_name else None
        if target is None:
            raise errors.invalid_value(qa.REDRIVE_POLICY, policy, "Dead-letter target does not exist.")
        if target.fifo != fifo:
            raise errors.invalid_value(
                qa.REDRIVE_POLICY, policy, "Dead-letter queue must be same type of queue as the source."
            )
        if not qa.redrive_allows(target.attributes.get(qa.REDRIVE_ALLOW_POLICY, ""), self.arn(name)):
            raise errors.invalid_value(
                qa.REDRIVE_POLICY,
                policy,
                "The dead-letter queue's RedriveAllowPolicy does not allow this queue.",
            )

    # ---- messages ----

    async def send(self, queue_name: str, body: str) -> str:
        """Send one plain message (no attributes); return its message id."""
        validation.check_body(body)
        message = store.system_message(self.get_queue(queue_name), body)
        (outcome,) = await self.send_messages(queue_name, [message])
        if isinstance(outcome, errors.SqsError):
            raise outcome
        return outcome.message_id

    async def send_messages(self, name: str, messages: list[NewMessage]) -> list[Sent | errors.SqsError]:
        """SendMessage(Batch): answered after the commit; each message may fail on its own."""
        results = await self.db.write(lambda c: store.send_batch(c, name, messages, time.time()))
        if any(isinstance(r, Sent) for r in results):
            self.notify(name)
        return results

    async def receive(
        self, name: str, *, max_messages: int, visibility: int | None, wait: float
    ) -> list[Received]:
        """ReceiveMessage: answer as soon as a message is there, or with none after ``wait`` seconds."""
        queue = self.get_queue(name)
        signal = self._signals.setdefault(name, _Signal())
        dead_letter = self._dead_letter_queue(queue)
        source_arn = self.arn(name)
        deadline = time.monotonic() + wait
        while True:
            generation = signal.generation
            if store.has_visible(self.db.reader(), queue.id, time.time()):
                # Unsynced: a crash may undo a receive, and the message is then simply visible
                # again (as after its visibility timeout); the next durable commit syncs it.
                outcome = await self.db.write(
                    lambda c: store.receive(c, name, max_messages, visibility, time.time(),
                                            dead_letter_queue=dead_letter, source_arn=source_arn),
                    durable=False,
                )  # fmt: skip
                for target in outcome.dead_lettered:
                    self.notify(target)
                if outcome.messages:
                    return outcome.messages
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed:
                return []
            if signal.generation == generation:
                await signal.wait(self._sleep_for(queue, remaining))

    def _sleep_for(self, queue: Queue, remaining: float) -> float:
        now = time.time()
        upcoming = store.next_visible(self.db.reader(), queue.id, now)
        if upcoming is None:
            return remaining
        return min(remaining, max(upcoming - now, 0.001))

    def _dead_letter_queue(self, queue: Queue) -> str | None:
        redrive = queue.redrive
        if redrive is None:
            return None
        return names.name_from_arn(redrive.target_arn, self.region, self.account_id)

    async def delete_messages(self, name: str, handles: list[str]) -> BatchOutcome:
        """DeleteMessage(Batch), one transaction; each handle may fail on its own."""

        fifo = self.get_queue(name).fifo  # a missing queue fails the request, not each entry

        def delete(conn: sqlite3.Connection, handle: str) -> None:
            store.delete(conn, name, handle, time.time())

        outcome = await self.db.write(lambda c: _each(c, handles, delete))
        if fifo:
            self.notify(name)  # the message's group may be unblocked
        return outcome

    async def change_visibility(self, name: str, entries: list[tuple[str, int]]) -> BatchOutcome:
        """ChangeMessageVisibility(Batch), one transaction; each entry may fail on its own."""

        self.get_queue(name)  # a missing queue fails the request, not each entry

        def change(conn: sqlite3.Connection, entry: tuple[str, int]) -> None:
            store.change_visibility(conn, name, entry[0], entry[1], time.time())

        outcome = await self.db.write(lambda c: _each(c, entries, change))
        self.notify(name)
        return outcome

    # ---- retention ----

    async def sweep(self) -> int:
        """Delete every message past its queue's retention period now; return how many."""
        return await self.db.write(lambda c: store.sweep(c, time.time()))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                removed = await self.sweep()
            except Exception:
                log.exception("queue retention sweep failed")
                continue
            if removed:
                log.info("deleted %d messages past their retention period", removed)


def _each(
    conn: sqlite3.Connection, items: Iterable[T], fn: Callable[[sqlite3.Connection, T], None]
) -> BatchOutcome:
    """Apply ``fn`` to each item; an item's SQS error is its outcome and does not stop the others."""
    outcome: BatchOutcome = []
    for item in items:
        try:
            fn(conn, item)
        except errors.SqsError as exc:
            outcome.append(exc)
        else:
            outcome.append(None)
    return outcome
