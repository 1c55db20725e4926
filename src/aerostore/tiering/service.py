"""The archive service inside ``aerostore serve``: one background task for the archive tier's chores.

Each round it deletes archived copies whose versions are gone (``archive_garbage``), moves the
bytes of versions written straight to GLACIER / DEEP_ARCHIVE into the tier, and completes or
expires restores that are due. It sleeps until the next restore falls due, at most
``min(day / 10, 60 s)``, and wakes at once when a RestoreObject arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aerostore.storage.engine import Engine
from aerostore.tiering.restore import RestoreProcessor

log = logging.getLogger(__name__)

MAX_INTERVAL = 60.0
_PENDING = (
    "SELECT seq FROM versions WHERE archive IS NULL AND storage_class IN ('GLACIER', 'DEEP_ARCHIVE')"
    " AND delete_marker = 0 AND seq > ? ORDER BY seq LIMIT 100"
)


class ArchiveService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.restores = RestoreProcessor(engine)
        self.interval = min(engine.archive.day_seconds / 10, MAX_INTERVAL)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> None:
        """One round; a failing chore (a remote tier down) is logged and does not hold back the others."""
        for chore in (self.engine.archiver.collect, self.archive_pending, self.restores.run_due):
            try:
                await chore()
            except Exception:
                log.exception("archive service: %s failed; retried next round", chore.__name__)

    async def archive_pending(self) -> int:
        """Move hot bytes of archive-class versions (a PUT with x-amz-storage-class GLACIER) to the tier."""
        moved, after = 0, 0
        while found := self.engine.db.reader().execute(_PENDING, (after,)).fetchall():
            for row in found:
                after = row["seq"]
                version = self.engine.get_version_by_seq(after)
                if version is None or version.restore is not None:
                    continue  # a restore in flight reads the hot bytes; moved once it has expired
                if await self.engine.archiver.move(version, None, lambda job: job) is not None:
                    moved += 1
        if moved:
            self.engine.housekeeper.wake()
        return moved

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await self._sleep()

    async def _sleep(self) -> None:
        timeout = self.interval
        upcoming = self.restores.next_due()
        if upcoming is not None:
            timeout = min(timeout, max(upcoming - time.time(), 0.05))
        woken = self.engine.restore_requested
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(woken.wait(), timeout)
        woken.clear()
