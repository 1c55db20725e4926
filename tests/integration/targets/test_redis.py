"""Redis target against the real server on 127.0.0.1:6379: XADD, read back with XRANGE."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis

from aerostore.events.targets import Delivery, load_targets

from .proxy import TcpProxy
from .scenarios import TIMEOUT, down_hung_then_back, make_batch, unique

PORT = 6379


@pytest.fixture
def stream() -> Iterator[str]:
    name = unique("aerostore-test-")
    yield name
    with redis.Redis(port=PORT) as client:
        client.delete(name)


def redis_target(port: int, stream: str):  # type: ignore[no-untyped-def]
    table = {"redis": {"t": {"url": f"redis://127.0.0.1:{port}/0", "stream": stream, "timeout": TIMEOUT}}}
    return load_targets(table)["arn:aerostore:sqs::t:redis"]


def read_stream(stream: str) -> list[Delivery]:
    with redis.Redis(port=PORT, decode_responses=True) as client:
        return [Delivery(fields["id"], fields["event"]) for _, fields in client.xrange(stream)]


def test_deliver_batch_appends_to_stream(stream: str) -> None:
    batch = make_batch(5)
    target = redis_target(PORT, stream)

    async def scenario() -> None:
        await target.deliver(batch)
        await target.close()

    asyncio.run(scenario())
    assert read_stream(stream) == batch


def test_redis_down_then_back(stream: str) -> None:
    async def scenario() -> list[Delivery]:
        async with TcpProxy(PORT) as proxy:
            target = redis_target(proxy.port, stream)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return expected

    expected = asyncio.run(scenario())
    assert read_stream(stream) == expected
