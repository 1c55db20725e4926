"""Crash injection: a child process is SIGKILLed in the middle of a PUT, then the store reopens.

For a blob the kill lands between sealing it (fsynced, linked under blobs/) and the metadata
commit, or right after the commit; for an inline body, once it is read and verified but
before its commit, or right after. Either way, after restart the store shows exactly the
committed state and holds no temp file, no unreferenced blob and no orphaned inline body.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aerostore
from aerostore.storage.engine import Engine

from .conftest import files, inline_seqs, read_all

CHILD = textwrap.dedent(
    """
    import asyncio, hashlib, os, signal, sys
    from pathlib import Path
    from aerostore.storage.engine import Engine
    from aerostore.storage.model import Digests, ObjectAttrs

    class Body:
        def __init__(self, data):
            self.data = data
            self.declared_length = len(data)
        async def __aiter__(self):
            yield self.data
        def digests(self):
            return Digests(hashlib.md5(self.data).hexdigest(), len(self.data))

    armed = False
    def faults(point):
        if armed and point == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)

    async def main():
        global armed
        engine = Engine(Path(sys.argv[1]), faults=faults)
        await engine.start()
        await engine.create_bucket("b", "alice")
        await engine.put_object("b", "k", Body(b"old"), ObjectAttrs())
        armed = True
        await engine.put_object("b", "k", Body(b"new" * int(sys.argv[3])), ObjectAttrs())

    asyncio.run(main())
    """
)


def _crash(data_dir: Path, point: str, repeat: int) -> None:
    src = str(Path(aerostore.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-c", CHILD, str(data_dir), point, str(repeat)]
    child = subprocess.run(args, env=env, timeout=60)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "expected"),
    [("blob_sealed", b"old"), ("committed", b"new" * 100_000)],
    ids=["before-commit", "after-commit"],
)
async def test_kill_during_blob_put(tmp_path: Path, point: str, expected: bytes) -> None:
    data_dir = tmp_path / "data"
    _crash(data_dir, point, 100_000)
    assert files(data_dir / "tmp"), "the kill should leave the temp name behind"
    assert len(files(data_dir / "blobs")) == 1  # "old" is inline
    engine = Engine(data_dir)
    await engine.start()
    try:
        assert read_all(engine, "b", "k") == expected
        assert [v.version_id for v in engine.list_versions("b").versions] == ["null"]
        version = engine.get_version("b", "k")
        assert files(data_dir / "tmp") == []
        assert files(data_dir / "blobs") == [engine.blobs.path(s.path) for s in version.segments]
        assert inline_seqs(engine) == ([] if version.segments else [version.seq])
    finally:
        await engine.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "expected"),
    [("inline_ready", b"old"), ("committed", b"new" * 1000)],
    ids=["before-commit", "after-commit"],
)
async def test_kill_during_inline_put(tmp_path: Path, point: str, expected: bytes) -> None:
    data_dir = tmp_path / "data"
    _crash(data_dir, point, 1000)
    engine = Engine(data_dir)
    await engine.start()
    try:
        assert read_all(engine, "b", "k") == expected
        assert [v.version_id for v in engine.list_versions("b").versions] == ["null"]
        assert inline_seqs(engine) == [engine.get_version("b", "k").seq]
        assert files(data_dir / "tmp") == files(data_dir / "blobs") == []
    finally:
        await engine.close()


async def test_second_process_is_refused(engine: Engine) -> None:
    other = Engine(engine.data_dir)
    with pytest.raises(RuntimeError, match="in use"):
        await other.start()
