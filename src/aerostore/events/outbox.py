"""The outbox: event rows written inside the transaction of the change they describe.

Runs on the writer thread (``conn`` is the write connection, inside a job's savepoint), so an
event exists if and only if its change committed. The relay (events/relay.py) reads committed
rows per destination in ``id`` order and removes them once delivered.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aerostore.events import filters
from aerostore.events.model import EventName, ObjectState, Origin, event_message, s3_test_event
from aerostore.s3.names import canonical_id
from aerostore.storage.documents import ParsedDocuments
from aerostore.storage.model import NULL_VERSION, ObjectVersion

CONFIG_NAME = "notification"  # the bucket sub-resource row in ``config`` holding the configuration


@dataclass(frozen=True, slots=True)
class Change:
    """One committed object change that may produce events."""

    name: EventName
    version: ObjectVersion


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    event_id: str
    payload: str


class Sequencer:
    """Strictly increasing numbers for the records' ``sequencer`` (writer thread only).

    Nanoseconds since the epoch, bumped past the last one handed out: later changes of a key
    always compare greater, across restarts too (as long as the clock does not go back).
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, time.time_ns())
        return self._last


def configurations() -> ParsedDocuments[filters.NotificationConfiguration]:
    """Buckets' notification configurations: a write reads one row, parses rarely."""
    return ParsedDocuments(CONFIG_NAME, lambda text: filters.validate(json.loads(text)))


def to_plain(config: filters.NotificationConfiguration) -> dict[str, Any]:
    """The stored (and boto3-shaped) form of a validated configuration, ids filled in."""
    queues = []
    for q in config.queues:
        plain: dict[str, Any] = {"Id": q.id, "QueueArn": q.queue_arn, "Events": list(q.events)}
        if q.rules:
            rules = [{"Name": rule.name, "Value": rule.value} for rule in q.rules]
            plain["Filter"] = {"Key": {"FilterRules": rules}}
        queues.append(plain)
    out: dict[str, Any] = {"QueueConfigurations": queues}
    if config.event_bridge:
        out["EventBridgeConfiguration"] = {}
    return out


def _insert(conn: sqlite3.Connection, now: float, target: str, bucket: str, key: str, name: str,
            message: dict[str, Any]) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO outbox (created, target, event_id, bucket, key, event_name, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (now, target, uuid.uuid4().hex, bucket, key, name, json.dumps(message, separators=(",", ":"))),
    )


def _owner_id(conn: sqlite3.Connection, bucket: str) -> str:
    row = conn.execute("SELECT owner FROM buckets WHERE name = ?", (bucket,)).fetchone()
    return canonical_id(str(row[0])) if row is not None else ""


def record(
    conn: sqlite3.Connection,
    config: filters.NotificationConfiguration,
    bucket: str,
    changes: Iterable[Change],
    origin: Origin,
    sequencer: Sequencer,
    now: float,
) -> dict[str, int]:
    """Insert a row per (change, matching configuration); returns rows added per destination."""
    added: dict[str, int] = {}
    owner: str | None = None
    for change in changes:
        matching = filters.matching_configurations(config, change.name.value, change.version.key)
        if not matching:
            continue
        if owner is None:
            owner = _owner_id(conn, bucket)
        v = change.version
        state = ObjectState(
            key=v.key,
            seq=sequencer.next(),
            size=v.size,
            etag=v.etag or None,
            version_id=v.version_id if v.version_id and v.version_id != NULL_VERSION else None,
            storage_class=v.attrs.storage_class,
            restore_expiry=v.restore.expiry if v.restore is not None else None,
        )
        who = Origin(origin.region, origin.request_id, origin.host_id, origin.principal_id, owner,
                     origin.source_ip)  # fmt: skip
        for q in matching:
            message = event_message(change.name, bucket, state, who, configuration_id=q.id, epoch=now)
            _insert(conn, now, q.queue_arn, bucket, v.key, change.name.value, message)
            added[q.queue_arn] = added.get(q.queue_arn, 0) + 1
    return added


def record_test_events(
    conn: sqlite3.Connection, config: filters.NotificationConfiguration, bucket: str, origin: Origin,
    now: float,
) -> dict[str, int]:  # fmt: skip
    """The ``s3:TestEvent`` AWS sends each destination of a configuration when it is saved."""
    added: dict[str, int] = {}
    for arn in dict.fromkeys(q.queue_arn for q in config.queues):
        message = s3_test_event(bucket, request_id=origin.request_id, host_id=origin.host_id, epoch=now)
        _insert(conn, now, arn, bucket, "", "s3:TestEvent", message)
        added[arn] = 1
    return added


# ---- the relay's side ----


def pending_by_target(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows waiting per destination (a full index scan: at start and for resynchronising only)."""
    rows = conn.execute("SELECT target, count(*) FROM outbox GROUP BY target")
    return {str(target): int(count) for target, count in rows}


def pending_for(conn: sqlite3.Connection, target: str) -> int:
    row = conn.execute("SELECT count(*) FROM outbox WHERE target = ?", (target,)).fetchone()
    return int(row[0])


def next_batch(conn: sqlite3.Connection, target: str, limit: int) -> list[Row]:
    """The oldest committed rows of one destination."""
    rows = conn.execute(
        "SELECT id, event_id, payload FROM outbox WHERE target = ? ORDER BY id LIMIT ?", (target, limit)
    )
    return [Row(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def remove(conn: sqlite3.Connection, target: str, rows: Sequence[Row]) -> None:
    """Delivered: drop exactly these rows (writer thread)."""
    conn.executemany("DELETE FROM outbox WHERE id = ? AND target = ?", [(r.id, target) for r in rows])
