"""Crash injection: a child process is SIGKILLed in the middle of a PUT, then the store reopens.

The kill lands between sealing the blob (fsynced, linked under blobs/) and the metadata
commit, or right after the commit. Either way, after restart the store shows exactly the
committed state and holds no temp file and no unreferenced blob.
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

from .conftest import files, read_all

CHILD = textwrap.dedent(
    """
    import asyncio, hashlib, os, signal, sys
    from pathlib import Path
    from aerostore.storage.engine import Engine
    from aerostore.storage.model import Digests, ObjectAttrs

    class Body:
        def __init__(self, data):
            self.data = data
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
        await engine.put_object("b", "k", Body(b"new" * 100_000), ObjectAttrs())

    asyncio.run(main())
    """
)


def _crash(data_dir: Path, point: str) -> None:
    src = str(Path(aerostore.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", CHILD, str(data_dir), point], env=env, timeout=60)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "expected"),
    [("blob_sealed", b"old"), ("committed", b"new" * 100_000)],
    ids=["before-commit", "after-commit"],
)
async def test_kill_during_put(tmp_path: Path, point: str, expected: bytes) -> None:
    data_dir = tmp_path / "data"
    _crash(data_dir, point)
    assert files(data_dir / "tmp"), "the kill should leave the temp name behind"
    assert len(files(data_dir / "blobs")) == 2
    engine = Engine(data_dir)
    await engine.start()
    try:
        assert read_all(engine, "b", "k") == expected
        assert [v.version_id for v in engine.list_versions("b").versions] == ["null"]
        version = engine.get_version("b", "k")
        assert files(data_dir / "tmp") == []
        assert files(data_dir / "blobs") == [engine.blobs.path(version.segments[0].path)]
    finally:
        await engine.close()


async def test_second_process_is_refused(engine: Engine) -> None:
    other = Engine(engine.data_dir)
    with pytest.raises(RuntimeError, match="in use"):
        await other.start()
