"""Batches and outage scenarios shared by the target tests, each run against its real service."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable

import pytest

from aerostore.events.targets import Delivery, Target, TargetError

from .proxy import TcpProxy

TIMEOUT = 1.0  # each target's timeout in these tests
GRACE = 2.5  # allowance over it for reconnecting and closing what failed


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def make_batch(count: int, start: int = 0) -> list[Delivery]:
    return [
        Delivery(
            f"evt-{i:04d}-{uuid.uuid4().hex[:8]}",
            json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": f"k{i}"}}}]}),
        )
        for i in range(start, start + count)
    ]


async def fails_in_time(delivering: Awaitable[None]) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TargetError):
        await delivering
    assert loop.time() - started < TIMEOUT + GRACE


async def down_hung_then_back(proxy: TcpProxy, target: Target) -> list[Delivery]:
    """Restart the service under an idle connection, then lose it (refused, then unresponsive) and bring
    it back; returns what the service must now hold."""
    first, second = make_batch(3), make_batch(4, start=3)
    await target.deliver(first[:1])
    await proxy.up()  # every live connection is reset while idle
    await asyncio.sleep(0.2)
    await target.deliver(first[1:])  # reconnects without failing the delivery
    await proxy.down()
    await fails_in_time(target.deliver(second))
    await proxy.up()
    proxy.hang()
    await fails_in_time(target.deliver(second))
    await proxy.up()
    await target.deliver(second)
    return first + second


async def acks_lost_then_redelivered(
    proxy: TcpProxy, target: Target, stored: Callable[[], Awaitable[int]]
) -> list[Delivery]:
    """The service stores a batch but its acknowledgement is lost; the relay delivers it (and more) again.

    ``stored`` counts what the service holds. Returns the events it must hold, each exactly once.
    """
    first, second = make_batch(3), make_batch(4, start=3)
    await target.deliver(first)
    proxy.deaf()
    await fails_in_time(target.deliver(second))
    assert await stored() == len(first) + len(second)  # it did reach the service
    await proxy.up()
    await target.deliver(second)
    await target.deliver(first + second)
    return first + second
