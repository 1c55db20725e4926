"""The embedded SQS queues: queues, their messages, FIFO deduplication records.

A message's state is two columns. ``visible_at`` is when it may next be received (send time +
delay, then receive time + visibility timeout); ``receive_count`` > 0 tells an in-flight
message from a delayed one when ``visible_at`` is in the future. ``receipt`` is a random nonce
renewed on every receive: a receipt handle names (queue, row, nonce), so a handle from an
earlier receive no longer matches once the message was received again.

Queues are keyed by an AUTOINCREMENT id, never reused, so the messages and handles of a
deleted queue can never be mistaken for those of a new queue of the same name. The trigger
drops a queue's messages with it, whatever path deletes the queue.
"""

from __future__ import annotations

import sqlite3

STATEMENTS = [
    """
    CREATE TABLE sqs_queues (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        created REAL NOT NULL,
        modified REAL NOT NULL,
        attributes TEXT NOT NULL,  -- JSON object: the settable attributes, as strings
        tags TEXT NOT NULL DEFAULT '{}',
        sequence INTEGER NOT NULL DEFAULT 0  -- FIFO: the last SequenceNumber handed out
    )
    """,
    """
    CREATE TABLE sqs_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        md5_body TEXT NOT NULL,
        attributes TEXT,  -- JSON object of message attributes as sent (binary values base64)
        system TEXT,  -- JSON object of message system attributes (AWSTraceHeader)
        sender TEXT NOT NULL,
        sent REAL NOT NULL,
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        first_received REAL,
        receipt TEXT,
        group_id TEXT,
        dedup_id TEXT,
        sequence INTEGER,
        source_arn TEXT  -- the queue a dead-lettered message came from
    )
    """,
    "CREATE INDEX sqs_messages_ready ON sqs_messages (queue_id, visible_at)",
    "CREATE INDEX sqs_messages_sent ON sqs_messages (queue_id, sent)",
    "CREATE INDEX sqs_messages_group ON sqs_messages (queue_id, group_id, id) WHERE group_id IS NOT NULL",
    # FIFO: a deduplication id answers with its first message for five minutes.
    """
    CREATE TABLE sqs_dedup (
        queue_id INTEGER NOT NULL,
        dedup_key TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        expires REAL NOT NULL,
        PRIMARY KEY (queue_id, dedup_key)
    ) WITHOUT ROWID
    """,
    """
    CREATE TRIGGER sqs_queues_drop_messages AFTER DELETE ON sqs_queues
    BEGIN
        DELETE FROM sqs_messages WHERE queue_id = old.id;
        DELETE FROM sqs_dedup WHERE queue_id = old.id;
    END
    """,
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
