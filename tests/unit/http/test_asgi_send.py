"""Streaming a sync (file-backed) body to the ASGI server: small in one message, big read ahead."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from aerostore.http.asgi import INLINE_READ_LIMIT, _send_sync_stream
from aerostore.http.context import Exchange


class Chunks:
    """An iterator over chunks that records the threads reading it and whether it was closed."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.threads: set[str] = set()
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        self.threads.add(threading.current_thread().name)
        if not self.chunks:
            raise StopIteration
        return self.chunks.pop(0)

    def close(self) -> None:
        self.closed = True


def _send(body: Chunks, length: int, fail_at: int | None = None) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        if fail_at is not None and len(sent) == fail_at:
            raise OSError("client went away")
        sent.append(message)
        await asyncio.sleep(0)

    asyncio.run(_send_sync_stream(body, length, send, Exchange()))
    return sent


def test_small_body_is_one_final_message_read_on_the_loop() -> None:
    body = Chunks(b"hello")
    sent = _send(body, 5)
    assert sent == [{"type": "http.response.body", "body": b"hello", "more_body": False}]
    assert body.threads == {threading.main_thread().name} and body.closed


def test_big_body_is_read_in_threads_and_ends_with_an_empty_message() -> None:
    chunks = [bytes([i]) * INLINE_READ_LIMIT for i in range(4)]
    body = Chunks(*chunks)
    sent = _send(body, 4 * INLINE_READ_LIMIT)
    assert [m["body"] for m in sent] == [*chunks, b""]
    assert [m.get("more_body", False) for m in sent] == [True] * 4 + [False]
    assert threading.main_thread().name not in body.threads and body.closed


def test_failed_send_closes_the_body_after_the_read_in_flight() -> None:
    body = Chunks(*[b"x" * INLINE_READ_LIMIT] * 4)
    with pytest.raises(OSError):
        _send(body, 4 * INLINE_READ_LIMIT, fail_at=1)
    deadline = time.monotonic() + 5
    while not body.closed and time.monotonic() < deadline:  # the reader thread may close it
        time.sleep(0.001)
    assert body.closed
