"""Object bytes as files: temp file → fsync → link into place → fsync directory → commit.

A blob is written to ``tmp/<uuid>``, fsynced, then hard-linked to
``blobs/<2 hex>/<2 hex>/<uuid>`` and that directory fsynced, all before the metadata
commit that makes it visible. The temp name stays linked until the commit has answered:
a crash in between leaves ``tmp/<uuid>`` behind, so startup finds exactly the blobs whose
fate is unknown and keeps only those a committed row references (``recover``). Where the
file system has no hard links we fall back to a rename; a crash then leaves an orphan for
scrub to reclaim, never a visible partial object.

File names never come from keys. All file I/O runs on a dedicated thread pool; writes are
batched per MiB, so a blob under 1 MiB costs one thread hop (write, fsync, link, fsync dir).
Most objects that small never get here: they are stored inline (``storage/inline.py``).

``fsync=False`` skips every fsync. It exists only to measure what durability costs in
benchmarks; a crash may then lose acknowledged objects.
"""

from __future__ import annotations

import asyncio
import errno
import os
import time
import uuid
from collections.abc import AsyncIterable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, TypeVar

from aerostore.s3 import errors
from aerostore.storage.model import Segment

T = TypeVar("T")

CHUNK = 1024 * 1024  # write batch size
# A big blob is fdatasynced every SYNC_EVERY bytes while it streams in: the device then
# flushes while the next bytes arrive and hash, and the fsync before the commit is short.
SYNC_EVERY = 8 * 1024 * 1024
READ_CHUNK = 4 * 1024 * 1024  # read size of open_range: a GET costs a thread hop per chunk
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Blob files under one data directory."""

    def __init__(self, data_dir: Path, *, fsync: bool = True, workers: int = 32) -> None:
        self.root = data_dir
        self.tmp_dir = data_dir / "tmp"
        self.blobs_dir = data_dir / "blobs"
        self.fsync = fsync
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aerostore-blob")

    def prepare(self) -> None:
        for d in (self.tmp_dir, self.blobs_dir):
            d.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run blocking file work on the blob pool, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def pending(self) -> PendingBlob:
        """A new blob; use as ``async with`` so a failure before commit removes it."""
        return PendingBlob(self, uuid.uuid4().hex)

    def path(self, rel: str) -> Path:
        return self.root / rel

    def sync_dir(self, path: Path) -> None:
        if self.fsync:
            fsync_dir(path)

    def make_fanout(self, directory: Path) -> None:
        """Create ``blobs/xx/yy`` and make the new directory entries durable."""
        directory.mkdir(parents=True, exist_ok=True)
        self.sync_dir(directory.parent)
        self.sync_dir(self.blobs_dir)

    # ---- reading ----

    def open_range(self, segments: tuple[Segment, ...], start: int, end_inclusive: int) -> Iterator[bytes]:
        """Yield bytes ``start..end_inclusive`` of the object in chunks of at most ``READ_CHUNK``.

        The first file is opened before returning, so a reader that got its metadata and
        called this holds the data even if a concurrent overwrite later unlinks it.
        """
        plan = list(_plan(segments, start, end_inclusive))
        if not plan:
            return iter(())
        first = open(self.path(plan[0][0]), "rb")  # noqa: SIM115 - closed by the generator
        return self._read(plan, first)

    def _read(self, plan: list[tuple[str, int, int]], first: BinaryIO) -> Iterator[bytes]:
        f: BinaryIO | None = first
        try:
            for rel, offset, length in plan:
                f = f or open(self.path(rel), "rb")  # noqa: SIM115
                f.seek(offset)
                while length > 0:
                    data = f.read(min(READ_CHUNK, length))
                    if not data:
                        raise OSError(errno.EIO, f"blob shorter than recorded: {rel}")
                    length -= len(data)
                    yield data
                f.close()
                f = None
        finally:
            if f is not None:
                f.close()

    # ---- cleanup ----

    def unlink(self, rels: list[str]) -> None:
        for rel in rels:
            self.path(rel).unlink(missing_ok=True)

    def leftovers(self) -> dict[Path, str]:
        """Temp files a crash left behind, each with the blob path it may have been linked to."""
        return {p: blob_rel(p.name) for p in self.tmp_dir.iterdir() if p.is_file()}

    def recover(self, leftovers: dict[Path, str], referenced: set[str]) -> None:
        """Drop every temp file; drop its linked blob too unless a committed row references it."""
        for tmp, rel in leftovers.items():
            if rel not in referenced:
                self.path(rel).unlink(missing_ok=True)
            tmp.unlink(missing_ok=True)

    def sweep_tmp(self, max_age: float) -> int:
        """Unlink temp files idle for ``max_age`` seconds; only ever the temp name."""
        cutoff = time.time() - max_age
        removed = 0
        for p in self.tmp_dir.iterdir():
            try:
                if p.stat().st_mtime < cutoff:
                    p.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def blob_rel(name: str) -> str:
    return f"blobs/{name[:2]}/{name[2:4]}/{name}"


def _plan(segments: tuple[Segment, ...], start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(path, offset, length) for each segment overlapping ``start..end`` inclusive."""
    base = 0
    for seg in segments:
        lo, hi = max(start, base), min(end, base + seg.size - 1)
        if lo <= hi:
            yield seg.path, lo - base, hi - lo + 1
        base += seg.size


class PendingBlob:
    """One blob being written; removes itself unless handed to a commit.

    States: writing → sealed (fsynced and linked) → handed (a commit owns the outcome).
    """

    def __init__(self, store: BlobStore, name: str) -> None:
        self.store = store
        self.tmp = store.tmp_dir / name
        self.rel = blob_rel(name)
        self.size = 0
        self.handed = False
        self._file: BinaryIO | None = None
        self._linked = False
        self._unsynced = 0  # bytes written since the last fdatasync

    async def __aenter__(self) -> PendingBlob:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.handed:
            await self.store.run(self.discard_sync)

    def segment(self) -> Segment:
        return Segment(self.rel, self.size)

    async def write_from(self, chunks: AsyncIterable[bytes], max_size: int | None = None) -> int:
        """Consume ``chunks`` into the file and seal it; return the size.

        Writes are batched to 1 MiB and overlap with reading the next batch; the last batch,
        fsync and link share one thread hop. Chunks are handed over as they are, not copied.
        """
        batch: list[bytes] = []
        batched = 0
        inflight: asyncio.Future[None] | None = None
        try:
            async for chunk in chunks:
                batch.append(chunk)
                batched += len(chunk)
                self.size += len(chunk)
                if max_size is not None and self.size > max_size:
                    raise errors.EntityTooLarge()
                if batched >= CHUNK:
                    if inflight is not None:
                        await inflight
                    inflight = asyncio.ensure_future(self.store.run(self.write_sync, *batch))
                    batch, batched = [], 0
            if inflight is not None:
                await inflight
            await self.store.run(self._finish, *batch)
        finally:
            if inflight is not None:  # never leave a thread writing into a file we discard
                await asyncio.wait([inflight])
                if not inflight.cancelled():
                    inflight.exception()
        return self.size

    def _finish(self, *chunks: bytes) -> None:
        self.write_sync(*chunks)
        self.seal_sync()

    def write_sync(self, *chunks: bytes) -> None:
        if self._file is None:
            self._file = open(self.tmp, "xb")  # noqa: SIM115 - closed by seal_sync/discard_sync
        self._file.writelines(chunks)
        self._unsynced += sum(map(len, chunks))
        if self.store.fsync and self._unsynced >= SYNC_EVERY:
            self._file.flush()
            os.fdatasync(self._file.fileno())
            self._unsynced = 0

    def seal_sync(self) -> None:
        """fsync the file, link it under blobs/, fsync that directory."""
        if self._file is None:
            self._file = open(self.tmp, "xb")  # noqa: SIM115
        self._file.flush()
        if self.store.fsync:
            os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        final = self.store.path(self.rel)
        self._link(final)
        self.store.sync_dir(final.parent)

    def _link(self, final: Path) -> None:
        try:
            self._link_or_rename(final)
        except FileNotFoundError:
            self.store.make_fanout(final.parent)
            self._link_or_rename(final)
        self._linked = True

    def _link_or_rename(self, final: Path) -> None:
        try:
            os.link(self.tmp, final)
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            os.replace(self.tmp, final)

    def discard_sync(self) -> None:
        """Undo everything: the commit did not happen (or never will)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.tmp.unlink(missing_ok=True)
        if self._linked:
            self.store.path(self.rel).unlink(missing_ok=True)

    def release_sync(self) -> None:
        """The commit happened: only the temp name goes."""
        self.tmp.unlink(missing_ok=True)

    def settle(self, future: asyncio.Future[Any]) -> None:
        """Keep or drop the blob according to how its commit future ended."""
        committed = not future.cancelled() and future.exception() is None
        (self.release_sync if committed else self.discard_sync)()
