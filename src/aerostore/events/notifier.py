"""Turns committed object changes into outbox rows, in the transaction of the change.

The engine wraps each write job with ``Notifier.emitting``: the wrapped job makes its change,
then writes an outbox row for every matching notification configuration, then asks the
database to wake the relay once the transaction has committed. Who made the change comes from
``current_origin``, which the S3 API sets for the request being served.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TypeVar

from aerostore.events import filters, outbox
from aerostore.events.model import Origin
from aerostore.events.outbox import Change
from aerostore.s3 import errors
from aerostore.storage import buckets
from aerostore.storage.meta.db import Database

T = TypeVar("T")
log = logging.getLogger(__name__)

Listener = Callable[[dict[str, int]], None]

current_origin: ContextVar[Origin | None] = ContextVar("aerostore_event_origin", default=None)


def system_origin(region: str) -> Origin:
    """Changes aerostore makes itself (lifecycle, workers in-process) without a request."""
    request_id = os.urandom(8).hex().upper()
    return Origin(region, request_id, "", "aerostore", "", "127.0.0.1")


class Backlog:
    """Rows waiting per destination, and the limit past which new events for it are refused.

    Refusing the write (503 SlowDown) keeps "nothing acknowledged is lost" true for events too:
    an unreachable target holds at most ``limit`` events, and a client retries the rest.
    Updated from the writer thread and the loop, hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.limits: dict[str, int] = {}

    def check(self, targets: Iterable[str]) -> None:
        with self._lock:
            for target in targets:
                limit = self.limits.get(target)
                if limit is not None and self.counts.get(target, 0) >= limit:
                    log.warning("outbox for %s is full (%d events): refusing new changes", target, limit)
                    raise errors.SlowDown(
                        f"Event destination {target} is not accepting events; try again later."
                    )

    def add(self, added: dict[str, int]) -> None:
        with self._lock:
            for target, n in added.items():
                self.counts[target] = self.counts.get(target, 0) + n

    def set(self, target: str, count: int) -> None:
        with self._lock:
            self.counts[target] = count

    def get(self, target: str) -> int:
        with self._lock:
            return self.counts.get(target, 0)


class Notifier:
    def __init__(self, db: Database, region: str) -> None:
        self.db = db
        self.region = region
        self.backlog = Backlog()
        self._configs = outbox.configurations()
        self._sequencer = outbox.Sequencer()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """``listener(rows added per destination)`` runs on the writer thread after each commit."""
        self._listeners.append(listener)

    def origin(self) -> Origin:
        return current_origin.get() or system_origin(self.region)

    def emitting(
        self, bucket: str, job: Callable[[sqlite3.Connection], T], changes: Callable[[T], Iterable[Change]]
    ) -> Callable[[sqlite3.Connection], T]:
        """``job`` followed, in its transaction, by the outbox rows of ``changes(result)``."""
        origin = self.origin()

        def run(conn: sqlite3.Connection) -> T:
            result = job(conn)
            config = self._configs.load(conn, bucket)
            if config is None or not config.queues:
                return result
            added = outbox.record(conn, config, bucket, changes(result), origin, self._sequencer, time.time())
            self._committed(added)
            return result

        return run

    def _committed(self, added: dict[str, int]) -> None:
        if not added:
            return
        self.backlog.check(added)
        self.backlog.add(added)  # counted now; the job is last in its savepoint and rarely undone

        def wake() -> None:
            for listener in self._listeners:
                listener(added)

        self.db.on_commit(wake)

    # ---- the configuration ----

    async def put_configuration(
        self, bucket: str, config: filters.NotificationConfiguration, *, test_event: bool = True
    ) -> None:
        """Save (or with no queues, clear) the configuration and queue the ``s3:TestEvent``s."""
        origin = self.origin()
        text = json.dumps(outbox.to_plain(config), separators=(",", ":"))

        def job(conn: sqlite3.Connection) -> None:
            buckets.set_config(conn, bucket, outbox.CONFIG_NAME, text if config.queues else None)
            if test_event:
                self._committed(outbox.record_test_events(conn, config, bucket, origin, time.time()))

        await self.db.write(job)

    def get_configuration(self, bucket: str) -> filters.NotificationConfiguration:
        """The bucket's configuration; empty when none was set (AWS answers an empty document)."""
        return self._configs.load(self.db.reader(), bucket) or filters.NotificationConfiguration()
