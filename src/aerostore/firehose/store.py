"""The delivery streams and their record buffer in SQLite (migration 0006_firehose).

Write functions run on the database's writer thread inside its transaction (``conn`` is the
write connection); readers take a reader connection.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aerostore.firehose.parquet import Record


@dataclass(frozen=True, slots=True)
class StreamRow:
    name: str
    created: float
    config: dict[str, Any]  # {"destination": ..., "extended": bool}


def append_sync(conn: sqlite3.Connection, stream: str, data: bytes, now: float) -> None:
    """Buffer one record of ``stream`` in the caller's write transaction (writer thread only).

    The record is durable when that transaction commits: a mutation's audit record is
    committed with the mutation. The stream is not checked (the caller names a built-in one).
    """
    conn.execute("INSERT INTO firehose_records (stream, arrived, data) VALUES (?, ?, ?)", (stream, now, data))


def append_many_sync(conn: sqlite3.Connection, stream: str, records: Sequence[bytes], now: float) -> None:
    """``append_sync`` for many records (the auditor's group commit; writer thread only).

    Rows go in multi-row INSERTs of ``INSERT_ROWS``, not ``executemany``: sqlite3 releases the GIL
    around every statement step, and each release and re-acquisition is a handoff with the event
    loop, which made a per-row insert cost the loop more than the insert itself.
    """
    for start in range(0, len(records), INSERT_ROWS):
        chunk = records[start : start + INSERT_ROWS]
        conn.execute(_insert_rows(len(chunk)), (stream, now, *chunk))


INSERT_ROWS = 500  # rows per statement of append_many_sync (502 parameters, well under SQLite's limit)


@functools.lru_cache(maxsize=8)
def _insert_rows(count: int) -> str:
    """An INSERT of ``count`` records sharing stream (?1) and arrival (?2)."""
    rows = ",".join(f"(?1, ?2, ?{n})" for n in range(3, count + 3))
    return f"INSERT INTO firehose_records (stream, arrived, data) VALUES {rows}"


def append_many(conn: sqlite3.Connection, stream: str, records: list[bytes], now: float) -> list[int]:
    """Buffer records of an existing stream; their ids, in order. Raises LookupError if it is gone."""
    if get(conn, stream) is None:
        raise LookupError(stream)
    ids = []
    for data in records:
        cursor = conn.execute(
            "INSERT INTO firehose_records (stream, arrived, data) VALUES (?, ?, ?)", (stream, now, data)
        )
        ids.append(int(cursor.lastrowid or 0))
    return ids


def create(conn: sqlite3.Connection, name: str, config: dict[str, Any], now: float) -> bool:
    """Create a stream; False if one of that name exists."""
    if get(conn, name) is not None:
        return False
    conn.execute("INSERT INTO firehose_streams (name, created, config) VALUES (?, ?, ?)",
                 (name, now, json.dumps(config)))  # fmt: skip
    return True


def delete(conn: sqlite3.Connection, name: str) -> bool:
    """Delete a stream and its buffered records (as Firehose discards them); False if there was none."""
    deleted = conn.execute("DELETE FROM firehose_streams WHERE name = ?", (name,)).rowcount
    conn.execute("DELETE FROM firehose_records WHERE stream = ?", (name,))
    return deleted > 0


def get(conn: sqlite3.Connection, name: str) -> StreamRow | None:
    row = conn.execute(
        "SELECT name, created, config FROM firehose_streams WHERE name = ?", (name,)
    ).fetchone()
    return None if row is None else StreamRow(row[0], row[1], json.loads(row[2]))


def listing(conn: sqlite3.Connection, after: str, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM firehose_streams WHERE name > ? ORDER BY name LIMIT ?", (after, limit)
    )
    return [row[0] for row in rows]


def pending(conn: sqlite3.Connection, stream: str, after_id: int) -> tuple[int, int, float | None]:
    """(last id, bytes, oldest arrival) of the records of ``stream`` with an id above ``after_id``."""
    row = conn.execute(
        "SELECT max(id), coalesce(sum(length(data)), 0), min(arrived) FROM firehose_records"
        " WHERE stream = ? AND id > ?",
        (stream, after_id),
    ).fetchone()
    return (row[0] or after_id), row[1], row[2]


def oldest(conn: sqlite3.Connection, stream: str, max_bytes: int) -> list[Record]:
    """The oldest buffered records of ``stream``, up to about ``max_bytes`` (at least one)."""
    records: list[Record] = []
    size = 0
    cursor = conn.execute(
        "SELECT id, arrived, data FROM firehose_records WHERE stream = ? ORDER BY id", (stream,)
    )
    for row in cursor:
        if records and size + len(row[2]) > max_bytes:
            break
        records.append(Record(row[0], row[1], bytes(row[2])))
        size += len(row[2])
    cursor.close()
    return records


def chain_head(conn: sqlite3.Connection, stream: str, bucket: str) -> tuple[int, str]:
    """(sequence number, hash) of the last manifest link of ``stream`` in ``bucket``; (0, "") at first."""
    row = conn.execute("SELECT seq, hash FROM firehose_chains WHERE stream = ? AND bucket = ?",
                       (stream, bucket)).fetchone()  # fmt: skip
    return (0, "") if row is None else (row[0], row[1])


def delivered(
    conn: sqlite3.Connection, stream: str, bucket: str, last_id: int, seq: int, digest: str
) -> None:
    """After a delivery: drop the records it holds and move the chain head, in one transaction."""
    conn.execute("DELETE FROM firehose_records WHERE stream = ? AND id <= ?", (stream, last_id))
    conn.execute(
        "INSERT INTO firehose_chains (stream, bucket, seq, hash) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (stream, bucket) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (stream, bucket, seq, digest),
    )
