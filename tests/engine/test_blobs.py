"""Blob files: ranges across segments, readers racing unlinks, temp sweeps, cancelled commits."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from aerostore.storage.blobs import READ_CHUNK, SYNC_EVERY, BlobStore
from aerostore.storage.engine import Engine
from aerostore.storage.model import Segment

from .conftest import ATTRS, UNKNOWN, Body, MiB, files, read_all


def _segments(store: BlobStore, *contents: bytes) -> tuple[Segment, ...]:
    segments = []
    for i, data in enumerate(contents):
        rel = f"blobs/00/00/seg{i}"
        store.path(rel).parent.mkdir(parents=True, exist_ok=True)
        store.path(rel).write_bytes(data)
        segments.append(Segment(rel, len(data)))
    return tuple(segments)


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 9), (2, 7), (3, 3), (4, 5), (0, 0), (9, 9)],
    ids=["all", "across", "one", "edge", "first", "last"],
)
def test_open_range_across_segments(tmp_path: Path, start: int, end: int) -> None:
    store = BlobStore(tmp_path)
    segments = _segments(store, b"0123", b"45", b"", b"6789")
    assert b"".join(store.open_range(segments, start, end)) == b"0123456789"[start : end + 1]
    store.close()


def test_open_range_chunks_are_bounded(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    segments = _segments(store, b"a" * (READ_CHUNK + 10), b"b" * (2 * READ_CHUNK))
    sizes = [len(c) for c in store.open_range(segments, 0, 3 * READ_CHUNK + 9)]
    assert max(sizes) == READ_CHUNK and sum(sizes) == 3 * READ_CHUNK + 10
    store.close()


def test_reader_keeps_a_file_unlinked_after_open(tmp_path: Path) -> None:
    """A GET that has started reading survives an overwrite collecting the old blob."""
    store = BlobStore(tmp_path)
    segments = _segments(store, b"still here")
    chunks = store.open_range(segments, 0, 9)
    store.unlink([segments[0].path])
    assert b"".join(chunks) == b"still here"
    store.close()


async def test_sweep_removes_idle_temp_files(engine: Engine) -> None:
    idle, fresh = engine.blobs.tmp_dir / "idle", engine.blobs.tmp_dir / "fresh"
    idle.write_bytes(b"x")
    fresh.write_bytes(b"x")
    old = time.time() - 2 * 3600
    os.utime(idle, (old, old))
    assert (await engine.sweep()).temp_files == 1
    assert files(engine.blobs.tmp_dir) == [fresh]


async def test_cancelled_put_keeps_blob_iff_committed(tmp_path: Path) -> None:
    """The client goes away while the commit is queued: the commit still decides the blob's fate."""
    tasks: list[asyncio.Task[object]] = []

    def faults(point: str) -> None:
        if point == "blob_sealed" and tasks:
            asyncio.get_running_loop().call_soon(tasks[0].cancel)

    engine = Engine(tmp_path / "data", faults=faults)
    await engine.start()
    try:
        await engine.create_bucket("b", "alice")
        body = Body(b"data", declared=UNKNOWN)  # no declared length: a blob, not inline
        tasks.append(asyncio.ensure_future(engine.put_object("b", "k", body, ATTRS)))
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        await engine.db.write(lambda c: None)  # the put's job has been decided by now
        await asyncio.sleep(0.01)  # and its outcome callback has run
        assert read_all(engine, "b", "k") == b"data"
        assert files(engine.blobs.tmp_dir) == []
        assert len(files(engine.blobs.blobs_dir)) == 1
    finally:
        await engine.close()


async def test_unsynced_store_still_works(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "data", fsync=False)
    await engine.start()
    try:
        await engine.create_bucket("b", "alice")
        await engine.put_object("b", "k", Body(b"fast"), ATTRS)
        assert read_all(engine, "b", "k") == b"fast"
    finally:
        await engine.close()


@pytest.mark.parametrize(("fsync", "expected"), [(True, 2), (False, 0)], ids=["durable", "unsynced"])
async def test_big_blob_syncs_while_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool, expected: int
) -> None:
    """Every SYNC_EVERY bytes the file is flushed, so the fsync before the commit has little left."""
    syncs: list[int] = []
    real = os.fdatasync
    monkeypatch.setattr(os, "fdatasync", lambda fd: syncs.append(fd) or real(fd))
    engine = Engine(tmp_path / "data", fsync=fsync)
    await engine.start()
    try:
        await engine.create_bucket("b", "alice")
        data = b"s" * (2 * SYNC_EVERY + 10)
        await engine.put_object("b", "k", Body(*[data[i : i + MiB] for i in range(0, len(data), MiB)]), ATTRS)
        assert len(syncs) == expected
        assert read_all(engine, "b", "k") == data
    finally:
        await engine.close()
