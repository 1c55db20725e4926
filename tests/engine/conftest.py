"""Engine tests: a real Engine on tmp_path, real SQLite, real files.

``async def`` tests run on a fresh event loop each (the project has no pytest-asyncio); an
``engine`` argument arrives started and is closed after the test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import Digests, ObjectAttrs

MiB = 1024 * 1024


UNKNOWN = -1


class Body:
    """A BodyReader over a list of chunks; optionally fails after ``fail_after`` chunks.

    ``declared`` is the length the client announced: by default the true length, as with a
    Content-Length header; ``UNKNOWN`` stands for a chunked body without one.
    """

    def __init__(
        self, *chunks: bytes, fail_after: int | None = None, crc32: bool = False, declared: int | None = None
    ) -> None:
        self.chunks = list(chunks)
        self.fail_after = fail_after
        self.crc32 = crc32
        self.consumed = 0
        self._done = False
        self._declared = sum(map(len, chunks)) if declared is None else declared

    @property
    def declared_length(self) -> int | None:
        return None if self._declared == UNKNOWN else self._declared

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self.chunks):
            if i == self.fail_after:
                raise errors.XAmzContentSHA256Mismatch()
            self.consumed += 1
            yield chunk
            await asyncio.sleep(0)
        self._done = True

    def digests(self) -> Digests:
        assert self._done, "digests() before the body was read"
        data = b"".join(self.chunks)
        checksums = {}
        if self.crc32:
            checksums["CRC32"] = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        return Digests(hashlib.md5(data).hexdigest(), len(data), checksums)


ATTRS = ObjectAttrs()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def read_all(engine: Engine, bucket: str, key: str, version_id: str | None = None) -> bytes:
    v = engine.get_version(bucket, key, version_id)
    return b"".join(engine.open_range(v, 0, v.size - 1))


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def inline_seqs(engine: Engine) -> list[int]:
    """The versions whose bodies are stored inline in SQLite."""
    return [r[0] for r in engine.db.reader().execute("SELECT seq FROM inline_data ORDER BY seq")]


async def put(engine: Engine, bucket: str, key: str, data: bytes, *, blob: bool = False, **kw: Any) -> Any:
    """PutObject; ``blob=True`` hides the length, so even a small body goes to a blob file."""
    return await engine.put_object(bucket, key, Body(data, declared=UNKNOWN if blob else None), ATTRS, **kw)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return Engine(tmp_path / "data", garbage_grace=0)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(_run(pyfuncitem.obj, kwargs))
    return True


async def _run(test: Callable[..., Awaitable[None]], kwargs: dict[str, Any]) -> None:
    engines = [v for v in kwargs.values() if isinstance(v, Engine)]
    for e in engines:
        await e.start()
    try:
        await test(**kwargs)
    finally:
        for e in engines:
            await e.close()
