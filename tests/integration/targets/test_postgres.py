"""PostgreSQL target against the real server on 127.0.0.1:5432 (database ``test``), read back by SELECT."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from aerostore.events.targets import Delivery, Target, load_targets

from .proxy import TcpProxy
from .scenarios import TIMEOUT, acks_lost_then_redelivered, down_hung_then_back, make_batch, unique

PORT = 5432
DSN = "postgresql://postgres@127.0.0.1:{port}/test"


@pytest.fixture
def table() -> Iterator[str]:
    name = unique("aerostore_test_")
    yield name
    with psycopg.connect(DSN.format(port=PORT), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


def postgres_target(port: int, table: str) -> Target:
    options = {"dsn": DSN.format(port=port), "table": table, "timeout": TIMEOUT}
    return load_targets({"postgres": {"db": options}})["arn:aerostore:sqs::db:postgres"]


def read_rows(table: str) -> list[tuple[str, object]]:
    query = sql.SQL("SELECT event_id, event, received FROM {} ORDER BY event_id").format(
        sql.Identifier(table)
    )
    with psycopg.connect(DSN.format(port=PORT)) as conn:
        rows = conn.execute(query).fetchall()
    assert all(received is not None for _, _, received in rows)
    return [(event_id, event) for event_id, event, _ in rows]


def as_rows(batch: list[Delivery]) -> list[tuple[str, object]]:
    return sorted((d.event_id, json.loads(d.body)) for d in batch)


def test_deliver_batch_inserts_one_row_per_event(table: str) -> None:
    batch = make_batch(5)
    target = postgres_target(PORT, table)

    async def scenario() -> None:
        await target.deliver(batch)
        await target.close()

    asyncio.run(scenario())
    assert read_rows(table) == as_rows(batch)


def test_redelivery_adds_no_row(table: str) -> None:
    batch = make_batch(5)
    target = postgres_target(PORT, table)

    async def scenario() -> None:
        await target.deliver(batch[:3])
        await target.deliver(batch)
        await target.deliver(batch[::-1])
        await target.close()

    asyncio.run(scenario())
    assert read_rows(table) == as_rows(batch)


def test_postgres_down_then_back(table: str) -> None:
    async def scenario() -> list[Delivery]:
        async with TcpProxy(PORT) as proxy:
            target = postgres_target(proxy.port, table)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return expected

    expected = asyncio.run(scenario())
    assert read_rows(table) == as_rows(expected)


def test_postgres_lost_commit_ack_redelivered_without_duplicates(table: str) -> None:
    async def stored() -> int:
        return await asyncio.to_thread(lambda: len(read_rows(table)))

    async def scenario() -> list[Delivery]:
        async with TcpProxy(PORT) as proxy:
            target = postgres_target(proxy.port, table)
            expected = await acks_lost_then_redelivered(proxy, target, stored)
            await target.close()
            return expected

    expected = asyncio.run(scenario())
    assert read_rows(table) == as_rows(expected)
