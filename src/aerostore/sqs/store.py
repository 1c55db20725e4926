"""Message state in SQLite. Writes run on the writer thread, inside its transaction.

Every change of a message's visibility happens in a write transaction, and there is one
writer thread: two receives are serialized, so no two receivers can ever get the same message
within its visibility window. A send is answered only after its transaction commits.

``enqueue_sync`` is for code that already holds a writer transaction (the event relay moves
outbox rows into queue messages atomically); it must call ``QueueService.notify`` after commit.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from aerostore.sqs import attributes as qa
from aerostore.sqs import catalog, errors, receipts
from aerostore.sqs.digests import md5_of_body
from aerostore.sqs.model import Counts, NewMessage, Queue, Received, Sent

DEDUPLICATION_INTERVAL = 300.0  # FIFO deduplication ids count for five minutes
SYSTEM_SENDER = "AIDAAEROSTOREEVENTS"  # SenderId of messages the server itself enqueues
EVENT_GROUP = "aerostore"  # MessageGroupId of those messages on a FIFO queue
_FILL_SLACK = 16  # extra rows read per receive, for expired or dead-lettered ones


@dataclass(slots=True)
class ReceiveOutcome:
    messages: list[Received] = field(default_factory=list)
    dead_lettered: set[str] = field(default_factory=set)  # queues that got messages


# ---- sending ----


def enqueue_sync(conn: sqlite3.Connection, queue_name: str, body: str, now: float) -> bool:
    """Insert one message into ``queue_name`` in the caller's write transaction.

    Returns False if the queue does not exist (any more). On a FIFO queue the message goes to
    group ``aerostore`` with a fresh deduplication id.
    """
    queue = catalog.get(conn, queue_name)
    if queue is None:
        return False
    insert(conn, queue, system_message(queue, body), now)
    return True


def system_message(queue: Queue, body: str) -> NewMessage:
    """A message the server itself sends: no attributes; on a FIFO queue, group ``aerostore``."""
    return NewMessage(
        body=body,
        md5_body=md5_of_body(body),
        attributes={},
        system={},
        sender=SYSTEM_SENDER,
        group_id=EVENT_GROUP if queue.fifo else None,
        dedup_id=uuid.uuid4().hex if queue.fifo else None,
    )


def send_batch(
    conn: sqlite3.Connection, queue_name: str, messages: list[NewMessage], now: float
) -> list[Sent | errors.SqsError]:
    """SendMessage(Batch): each message is checked against the queue and inserted, or fails alone."""
    queue = catalog.require(conn, queue_name)
    results: list[Sent | errors.SqsError] = []
    for message in messages:
        try:
            check_for_queue(queue, message)
            results.append(insert(conn, queue, message, now))
        except errors.SqsError as exc:
            results.append(exc)
    return results


def check_for_queue(queue: Queue, message: NewMessage) -> None:
    """The checks that depend on the queue: size limit, and the FIFO-only parameters."""
    limit = queue.int_attribute(qa.MAXIMUM_MESSAGE_SIZE)
    if message.size > limit:
        raise errors.InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
        )
    if not queue.fifo:
        if message.dedup_id is not None:
            raise _wrong_queue_type("MessageDeduplicationId", message.dedup_id)
        return
    if message.delay is not None:
        raise _wrong_queue_type("DelaySeconds", message.delay)
    if message.group_id is None:
        raise errors.missing("MessageGroupId")
    if message.dedup_id is None and not queue.content_based_deduplication:
        raise errors.InvalidParameterValue(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
            "provided explicitly"
        )


def _wrong_queue_type(parameter: str, value: object) -> errors.SqsError:
    return errors.invalid_value(
        parameter, value, "The request include parameter that is not valid for this queue type."
    )


def insert(conn: sqlite3.Connection, queue: Queue, message: NewMessage, now: float) -> Sent:
    """Store one checked message; on a FIFO queue a duplicate answers with the first one's id."""
    sequence: int | None = None
    dedup_id = message.dedup_id
    if queue.fifo:
        dedup_id = dedup_id or hashlib.sha256(message.body.encode("utf-8")).hexdigest()
        earlier = _deduplicated(conn, queue, message.group_id or "", dedup_id, now)
        if earlier is not None:
            return earlier
        sequence = _next_sequence(conn, queue)
    delay = message.delay if message.delay is not None else queue.int_attribute(qa.DELAY_SECONDS)
    message_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO sqs_messages (queue_id, message_id, body, md5_body, attributes, system, sender, sent,"
        " visible_at, group_id, dedup_id, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (queue.id, message_id, message.body, message.md5_body, _json_or_null(message.attributes),
         _json_or_null(message.system), message.sender, now, now + delay, message.group_id, dedup_id,
         sequence),
    )  # fmt: skip
    if queue.fifo:
        key = _dedup_key(queue, message.group_id or "", dedup_id or "")
        conn.execute(
            "INSERT OR REPLACE INTO sqs_dedup (queue_id, dedup_key, message_id, sequence, expires)"
            " VALUES (?, ?, ?, ?, ?)",
            (queue.id, key, message_id, sequence, now + DEDUPLICATION_INTERVAL),
        )
    return Sent(message_id, sequence)


def _deduplicated(
    conn: sqlite3.Connection, queue: Queue, group: str, dedup_id: str, now: float
) -> Sent | None:
    row = conn.execute(
        "SELECT message_id, sequence FROM sqs_dedup WHERE queue_id = ? AND dedup_key = ? AND expires > ?",
        (queue.id, _dedup_key(queue, group, dedup_id), now),
    ).fetchone()
    return None if row is None else Sent(row["message_id"], row["sequence"])


def _dedup_key(queue: Queue, group: str, dedup_id: str) -> str:
    return f"{group}\x00{dedup_id}" if queue.dedup_per_group else dedup_id


def _next_sequence(conn: sqlite3.Connection, queue: Queue) -> int:
    row = conn.execute(
        "UPDATE sqs_queues SET sequence = sequence + 1 WHERE id = ? RETURNING sequence", (queue.id,)
    ).fetchone()
    return int(row[0])


def _json_or_null(value: dict[str, Any]) -> str | None:
    return json.dumps(value) if value else None


# ---- receiving ----


def receive(
    conn: sqlite3.Connection,
    queue_name: str,
    max_messages: int,
    visibility: int | None,
    now: float,
    *,
    dead_letter_queue: str | None = None,
    source_arn: str = "",
) -> ReceiveOutcome:
    """Hand out up to ``max_messages`` visible messages, making them invisible for ``visibility``.

    A message already received ``maxReceiveCount`` times moves to ``dead_letter_queue``
    instead (when that queue exists), marked as coming from ``source_arn``; one older than the
    retention period is deleted.
    """
    queue = catalog.require(conn, queue_name)
    timeout = visibility if visibility is not None else queue.int_attribute(qa.VISIBILITY_TIMEOUT)
    redrive = queue.redrive
    dlq = catalog.get(conn, dead_letter_queue) if dead_letter_queue else None
    oldest = now - queue.int_attribute(qa.MESSAGE_RETENTION_PERIOD)
    outcome = ReceiveOutcome()
    blocked = _groups_in_flight(conn, queue, now) if queue.fifo else set()
    seen: set[int] = set()
    while len(outcome.messages) < max_messages:
        limit = max_messages - len(outcome.messages) + _FILL_SLACK
        rows = _candidates(conn, queue, now, limit)
        fresh = [row for row in rows if row["id"] not in seen]
        for row in fresh:
            seen.add(row["id"])
            if row["sent"] <= oldest:
                conn.execute("DELETE FROM sqs_messages WHERE id = ?", (row["id"],))
            elif row["group_id"] in blocked:
                continue
            elif (
                dlq is not None and redrive is not None and row["receive_count"] >= redrive.max_receive_count
            ):
                _dead_letter(conn, row, dlq, source_arn, now)
                outcome.dead_lettered.add(dlq.name)
            else:
                outcome.messages.append(_hand_out(conn, queue, row, timeout, now))
                if len(outcome.messages) == max_messages:
                    break
        if not fresh or len(rows) < limit:
            break
    return outcome


def _candidates(conn: sqlite3.Connection, queue: Queue, now: float, limit: int) -> list[sqlite3.Row]:
    # FIFO hands out in send order; a standard queue in order of becoming visible.
    order = "id" if queue.fifo else "visible_at"
    return conn.execute(
        f"SELECT * FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? ORDER BY {order} LIMIT ?",
        (queue.id, now, limit),
    ).fetchall()


def _groups_in_flight(conn: sqlite3.Connection, queue: Queue, now: float) -> set[str | None]:
    """FIFO: a group with a message in flight is blocked until that message is deleted or visible."""
    rows = conn.execute(
        "SELECT DISTINCT group_id FROM sqs_messages"
        " WHERE queue_id = ? AND visible_at > ? AND receive_count > 0",
        (queue.id, now),
    )
    return {row["group_id"] for row in rows}


def _hand_out(conn: sqlite3.Connection, queue: Queue, row: sqlite3.Row, timeout: int, now: float) -> Received:
    nonce = receipts.new_nonce()
    first = row["first_received"] if row["first_received"] is not None else now
    conn.execute(
        "UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, first_received = ?,"
        " receipt = ? WHERE id = ?",
        (now + timeout, first, nonce, row["id"]),
    )
    return Received(
        message_id=row["message_id"],
        receipt_handle=receipts.encode(queue.id, row["id"], nonce),
        body=row["body"],
        md5_body=row["md5_body"],
        attributes=json.loads(row["attributes"]) if row["attributes"] else {},
        system=json.loads(row["system"]) if row["system"] else {},
        sender=row["sender"],
        sent=row["sent"],
        receive_count=row["receive_count"] + 1,
        first_received=first,
        group_id=row["group_id"],
        dedup_id=row["dedup_id"],
        sequence=row["sequence"],
        source_arn=row["source_arn"],
    )


def _dead_letter(conn: sqlite3.Connection, row: sqlite3.Row, dlq: Queue, source_arn: str, now: float) -> None:
    """Move a message to its DLQ: same id, body and send time, received zero times there."""
    conn.execute(
        "UPDATE sqs_messages SET queue_id = ?, visible_at = ?, receive_count = 0, first_received = NULL,"
        " receipt = NULL, source_arn = ? WHERE id = ?",
        (dlq.id, now, source_arn, row["id"]),
    )


# ---- acknowledging ----


def delete(conn: sqlite3.Connection, queue_name: str, handle: str, now: float) -> None:
    """DeleteMessage. A stale handle (the message was received again since) deletes nothing and
    succeeds, as on a standard SQS queue; a FIFO queue refuses a handle whose visibility expired."""
    queue = catalog.require(conn, queue_name)
    receipt = receipts.decode(handle, queue.id)
    if queue.fifo:
        row = _current(conn, receipt)
        if row is None or row["visible_at"] <= now:
            raise errors.invalid_value("ReceiptHandle", handle, "The receipt handle has expired.")
    conn.execute(
        "DELETE FROM sqs_messages WHERE id = ? AND queue_id = ? AND receipt = ?",
        (receipt.row_id, receipt.queue_id, receipt.nonce),
    )


def change_visibility(
    conn: sqlite3.Connection, queue_name: str, handle: str, timeout: int, now: float
) -> None:
    """ChangeMessageVisibility: the message becomes visible ``timeout`` seconds from now."""
    queue = catalog.require(conn, queue_name)
    receipt = receipts.decode(handle, queue.id)
    row = _current(conn, receipt)
    if row is None:
        raise errors.invalid_value(
            "ReceiptHandle",
            handle,
            "Message does not exist or is not available for visibility timeout change.",
        )
    if row["visible_at"] <= now:
        raise errors.MessageNotInflight()
    conn.execute("UPDATE sqs_messages SET visible_at = ? WHERE id = ?", (now + timeout, receipt.row_id))


def _current(conn: sqlite3.Connection, receipt: receipts.Receipt) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT visible_at FROM sqs_messages WHERE id = ? AND queue_id = ? AND receipt = ?",
        (receipt.row_id, receipt.queue_id, receipt.nonce),
    ).fetchone()
    return row


def purge(conn: sqlite3.Connection, queue_name: str) -> int:
    queue = catalog.require(conn, queue_name)
    return conn.execute("DELETE FROM sqs_messages WHERE queue_id = ?", (queue.id,)).rowcount


def sweep(conn: sqlite3.Connection, now: float) -> int:
    """Delete messages past their queue's retention period and expired deduplication records."""
    removed = 0
    for queue in catalog.all_queues(conn):
        oldest = now - queue.int_attribute(qa.MESSAGE_RETENTION_PERIOD)
        cursor = conn.execute("DELETE FROM sqs_messages WHERE queue_id = ? AND sent <= ?", (queue.id, oldest))
        removed += cursor.rowcount
    conn.execute("DELETE FROM sqs_dedup WHERE expires <= ?", (now,))
    return removed


# ---- reading (reader connections) ----


def counts(conn: sqlite3.Connection, queue_id: int, now: float) -> Counts:
    row = conn.execute(
        "SELECT COALESCE(SUM(visible_at <= :now), 0),"
        " COALESCE(SUM(visible_at > :now AND receive_count > 0), 0),"
        " COALESCE(SUM(visible_at > :now AND receive_count = 0), 0)"
        " FROM sqs_messages WHERE queue_id = :queue",
        {"now": now, "queue": queue_id},
    ).fetchone()
    return Counts(visible=row[0], in_flight=row[1], delayed=row[2])


def has_visible(conn: sqlite3.Connection, queue_id: int, now: float) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? LIMIT 1", (queue_id, now)
    ).fetchone()
    return row is not None


def next_visible(conn: sqlite3.Connection, queue_id: int, now: float) -> float | None:
    """When the next delayed or in-flight message becomes visible, if any."""
    row = conn.execute(
        "SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?", (queue_id, now)
    ).fetchone()
    return None if row[0] is None else float(row[0])
