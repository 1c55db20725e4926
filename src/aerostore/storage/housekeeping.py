"""Housekeeping: crash recovery at startup, garbage collection, periodic sweeps.

Nothing here decides what is visible (commits do that); it only reclaims what no committed
row references: temp files of interrupted writes, blobs of replaced versions and aborted
parts, and uploads nobody completed.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from aerostore.storage.blobs import BlobStore
from aerostore.storage.meta.db import Database
from aerostore.storage.multipart import Multipart

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 600.0
TMP_MAX_AGE = 3600.0
UPLOAD_MAX_AGE = 7 * 86400.0
GARBAGE_GRACE = 60.0


@dataclass(frozen=True, slots=True)
class SweepReport:
    uploads: int  # aborted for age
    temp_files: int  # idle temp files removed
    blobs: int  # garbage blobs unlinked


def lock_data_dir(data_dir: Path) -> int:
    """One process per data directory: two writers would each believe they own SQLite's writes."""
    fd = os.open(data_dir / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RuntimeError(f"{data_dir} is in use by another aerostore process") from None
    return fd


class Housekeeper:
    """Reclaims space in the background; ``wake()`` after any write that may leave garbage."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        multipart: Multipart,
        *,
        upload_max_age: float,
        garbage_grace: float,
    ) -> None:
        self.db, self.blobs, self.multipart = db, blobs, multipart
        self.upload_max_age = upload_max_age
        self.garbage_grace = garbage_grace
        self._garbage = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Finish what a crash interrupted, then run the sweeps in the background."""
        await self.blobs.run(self.recover)
        await self.collect_garbage(grace=0)  # no reader is running yet
        self._tasks = [
            asyncio.create_task(self._every(SWEEP_INTERVAL, self.sweep)),
            asyncio.create_task(self._collect_when_woken()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def wake(self) -> None:
        self._garbage.set()

    def recover(self) -> None:
        """Temp files left by a crash: keep their blobs only if a committed row references them."""
        leftovers = self.blobs.leftovers()
        if leftovers:
            log.info("recovering %d interrupted writes", len(leftovers))
            referenced = referenced_paths(self.db.reader(), set(leftovers.values()))
            self.blobs.recover(leftovers, referenced)

    async def sweep(self) -> SweepReport:
        """Abort stale uploads, drop idle temp files, reclaim garbage blobs."""
        uploads = await self.multipart.expire(self.upload_max_age)
        temp_files = await self.blobs.run(self.blobs.sweep_tmp, TMP_MAX_AGE)
        return SweepReport(uploads, temp_files, await self.collect_garbage())

    async def collect_garbage(self, grace: float | None = None) -> int:
        """Unlink blobs no row references, older than ``grace`` seconds; then forget them.

        Unlink first, delete the row second: a crash in between only repeats an unlink. The
        grace period lets a reader that fetched the old metadata still open the old files.
        """
        cutoff = time.time() - (self.garbage_grace if grace is None else grace)
        total = 0
        sql = "SELECT id, path FROM garbage WHERE created <= ? ORDER BY id LIMIT 1000"
        while found := self.db.reader().execute(sql, (cutoff,)).fetchall():
            await self.blobs.run(self.blobs.unlink, [r["path"] for r in found])
            await self.db.write(partial(_forget_garbage, [r["id"] for r in found]))
            total += len(found)
        return total

    async def _every(self, interval: float, fn: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await fn()
            except Exception:
                log.exception("background sweep failed")

    async def _collect_when_woken(self) -> None:
        while True:
            await self._garbage.wait()
            self._garbage.clear()
            await asyncio.sleep(self.garbage_grace)
            try:
                await self.collect_garbage()
            except Exception:
                log.exception("garbage collection failed")


def _forget_garbage(ids: list[int], conn: sqlite3.Connection) -> None:
    conn.executemany("DELETE FROM garbage WHERE id = ?", [(i,) for i in ids])


def referenced_paths(conn: sqlite3.Connection, candidates: set[str]) -> set[str]:
    """Which of ``candidates`` a committed version, restored copy or part references.

    A full scan of the versions, acceptable because it runs only after a crash left temp files.
    """
    found: set[str] = set()
    batch = sorted(candidates)
    path = "json_extract(s.value, '$[0]')"
    for i in range(0, len(batch), 500):
        chunk = batch[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT {path} FROM versions v, json_each(v.segments) s WHERE {path} IN ({marks})"
        found.update(r[0] for r in conn.execute(sql, chunk))
        found.update(r[0] for r in conn.execute(f"SELECT path FROM parts WHERE path IN ({marks})", chunk))
        # Restored temporary copies of archived versions (tiering/restore.py).
        restored = f"SELECT {path} FROM versions v, json_each(v.restore, '$.segments') s"
        restored += f" WHERE v.restore IS NOT NULL AND {path} IN ({marks})"
        found.update(r[0] for r in conn.execute(restored, chunk))
    return found
