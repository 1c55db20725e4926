"""The restore processor: makes the temporary copies RestoreObject asked for, and lets them expire.

A restore is due at ``ready_at`` (its retrieval tier's delay, tiering/settings.py). Completing
it decompresses the archived copy into blobs, one per part of the original so part numbers
still work, and commits their paths in ``versions.restore`` together with the expiry (``Days``
rounded up to the next day boundary, as AWS rounds it). Like any blob write, the files are
sealed before that commit and their temp names kept until it answers, so a crash leaves
either a committed copy or files the housekeeper reclaims (``referenced_paths`` sees restored
copies). At expiry the copy's blobs go to ``garbage`` and the version is cold again.
Events: ``s3:ObjectRestore:Completed`` and ``s3:ObjectRestore:Delete`` through the outbox.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from aerostore.events.model import EventName
from aerostore.events.outbox import Change
from aerostore.lifecycle.dates import due
from aerostore.storage import inline, versions
from aerostore.storage.blobs import PendingBlob
from aerostore.storage.model import ObjectVersion, Segment
from aerostore.tiering import requests, transition

if TYPE_CHECKING:
    from aerostore.storage.engine import Engine

BATCH = 100
_DUE_TO_COMPLETE = (
    "SELECT seq FROM versions WHERE restore IS NOT NULL AND json_extract(restore, '$.expiry') IS NULL"
    " AND json_extract(restore, '$.ready_at') <= ? ORDER BY seq LIMIT ?"
)
_DUE_TO_EXPIRE = (
    "SELECT seq FROM versions WHERE restore IS NOT NULL AND json_extract(restore, '$.expiry') <= ?"
    " ORDER BY seq LIMIT ?"
)
_NEXT = (
    "SELECT MIN(COALESCE(json_extract(restore, '$.expiry'), json_extract(restore, '$.ready_at')))"
    " FROM versions WHERE restore IS NOT NULL"
)


class RestoreProcessor:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def next_due(self) -> float | None:
        """When the earliest restore completes or expires (None: no restore at all)."""
        found = self.engine.db.reader().execute(_NEXT).fetchone()[0]
        return None if found is None else float(found)

    async def run_due(self, now: float | None = None) -> tuple[int, int]:
        """Complete and expire what is due by ``now``; (completed, expired)."""
        now = time.time() if now is None else now
        reader = self.engine.db.reader()
        completed = expired = 0
        for row in reader.execute(_DUE_TO_COMPLETE, (now, BATCH)).fetchall():
            completed += await self.complete(row["seq"])
        for row in reader.execute(_DUE_TO_EXPIRE, (now, BATCH)).fetchall():
            expired += await self.expire(row["seq"], now)
        return completed, expired

    async def complete(self, seq: int) -> int:
        """Make version ``seq``'s temporary copy; 1 if committed, 0 if the version changed meanwhile."""
        engine = self.engine
        version = transition.load(engine.db.reader(), seq)
        if version is None or version.restore is None or not version.restore.ongoing:
            return 0
        blobs = [engine.blobs.pending() for _ in _part_sizes(engine, seq, version)]
        try:
            await engine.blobs.run(self._copy, version, blobs)
        except BaseException:
            await engine.blobs.run(_settle, blobs, False)
            raise
        engine.faults("restore_sealed")
        segments = tuple(b.segment() for b in blobs)
        job = partial(_install_copy, seq=seq, requested=version.restore.requested, segments=segments,
                      day_seconds=engine.archive.day_seconds)  # fmt: skip
        result = await _commit(
            engine, _emitting(engine, version, job, EventName.OBJECT_RESTORE_COMPLETED), blobs
        )
        engine.faults("restore_committed")
        await engine.blobs.run(_settle, blobs, result is not None)
        engine.housekeeper.wake()
        return int(result is not None)

    def _copy(self, version: ObjectVersion, blobs: list[PendingBlob]) -> None:
        """Decompress (or, not yet archived, read) the bytes into one blob per part, sealed."""
        sizes = _part_sizes(self.engine, version.seq, version)
        stream = _Stream(self._source(version))
        for blob, size in zip(blobs, sizes, strict=True):
            for chunk in stream.take(size):
                blob.write_sync(chunk)
            blob.size = size
            blob.seal_sync()

    def _source(self, version: ObjectVersion) -> Iterator[bytes]:
        row = self.engine.db.reader().execute("SELECT archive FROM versions WHERE seq = ?", (version.seq,))
        found = row.fetchone()
        if found is not None and found["archive"] is not None:
            return self.engine.archiver.tier.read(json.loads(found["archive"])["ref"])
        return inline.read_range(self.engine.blobs, version, 0, version.size - 1)

    async def expire(self, seq: int, now: float) -> int:
        """Drop version ``seq``'s temporary copy once its expiry has passed; 1 if it did."""
        engine = self.engine
        version = transition.load(engine.db.reader(), seq)
        if version is None:
            return 0
        job = partial(_drop_copy, seq=seq, now=now)
        result = await engine.db.write(_emitting(engine, version, job, EventName.OBJECT_RESTORE_DELETE))
        engine.housekeeper.wake()
        return int(result is not None)


def _emitting(
    engine: Engine, version: ObjectVersion, job: transition.Job, event: EventName
) -> transition.Job:
    return engine.notifier.emitting(version.bucket, job, lambda v: [Change(event, v)] if v else [])


def _part_sizes(engine: Engine, seq: int, version: ObjectVersion) -> list[int]:
    row = engine.db.reader().execute("SELECT archive FROM versions WHERE seq = ?", (seq,)).fetchone()
    if row is not None and row["archive"] is not None:
        return list(json.loads(row["archive"])["parts"])
    return [s.size for s in version.segments] if version.multipart else [version.size]


class _Stream:
    """Chunks re-cut at part boundaries."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.rest = chunks, b""

    def take(self, size: int) -> Iterator[bytes]:
        while size > 0:
            if not self.rest:
                self.rest = next(self.chunks, b"")
                if not self.rest:
                    raise OSError(f"archived copy shorter than recorded ({size} bytes missing)")
            piece, self.rest = self.rest[:size], self.rest[size:]
            size -= len(piece)
            yield piece


async def _commit(engine: Engine, job: transition.Job, blobs: list[PendingBlob]) -> ObjectVersion | None:
    """Run ``job``; the blobs stay if and only if it committed a row referencing them (as commit.commit).

    Cancelled meanwhile, the job may still commit: the decision waits for its future.
    """
    for blob in blobs:
        blob.handed = True
    future = engine.db.submit(job)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(lambda f: _settle(blobs, _installed(f)))
        raise
    except BaseException:
        await engine.blobs.run(_settle, blobs, False)
        raise


def _installed(future: asyncio.Future[ObjectVersion | None]) -> bool:
    return not future.cancelled() and future.exception() is None and future.result() is not None


def _settle(blobs: list[PendingBlob], committed: bool) -> None:
    for blob in blobs:
        (blob.release_sync if committed else blob.discard_sync)()


def _install_copy(
    conn: sqlite3.Connection, seq: int, requested: float, segments: tuple[Segment, ...], day_seconds: float
) -> ObjectVersion | None:
    """The copy becomes readable, if the restore it was made for is still the version's ongoing one."""
    version = transition.load(conn, seq)
    restore = None if version is None else version.restore
    if restore is None or not restore.ongoing or restore.requested != requested:
        return None
    now = time.time()
    requests.save(conn, seq, replace(restore, expiry=due(now, restore.days, day_seconds), segments=segments))
    return transition.load(conn, seq)


def _drop_copy(conn: sqlite3.Connection, seq: int, now: float) -> ObjectVersion | None:
    version = transition.load(conn, seq)
    restore = None if version is None else version.restore
    if restore is None or restore.expiry is None or restore.expiry > now:
        return None  # extended by a newer RestoreObject, or already gone
    versions.add_garbage(conn, (s.path for s in restore.segments))
    requests.save(conn, seq, None)
    return transition.load(conn, seq)
