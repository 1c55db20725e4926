"""NATS JetStream target against the real server on 127.0.0.1:4222: messages read back from the stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import nats
from nats.js.errors import NotFoundError

from aerostore.events.targets import Delivery, Target, load_targets
from aerostore.events.targets.nats import MSG_ID_HEADER

from .proxy import TcpProxy
from .scenarios import TIMEOUT, acks_lost_then_redelivered, down_hung_then_back, make_batch, unique

PORT = 4222


def nats_target(port: int, stream: str) -> Target:
    options = {"url": f"nats://127.0.0.1:{port}", "subject": f"{stream}.events", "stream": stream}
    table = {"nats": {"js": {**options, "timeout": TIMEOUT}}}
    return load_targets(table)["arn:aerostore:sqs::js:nats"]


@asynccontextmanager
async def jetstream_reader(stream: str) -> AsyncIterator[Callable[[], Awaitable[list[Delivery]]]]:
    """Reads every message of ``stream`` (by sequence); deletes the stream afterwards."""
    client = await nats.connect(f"nats://127.0.0.1:{PORT}")
    jetstream = client.jetstream()

    async def read() -> list[Delivery]:
        info = await jetstream.stream_info(stream)
        messages = [await jetstream.get_msg(stream, seq) for seq in range(1, info.state.last_seq + 1)]
        return [Delivery((m.headers or {})[MSG_ID_HEADER], (m.data or b"").decode()) for m in messages]

    try:
        yield read
    finally:
        try:
            await jetstream.delete_stream(stream)
        except NotFoundError:
            pass
        await client.close()


def test_deliver_batch_creates_stream_and_publishes() -> None:
    stream = unique("AEROSTORE_TEST_")
    batch = make_batch(5)

    async def scenario() -> list[Delivery]:
        async with jetstream_reader(stream) as read:
            target = nats_target(PORT, stream)
            await target.deliver(batch)
            await target.close()
            return await read()

    assert asyncio.run(scenario()) == batch


def test_redelivery_is_dropped_by_msg_id() -> None:
    stream = unique("AEROSTORE_TEST_")
    batch = make_batch(5)

    async def scenario() -> list[Delivery]:
        async with jetstream_reader(stream) as read:
            target = nats_target(PORT, stream)
            await target.deliver(batch[:3])
            await target.deliver(batch)
            await target.close()
            return await read()

    assert asyncio.run(scenario()) == batch


def test_nats_down_then_back() -> None:
    stream = unique("AEROSTORE_TEST_")

    async def scenario() -> tuple[list[Delivery], list[Delivery]]:
        async with jetstream_reader(stream) as read, TcpProxy(PORT) as proxy:
            target = nats_target(proxy.port, stream)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return expected, await read()

    expected, stored = asyncio.run(scenario())
    assert stored == expected


def test_nats_lost_pub_ack_redelivered_without_duplicates() -> None:
    stream = unique("AEROSTORE_TEST_")

    async def scenario() -> tuple[list[Delivery], list[Delivery]]:
        async with jetstream_reader(stream) as read, TcpProxy(PORT) as proxy:

            async def stored() -> int:
                return len(await read())

            target = nats_target(proxy.port, stream)
            expected = await acks_lost_then_redelivered(proxy, target, stored)
            await target.close()
            return expected, await read()

    expected, stored = asyncio.run(scenario())
    assert stored == expected
