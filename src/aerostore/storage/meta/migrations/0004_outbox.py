"""The event outbox: one row per (event, destination), written in the transaction of its change.

Replaces the placeholder table of 0001, which nothing wrote to. A row is the rendered message
and the ARN it goes to; the relay (events/relay.py) delivers rows of one destination in ``id``
order and deletes them only once the destination has accepted them. ``id`` order is commit
order, because one writer thread makes every change: when a relay has read up to ``id`` N of a
destination, no row of that destination below N can still appear.
"""

from __future__ import annotations

import sqlite3

STATEMENTS = [
    "DROP TABLE outbox",
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        target TEXT NOT NULL,
        event_id TEXT NOT NULL,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        event_name TEXT NOT NULL,
        payload TEXT NOT NULL
    )
    """,
    "CREATE INDEX outbox_by_target ON outbox (target, id)",
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
