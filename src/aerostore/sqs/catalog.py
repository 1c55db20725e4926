"""Queue rows: create, look up, list, change attributes and tags, delete.

Functions taking a connection run on the writer thread inside its transaction (writes) or on
a reader connection (``get``, ``listing``, ``dead_letter_sources``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from aerostore.sqs import attributes as qa
from aerostore.sqs import errors
from aerostore.sqs.model import Queue

MAX_TAGS = 50


def get(conn: sqlite3.Connection, name: str) -> Queue | None:
    row = conn.execute("SELECT * FROM sqs_queues WHERE name = ?", (name,)).fetchone()
    return None if row is None else Queue.from_row(row)


def require(conn: sqlite3.Connection, name: str) -> Queue:
    queue = get(conn, name)
    if queue is None:
        raise errors.QueueDoesNotExist()
    return queue


def create(
    conn: sqlite3.Connection, name: str, attributes: dict[str, str], tags: dict[str, str], now: float
) -> tuple[Queue, bool]:
    """CreateQueue: the queue, and whether it is new. An existing queue is returned as it is when
    every attribute the request names has the value asked for; otherwise ``QueueNameExists``."""
    existing = get(conn, name)
    if existing is not None:
        for key, value in attributes.items():
            if existing.attributes.get(key, "") != value:
                raise errors.QueueNameExists(
                    f"A queue already exists with the same name and a different value for attribute {key}"
                )
        return existing, False
    defaults = {**qa.DEFAULTS, **(qa.FIFO_DEFAULTS if qa.wants_fifo(attributes) else {})}
    stored = _without_empty({**defaults, **attributes})
    conn.execute(
        "INSERT INTO sqs_queues (name, created, modified, attributes, tags) VALUES (?, ?, ?, ?, ?)",
        (name, now, now, json.dumps(stored), json.dumps(_checked_tags(tags))),
    )
    return require(conn, name), True


def set_attributes(conn: sqlite3.Connection, name: str, attributes: dict[str, str], now: float) -> Queue:
    queue = require(conn, name)
    merged = _without_empty({**queue.attributes, **attributes})
    conn.execute(
        "UPDATE sqs_queues SET attributes = ?, modified = ? WHERE id = ?", (json.dumps(merged), now, queue.id)
    )
    return require(conn, name)


def delete(conn: sqlite3.Connection, name: str) -> None:
    """DeleteQueue; the trigger of migration 0003 drops its messages."""
    queue = require(conn, name)
    conn.execute("DELETE FROM sqs_queues WHERE id = ?", (queue.id,))


def tag(conn: sqlite3.Connection, name: str, tags: dict[str, str]) -> None:
    queue = require(conn, name)
    _save_tags(conn, queue, _checked_tags({**queue.tags, **tags}))


def untag(conn: sqlite3.Connection, name: str, keys: Iterable[str]) -> None:
    queue = require(conn, name)
    drop = set(keys)
    _save_tags(conn, queue, {k: v for k, v in queue.tags.items() if k not in drop})


def listing(conn: sqlite3.Connection, prefix: str, after: str, limit: int) -> list[str]:
    """Queue names starting with ``prefix``, after ``after``, in name order, at most ``limit``."""
    rows = conn.execute(
        "SELECT name FROM sqs_queues WHERE name > ? AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?",
        (after, len(prefix), prefix, limit),
    )
    return [row["name"] for row in rows]


def dead_letter_sources(conn: sqlite3.Connection, target_arn: str) -> list[str]:
    """Names of the queues whose RedrivePolicy sends to ``target_arn``, in name order."""
    names = []
    for row in conn.execute("SELECT * FROM sqs_queues ORDER BY name"):
        redrive = Queue.from_row(row).redrive
        if redrive is not None and redrive.target_arn == target_arn:
            names.append(row["name"])
    return names


def all_queues(conn: sqlite3.Connection) -> list[Queue]:
    return [Queue.from_row(row) for row in conn.execute("SELECT * FROM sqs_queues")]


def _save_tags(conn: sqlite3.Connection, queue: Queue, tags: dict[str, str]) -> None:
    conn.execute("UPDATE sqs_queues SET tags = ? WHERE id = ?", (json.dumps(tags), queue.id))


def _checked_tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise errors.InvalidParameterValue(f"Too many tags added for queue. The maximum is {MAX_TAGS}.")
    return tags


def _without_empty(attributes: dict[str, str]) -> dict[str, str]:
    """An empty Policy, RedrivePolicy, RedriveAllowPolicy or KmsMasterKeyId removes it."""
    return {k: v for k, v in attributes.items() if v != ""}
