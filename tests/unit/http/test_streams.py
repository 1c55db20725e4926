"""BodyReader: batching, hashing off the event loop for big bodies, verification before the tail."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import zlib
from typing import Any

import pytest

from aerostore.auth import sigv4
from aerostore.http import streams
from aerostore.http.streams import HASH_BATCH, BodyReader
from aerostore.s3 import errors

PIECE = 64 * 1024


def _receive(data: bytes, piece: int = PIECE) -> Any:
    pieces = [data[i : i + piece] for i in range(0, len(data), piece)] or [b""]

    async def receive() -> dict[str, Any]:
        body = pieces.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(pieces)}

    return receive


def _reader(data: bytes, payload: str | None = None, **headers: str) -> BodyReader:
    auth = sigv4.AuthResult(sigv4.Principal.ANONYMOUS, payload or hashlib.sha256(data).hexdigest())
    headers = {"content-length": str(len(data)), **headers}
    return BodyReader(_receive(data), headers, auth)


async def _drain(reader: BodyReader) -> list[bytes]:
    return [chunk async for chunk in reader]


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.mark.parametrize(
    "size",
    [0, 10, HASH_BATCH - 1, HASH_BATCH, 3 * HASH_BATCH + 12345],
    ids=["empty", "tiny", "under", "one", "big"],
)
def test_digests_and_batches(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    reader = _reader(data, **{"x-amz-checksum-crc32": _crc32(data)})
    chunks = asyncio.run(_drain(reader))
    assert b"".join(chunks) == data
    assert all(len(c) >= HASH_BATCH for c in chunks[:-1])  # one buffer per batch, not per read
    digests = reader.digests()
    assert (digests.md5_hex, digests.size) == (hashlib.md5(data).hexdigest(), size)
    assert digests.checksums == {"CRC32": _crc32(data)}


def test_small_body_is_hashed_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    submit = streams._HASH_POOL.submit
    monkeypatch.setattr(streams._HASH_POOL, "submit", lambda *a: used.append("hop") or submit(*a))
    asyncio.run(_drain(_reader(b"s" * (HASH_BATCH - 1))))
    assert used == []


def test_big_body_is_hashed_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: set[str] = set()
    md5 = hashlib.md5

    class Spy:
        def __init__(self) -> None:
            self._h = md5()

        def update(self, data: bytes) -> None:
            threads.add(threading.current_thread().name)
            self._h.update(data)

        def digest(self) -> bytes:
            return self._h.digest()

    monkeypatch.setattr(streams.hashlib, "md5", Spy)
    data = b"b" * (4 * HASH_BATCH)
    reader = _reader(data)
    asyncio.run(_drain(reader))
    assert threads and all(name.startswith("aerostore-hash") for name in threads)
    assert reader.digests().md5_hex == md5(data).hexdigest()


@pytest.mark.parametrize("size", [100, 3 * HASH_BATCH + 7], ids=["small", "big"])
def test_bad_payload_hash_raises_before_the_tail(size: int) -> None:
    data = b"q" * size
    reader = _reader(data, payload="0" * 64)
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in reader:
            received.append(chunk)

    with pytest.raises(errors.XAmzContentSHA256Mismatch):
        asyncio.run(consume())
    assert sum(map(len, received)) < size  # the consumer never held the whole body


def test_body_longer_than_declared() -> None:
    data = b"z" * (2 * HASH_BATCH)
    auth = sigv4.AuthResult(sigv4.Principal.ANONYMOUS, sigv4.UNSIGNED_PAYLOAD)
    reader = BodyReader(_receive(data), {"content-length": str(HASH_BATCH)}, auth)
    with pytest.raises(errors.IncompleteBody):
        asyncio.run(_drain(reader))
