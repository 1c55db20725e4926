"""MQTT target against the real Mosquitto on 127.0.0.1:1883: read back by a QoS 1 subscriber."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiomqtt

from aerostore.events.targets import Target, load_targets

from .proxy import TcpProxy
from .scenarios import TIMEOUT, down_hung_then_back, make_batch, unique

PORT = 1883


def mqtt_target(port: int, topic: str) -> Target:
    table = {"mqtt": {"broker": {"broker": f"tcp://127.0.0.1:{port}", "topic": topic, "timeout": TIMEOUT}}}
    return load_targets(table)["arn:aerostore:sqs::broker:mqtt"]


@asynccontextmanager
async def subscriber(topic: str) -> AsyncIterator[Callable[[int], Awaitable[list[str]]]]:
    """Subscribed at QoS 1 before anything is published; ``receive(n)`` waits for n payloads."""
    async with aiomqtt.Client("127.0.0.1", PORT) as client:
        await client.subscribe(topic, qos=1)

        async def receive(count: int) -> list[str]:
            payloads: list[str] = []
            async with asyncio.timeout(5):
                async for message in client.messages:
                    assert message.qos == 1
                    payloads.append(bytes(message.payload).decode())  # type: ignore[arg-type]
                    if len(payloads) == count:
                        break
            return payloads

        yield receive


def test_deliver_batch_reaches_subscriber() -> None:
    topic = unique("aerostore/test/")
    batch = make_batch(5)

    async def scenario() -> list[str]:
        async with subscriber(topic) as receive:
            target = mqtt_target(PORT, topic)
            await target.deliver(batch)
            await target.close()
            return await receive(len(batch))

    assert asyncio.run(scenario()) == [d.body for d in batch]


def test_mqtt_down_then_back() -> None:
    topic = unique("aerostore/test/")

    async def scenario() -> tuple[list[str], list[str]]:
        async with subscriber(topic) as receive, TcpProxy(PORT) as proxy:
            target = mqtt_target(proxy.port, topic)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return [d.body for d in expected], await receive(len(expected))

    expected, received = asyncio.run(scenario())
    assert received == expected
