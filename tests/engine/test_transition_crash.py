"""Crash injection in a transition to GLACIER: a child process is SIGKILLed, then the store reopens.

The kill lands while the compressed copy is being written, once it is written but before the
commit that installs it, or after that commit but before the old blob is unlinked. After a
restart there is exactly one good copy: either still hot and readable, or archived and
restorable with the same bytes; no orphan archive file, no intent, no leaked blob.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import aerostore
from aerostore.storage.engine import Engine
from aerostore.tiering.restore import RestoreProcessor

from .conftest import files, read_all

DATA = os.urandom(256 * 1024) * 24  # 6 MiB: several chunks, so the kill lands mid-copy

CHILD = textwrap.dedent(
    """
    import asyncio, hashlib, os, signal, sys, time
    from pathlib import Path
    from aerostore.storage.engine import Engine
    from aerostore.storage.model import Digests, ObjectAttrs

    class Body:
        declared_length = None  # a blob file, whatever the size
        def __init__(self, data):
            self.data = data
        async def __aiter__(self):
            for i in range(0, len(self.data), 1 << 20):
                yield self.data[i:i + (1 << 20)]
        def digests(self):
            return Digests(hashlib.md5(self.data).hexdigest(), len(self.data))

    def faults(point):
        if point == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)

    async def main():
        engine = Engine(Path(sys.argv[1]), faults=faults)
        await engine.start()
        if sys.argv[4] == "restore":  # of the version a first child archived
            from aerostore.tiering.restore import RestoreProcessor
            await engine.restore("b", "k", None, 1, "Expedited")
            await RestoreProcessor(engine).run_due(time.time() + 3600)
            return
        await engine.create_bucket("b", "alice")
        version = await engine.put_object("b", "k", Body(Path(sys.argv[3]).read_bytes()), ObjectAttrs())
        await engine.transition(version, "GLACIER")

    asyncio.run(main())
    """
)


def _crash(tmp_path: Path, point: str, mode: str = "transition") -> Path:
    data_dir, source = tmp_path / "data", tmp_path / "source"
    source.write_bytes(DATA)
    src = str(Path(aerostore.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-c", CHILD, str(data_dir), point, str(source), mode]
    child = subprocess.run(args, env=env, timeout=60)
    assert child.returncode == -signal.SIGKILL
    return data_dir


def _archive_files(data_dir: Path) -> list[Path]:
    return files(data_dir / "archive")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["archive_copying", "archive_written"], ids=["mid-copy", "before-commit"])
async def test_kill_before_the_commit_keeps_the_hot_copy(tmp_path: Path, point: str) -> None:
    data_dir = _crash(tmp_path, point)
    assert _archive_files(data_dir), "the kill should leave the copy (or its temp file) behind"
    engine = Engine(data_dir)
    await engine.start()
    try:
        version = engine.get_version("b", "k")
        assert version.attrs.storage_class == "STANDARD" and not version.archived
        assert read_all(engine, "b", "k") == DATA
        assert _archive_files(data_dir) == []  # the copy (or its temp file) was an orphan: gone
        assert engine.db.reader().execute("SELECT COUNT(*) FROM archive_intents").fetchone()[0] == 0
        assert files(data_dir / "blobs") == [engine.blobs.path(s.path) for s in version.segments]
        assert files(data_dir / "tmp") == []
    finally:
        await engine.close()


@pytest.mark.slow
async def test_kill_after_the_commit_keeps_the_archived_copy(tmp_path: Path) -> None:
    data_dir = _crash(tmp_path, "archive_committed")
    engine = Engine(data_dir)
    await engine.start()  # drains the garbage the commit left (grace 0 at start)
    try:
        version = engine.get_version("b", "k")
        assert version.attrs.storage_class == "GLACIER" and version.archived
        assert files(data_dir / "blobs") == [] and files(data_dir / "tmp") == []
        assert len(_archive_files(data_dir)) == 1
        await engine.restore("b", "k", None, 1, "Expedited")
        assert await RestoreProcessor(engine).run_due(time.time() + 3600) == (1, 0)
        assert read_all(engine, "b", "k") == DATA
    finally:
        await engine.close()


@pytest.mark.slow
async def test_kill_before_a_restore_commit_leaves_no_blob(tmp_path: Path) -> None:
    _crash(tmp_path, "archive_committed")
    data_dir = _crash(tmp_path, "restore_sealed", "restore")
    engine = Engine(data_dir)
    await engine.start()
    try:
        version = engine.get_version("b", "k")
        assert version.restore is not None and version.restore.ongoing  # still asked for, not done
        assert files(data_dir / "blobs") == [] and files(data_dir / "tmp") == []
        assert await RestoreProcessor(engine).run_due(time.time() + 3600) == (1, 0)
        assert read_all(engine, "b", "k") == DATA
    finally:
        await engine.close()


@pytest.mark.slow
async def test_kill_after_a_restore_commit_keeps_the_restored_copy(tmp_path: Path) -> None:
    _crash(tmp_path, "archive_committed")
    data_dir = _crash(tmp_path, "restore_committed", "restore")
    assert files(data_dir / "tmp"), "the kill should leave the temp names behind"
    engine = Engine(data_dir)
    await engine.start()  # recovery keeps blobs a committed restore references
    try:
        version = engine.get_version("b", "k")
        assert version.restored and files(data_dir / "tmp") == []
        assert files(data_dir / "blobs") == [engine.blobs.path(s.path) for s in version.segments]
        assert read_all(engine, "b", "k") == DATA
    finally:
        await engine.close()
