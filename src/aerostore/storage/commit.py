"""The one way new bytes become visible: sealed file (or inline rows), then the metadata commit.

Shared by PUT, copy, UploadPart and UploadPartCopy so that every write keeps the same order
(write → fsync → link → fsync dir → COMMIT → drop the temp name) and the same cleanup. An
inline body has no file: its bytes are rows of the very transaction that makes them visible.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from aerostore.storage import inline
from aerostore.storage.blobs import BlobStore, PendingBlob
from aerostore.storage.hashing import Digester
from aerostore.storage.meta.db import Database
from aerostore.storage.model import Digests, ObjectVersion

T = TypeVar("T")
Faults = Callable[[str], None]


def no_faults(point: str) -> None:
    """Crash-injection hook for tests: called at named points of a write."""


async def commit(
    db: Database, blob: PendingBlob, job: Callable[[sqlite3.Connection], T], faults: Faults
) -> T:
    """Commit ``job`` for a sealed blob; keep the blob if and only if the commit happened.

    If the caller is cancelled (client gone) the job may still commit, so the decision moves
    to a callback on the job's future instead of being guessed now.
    """
    faults("blob_sealed")
    blob.handed = True
    future = db.submit(job)
    try:
        result = await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(blob.settle)  # a couple of unlinks, on the loop, rarely
        raise
    except BaseException:
        await blob.store.run(blob.discard_sync)
        raise
    faults("committed")
    await blob.store.run(blob.release_sync)
    return result


async def commit_inline(db: Database, job: Callable[[sqlite3.Connection], T], faults: Faults) -> T:
    """Commit ``job``, whose rows carry the body itself: nothing to clean up either way."""
    faults("inline_ready")
    result = await db.write(job)
    faults("committed")
    return result


async def copy_range(
    blobs: BlobStore,
    blob: PendingBlob,
    source: ObjectVersion,
    start: int,
    end: int,
    algorithm: str | None,
) -> Digests:
    """Stream bytes ``start..end`` of an existing version into ``blob``, hashing on the way.

    Reading, hashing and writing all run in one pool thread; the loop only waits.
    """

    def run() -> Digests:
        digester = Digester(algorithm)
        for chunk in inline.read_range(blobs, source, start, end):
            digester.update(chunk)
            blob.write_sync(chunk)
        blob.size = digester.size
        blob.seal_sync()
        return digester.digests()

    return await blobs.run(run)
