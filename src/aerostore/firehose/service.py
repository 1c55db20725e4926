"""FirehoseService: the delivery streams of one data directory, their buffer and delivery loops.

Records are committed to SQLite (``firehose_records``) before PutRecord answers; the writer's
group commit makes one fsync acknowledge many callers. One task per stream watches its buffer
and delivers when it holds ``SizeInMBs`` or its oldest record is ``IntervalInSeconds`` old
(delivery.py). ``close`` delivers everything buffered before it returns (graceful stop); what a
crash leaves in the buffer is delivered after the restart, by the same loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aerostore.firehose import delivery, model, store
from aerostore.firehose.errors import ResourceInUseException, ResourceNotFoundException
from aerostore.firehose.parquet import Record
from aerostore.firehose.schema import Codec, resolve
from aerostore.storage.meta.db import Database

log = logging.getLogger("aerostore.firehose")

DEFAULT_ACCOUNT_ID = "000000000000"
TICK = 0.25  # how often a loop looks at its buffer
RETRY_MIN, RETRY_MAX = 1.0, 60.0


@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    created: float
    destination: model.Destination
    codec: Codec | None


class FirehoseService:
    """``s3_client`` makes the boto3 S3 client deliveries write with (called once, at start)."""

    def __init__(self, db: Database, s3_client: Callable[[], Any], *, region: str,
                 account_id: str = DEFAULT_ACCOUNT_ID, interval_override: float | None = None,
                 builtin: dict[str, dict[str, Any]] | None = None) -> None:  # fmt: skip
        self.db, self.region, self.account_id = db, region, account_id
        self.interval_override = interval_override
        self.builtin = builtin or {}
        self._make_s3 = s3_client
        self.s3: Any = None
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._closing = False

    # ---- lifecycle ----

    async def start(self) -> None:
        self._closing = False
        self.s3 = self._make_s3()
        for name, config in self.builtin.items():
            dest = model.parse(config, extended=True)
            stored = {"destination": config, "extended": True}
            if await self.db.write(functools.partial(_create, name=name, config=stored)):
                log.info("created delivery stream %s to s3://%s", name, dest.bucket)
        for name in store.listing(self.db.reader(), "", 1_000_000):
            self._start_loop(name)

    async def close(self) -> None:
        """Stop the loops, then deliver every record buffered before the stop."""
        self._closing = True
        for event in self._wake.values():
            event.set()
        for task in list(self._loops.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()
        for name in store.listing(self.db.reader(), "", 1_000_000):
            await self._drain(name)

    async def _drain(self, name: str) -> None:
        # Records the final deliveries cause (their own audit records) wait for the next start.
        until, _, _ = store.pending(self.db.reader(), name, 0)
        while (stream := self.get(name)) is not None:
            records = await self._oldest(name, stream.destination.size_bytes)
            if not records or records[0].id > until:
                return
            try:
                await self._deliver(stream, records)
            except Exception:
                log.exception("delivery of %s at stop failed; the records stay buffered", name)
                return

    # ---- streams ----

    def arn(self, name: str) -> str:
        return f"arn:aws:firehose:{self.region}:{self.account_id}:deliverystream/{name}"

    def get(self, name: str) -> Stream | None:
        row = store.get(self.db.reader(), name)
        if row is None:
            return None
        dest = model.parse(row.config["destination"], row.config["extended"])
        codec = resolve(dest.database, dest.table) if dest.parquet_compression else None
        return Stream(row.name, row.created, dest, codec)

    def require(self, name: str) -> Stream:
        stream = self.get(name)
        if stream is None:
            raise ResourceNotFoundException(f"Firehose {name} under account {self.account_id} not found.")
        return stream

    async def create(self, name: str, config: dict[str, Any], extended: bool) -> str:
        """CreateDeliveryStream: the stream's ARN."""
        dest = model.parse(config, extended)
        if dest.parquet_compression:
            resolve(dest.database, dest.table)
        stored = {"destination": config, "extended": extended}
        if not await self.db.write(lambda c: store.create(c, name, stored, time.time())):
            raise ResourceInUseException(f"Firehose {name} under accountId {self.account_id} already exists")
        self._start_loop(name)
        return self.arn(name)

    def describe(self, name: str) -> dict[str, Any]:
        stream = self.require(name)
        return model.describe(name, self.arn(name), stream.created, stream.destination)

    def list_names(self, after: str, limit: int) -> tuple[list[str], bool]:
        names = store.listing(self.db.reader(), after, limit + 1)
        return names[:limit], len(names) > limit

    async def delete(self, name: str) -> None:
        if not await self.db.write(lambda c: store.delete(c, name)):
            raise ResourceNotFoundException(f"Firehose {name} under account {self.account_id} not found.")
        event = self._wake.get(name)
        if event is not None:
            event.set()

    async def put_records(self, stream: str, records: list[bytes]) -> list[int]:
        """Buffer ``records`` durably; their ids, once committed."""
        try:
            return await self.db.write(lambda c: store.append_many(c, stream, records, time.time()))
        except LookupError:
            raise ResourceNotFoundException(
                f"Firehose {stream} under account {self.account_id} not found."
            ) from None

    # ---- delivery ----

    def _start_loop(self, name: str) -> None:
        if name in self._loops and not self._loops[name].done():
            return
        self._wake[name] = asyncio.Event()
        self._loops[name] = asyncio.create_task(self._loop(name), name=f"firehose-{name}")

    async def _loop(self, name: str) -> None:
        seen, size, oldest, backoff = 0, 0, None, RETRY_MIN
        while not self._closing and (stream := self.get(name)) is not None:
            last, more, first_arrival = store.pending(self.db.reader(), name, seen)
            seen, size = last, size + more
            if first_arrival is not None:
                oldest = first_arrival if oldest is None else min(oldest, first_arrival)
            dest = stream.destination
            interval = dest.interval if self.interval_override is None else self.interval_override
            if size and oldest is not None and (size >= dest.size_bytes or time.time() - oldest >= interval):
                records = await self._oldest(name, dest.size_bytes)
                try:
                    if records:
                        await self._deliver(stream, records)
                    seen, size, oldest, backoff = (records[-1].id if records else seen), 0, None, RETRY_MIN
                    continue
                except Exception:
                    log.exception("delivery of %s failed; retrying in %.0f s", name, backoff)
                    await self._sleep(name, backoff)
                    backoff = min(backoff * 2, RETRY_MAX)
                    continue
            await self._sleep(name, TICK)
        self._wake.pop(name, None)

    async def _oldest(self, name: str, max_bytes: int) -> list[Record]:
        # Up to SizeInMBs of blobs: read off the loop, on the worker thread's own reader.
        return await asyncio.to_thread(lambda: store.oldest(self.db.reader(), name, max_bytes))

    async def _sleep(self, name: str, seconds: float) -> None:
        event = self._wake.get(name)
        if event is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
        event.clear()

    async def _deliver(self, stream: Stream, records: list[Record]) -> None:
        dest = stream.destination
        files = await asyncio.to_thread(delivery.files_for, stream.name, dest, stream.codec, records)
        head = store.chain_head(self.db.reader(), stream.name, dest.bucket)
        first, last = records[0].id, records[-1].id
        seq, digest = await asyncio.to_thread(
            delivery.put_files, self.s3, stream.name, dest, files, head, first, last
        )
        await self.db.write(lambda c: store.delivered(c, stream.name, dest.bucket, last, seq, digest))


def _create(conn: sqlite3.Connection, *, name: str, config: dict[str, Any]) -> bool:
    return store.create(conn, name, config, time.time())
