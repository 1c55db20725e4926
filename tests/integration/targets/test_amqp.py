"""AMQP target against the real RabbitMQ on 127.0.0.1:5672: consumed from a queue bound to the exchange."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aio_pika
import pytest

from aerostore.events.targets import Delivery, Target, TargetError, load_targets

from .proxy import TcpProxy
from .scenarios import TIMEOUT, down_hung_then_back, make_batch, unique

PORT = 5672
URL = "amqp://guest:guest@127.0.0.1:{port}/"
ROUTING_KEY = "s3-events"


def amqp_target(port: int, exchange: str, **extra: object) -> Target:
    options = {"url": URL.format(port=port), "exchange": exchange, "routing_key": ROUTING_KEY}
    table = {"amqp": {"rabbit": {**options, "timeout": TIMEOUT, **extra}}}
    return load_targets(table)["arn:aerostore:sqs::rabbit:amqp"]


@asynccontextmanager
async def bound_queue(
    exchange: str,
) -> AsyncIterator[Callable[[], Awaitable[list[aio_pika.IncomingMessage]]]]:
    """A queue bound to ``exchange`` (declared as the target declares it); deletes both afterwards."""
    connection = await aio_pika.connect(URL.format(port=PORT))
    channel = await connection.channel()
    declared = await channel.declare_exchange(exchange, aio_pika.ExchangeType.DIRECT, durable=True)
    queue = await channel.declare_queue(unique("aerostore-test-"), durable=True)
    await queue.bind(declared, ROUTING_KEY)

    async def drain() -> list[aio_pika.IncomingMessage]:
        messages = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            messages.append(message)
        return messages

    try:
        yield drain
    finally:
        await queue.delete(if_unused=False, if_empty=False)
        await channel.exchange_delete(exchange)
        await connection.close()


def as_deliveries(messages: list[aio_pika.IncomingMessage]) -> list[Delivery]:
    return [Delivery(m.message_id or "", m.body.decode()) for m in messages]


def test_deliver_batch_publishes_persistent_messages() -> None:
    exchange = unique("aerostore-test-")
    batch = make_batch(5)

    async def scenario() -> list[aio_pika.IncomingMessage]:
        async with bound_queue(exchange) as drain:
            target = amqp_target(PORT, exchange)
            await target.deliver(batch)
            await target.close()
            return await drain()

    messages = asyncio.run(scenario())
    assert as_deliveries(messages) == batch
    assert {m.delivery_mode for m in messages} == {aio_pika.DeliveryMode.PERSISTENT}
    assert {m.content_type for m in messages} == {"application/json"}


def test_unroutable_message_is_not_accepted() -> None:
    exchange = unique("aerostore-test-")

    async def scenario() -> None:
        async with bound_queue(exchange):
            target = amqp_target(PORT, exchange, routing_key="no-queue-bound")
            with pytest.raises(TargetError):
                await target.deliver(make_batch(2))
            await target.close()

    asyncio.run(scenario())


def test_amqp_down_then_back() -> None:
    exchange = unique("aerostore-test-")

    async def scenario() -> tuple[list[Delivery], list[Delivery]]:
        async with bound_queue(exchange) as drain, TcpProxy(PORT) as proxy:
            target = amqp_target(proxy.port, exchange)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return expected, as_deliveries(await drain())

    expected, consumed = asyncio.run(scenario())
    assert consumed == expected
