"""PostgreSQL target: one row per event in ``table`` (created if missing), keyed by the event id.

A batch is one ``INSERT ... ON CONFLICT (event_id) DO NOTHING`` statement in autocommit: accepted means
committed, and a redelivered event never adds a second row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetOptions

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg.sql import Composed

CREATE = """CREATE TABLE IF NOT EXISTS {} (
    event_id TEXT PRIMARY KEY,
    received TIMESTAMPTZ NOT NULL DEFAULT now(),
    event JSONB NOT NULL
)"""
INSERT = """INSERT INTO {} (event_id, event)
SELECT id, body::jsonb FROM unnest(%s::text[], %s::text[]) AS batch(id, body)
ON CONFLICT (event_id) DO NOTHING"""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresOptions(TargetOptions):
    dsn: str  # postgresql://user@host:5432/db or "host=... dbname=..."
    table: str = "aerostore_events"  # "name" or "schema.name"

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        parts = self.table.split(".")
        if len(parts) > 2 or not all(parts):
            raise ValueError(f"table must be NAME or SCHEMA.NAME, got {self.table!r}")


@dataclass(frozen=True, slots=True)
class _Link:
    connection: AsyncConnection
    insert: Composed


class PostgresTarget(ConnectedTarget[PostgresOptions, _Link]):
    type_name = "postgres"
    options_type = PostgresOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.Error, OSError)

    async def _open(self) -> _Link:
        import psycopg
        from psycopg import sql

        connection = await psycopg.AsyncConnection.connect(
            self.options.dsn, autocommit=True, connect_timeout=max(1, round(self.options.timeout))
        )
        table = sql.Identifier(*self.options.table.split("."))
        try:
            await connection.execute(sql.SQL(CREATE).format(table))
        except BaseException:
            await self._close_quietly(connection.close())
            raise
        return _Link(connection, sql.SQL(INSERT).format(table))

    def _usable(self, conn: _Link) -> bool:
        return not conn.connection.closed and not conn.connection.broken

    async def _send(self, conn: _Link, batch: Sequence[Delivery]) -> None:
        ids = [delivery.event_id for delivery in batch]
        bodies = [delivery.body for delivery in batch]
        await conn.connection.execute(conn.insert, (ids, bodies))

    async def _close(self, conn: _Link) -> None:
        await conn.connection.close()
