"""Delivery streams (Firehose API) and their durable record buffer.

``firehose_records`` is the buffer: a record is committed here before PutRecord answers and
deleted once the file holding it is in the destination bucket (at-least-once). Ids come from
AUTOINCREMENT, never reused, so the file named after its first and last record id is the same
file when a crash makes it be delivered again. ``firehose_chains`` holds each stream's last
manifest link (the hash chain over delivered files); it outlives the stream so that a stream
deleted and created again continues its chain rather than overwriting it.
"""

from __future__ import annotations

import sqlite3

STATEMENTS = [
    """
    CREATE TABLE firehose_streams (
        name TEXT PRIMARY KEY,
        created REAL NOT NULL,
        config TEXT NOT NULL  -- JSON: the destination as created (docs/firehose.md)
    )
    """,
    """
    CREATE TABLE firehose_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        arrived REAL NOT NULL,
        data BLOB NOT NULL
    )
    """,
    "CREATE INDEX firehose_records_stream ON firehose_records (stream, id)",
    """
    CREATE TABLE firehose_chains (
        stream TEXT NOT NULL,
        bucket TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (stream, bucket)
    ) WITHOUT ROWID
    """,
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
