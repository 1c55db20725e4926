#!/usr/bin/env python3
"""GET and listing cost with many versions: one key with 100 versions among 100,000 keys.

    python bench/versions.py [--keys 100000] [--versions 100]

Drives the engine directly (no HTTP, ``fsync`` off, a temporary data directory) and prints
the mean time of GET (``get_version``) of the many-version key's latest version, of a
one-version key and of an old version by id, and of 1,000-entry ListObjects and
ListObjectVersions pages. The claim checked (issue 3): neither GET nor a listing page slows
down with the number of versions of a key or of keys in the bucket.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from aerostore.storage.engine import Engine
from aerostore.storage.model import Digests, ObjectAttrs

BATCH = 1000


class Body:
    """The smallest BodyReader: one chunk, its MD5."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @property
    def declared_length(self) -> int:
        return len(self.data)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data

    def digests(self) -> Digests:
        return Digests(hashlib.md5(self.data).hexdigest(), len(self.data))


def mean_us(fn: Callable[[], Any], runs: int) -> float:
    start = time.perf_counter()
    for _ in range(runs):
        fn()
    return (time.perf_counter() - start) / runs * 1e6


async def run(keys: int, versions: int, data_dir: Path) -> None:
    engine = Engine(data_dir, fsync=False)
    await engine.start()
    try:
        await engine.create_bucket("b", "bench")
        await engine.set_versioning("b", "Enabled")
        for i in range(versions):
            await engine.put_object("b", "hot", Body(b"%d" % i), ObjectAttrs())
        for first in range(0, keys, BATCH):
            batch = range(first, min(first + BATCH, keys))
            await asyncio.gather(
                *(engine.put_object("b", f"k{j:07d}", Body(b"x"), ObjectAttrs()) for j in batch)
            )
        old = engine.list_versions("b", max_keys=versions // 2).versions[-1].version_id
        middle = f"k{keys // 2:07d}"
        rows = [
            (f"GET latest of a {versions}-version key", lambda: engine.get_version("b", "hot"), 2000),
            ("GET a one-version key", lambda: engine.get_version("b", middle), 2000),
            ("GET an old version by id", lambda: engine.get_version("b", "hot", old), 2000),
            (
                "ListObjects page of 1000, mid-bucket",
                lambda: engine.list_objects("b", start_after=middle),
                50,
            ),
            ("ListObjectVersions page of 1000, first", lambda: engine.list_versions("b"), 50),
            (
                "ListObjectVersions page of 1000, mid-bucket",
                lambda: engine.list_versions("b", key_marker=middle),
                50,
            ),
        ]
        for label, fn, times in rows:
            print(f"{label:48} {mean_us(fn, times):10.0f} µs")
    finally:
        await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.keys, args.versions, Path(tmp) / "data"))


if __name__ == "__main__":
    main()
