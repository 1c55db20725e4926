"""Buckets, bucket sub-resources, object versions, the listing index, multipart, outbox, garbage.

Keys are TEXT compared with SQLite's BINARY collation, i.e. memcmp over UTF-8: exactly the
order S3 lists keys in.
"""

from __future__ import annotations

import sqlite3

STATEMENTS = [
    """
    CREATE TABLE buckets (
        name TEXT PRIMARY KEY,
        created REAL NOT NULL,
        region TEXT NOT NULL,
        owner TEXT NOT NULL,
        versioning TEXT NOT NULL DEFAULT '',  -- '', 'Enabled', 'Suspended'
        object_lock INTEGER NOT NULL DEFAULT 0
    )
    """,
    # Sub-resources stored as the documents they are (cors, lifecycle, policy, tagging, ...).
    """
    CREATE TABLE config (
        bucket TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated REAL NOT NULL,
        PRIMARY KEY (bucket, name)
    ) WITHOUT ROWID
    """,
    # Every version and delete marker. seq orders versions of a key (newest = highest) and,
    # store-wide, orders changes for events. AUTOINCREMENT: a seq is never reused.
    """
    CREATE TABLE versions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        version_id TEXT NOT NULL,
        is_latest INTEGER NOT NULL,
        delete_marker INTEGER NOT NULL DEFAULT 0,
        size INTEGER NOT NULL DEFAULT 0,
        etag TEXT NOT NULL DEFAULT '',
        last_modified REAL NOT NULL,
        content_type TEXT,
        headers TEXT NOT NULL DEFAULT '{}',
        user_meta TEXT NOT NULL DEFAULT '{}',
        checksums TEXT NOT NULL DEFAULT '{}',
        checksum_type TEXT,
        storage_class TEXT NOT NULL DEFAULT 'STANDARD',
        segments TEXT NOT NULL DEFAULT '[]',  -- [[path, size], ...] relative to the data dir
        multipart INTEGER NOT NULL DEFAULT 0,
        retention_mode TEXT,
        retain_until REAL,
        legal_hold INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE UNIQUE INDEX versions_by_id ON versions (bucket, key, version_id)",
    # ListObjectVersions order: key ascending, newest first.
    "CREATE INDEX versions_by_key ON versions (bucket, key, seq DESC)",
    # The current object of each key whose latest version is not a delete marker:
    # ListObjects is a range scan over this primary key.
    """
    CREATE TABLE objects (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (bucket, key)
    ) WITHOUT ROWID
    """,
    # Upload ids start with a time prefix, so id order is initiation order, as AWS lists them.
    """
    CREATE TABLE uploads (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        initiated REAL NOT NULL,
        attrs TEXT NOT NULL
    )
    """,
    "CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id)",
    "CREATE INDEX uploads_by_age ON uploads (initiated)",
    """
    CREATE TABLE parts (
        upload_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified REAL NOT NULL,
        checksums TEXT NOT NULL DEFAULT '{}',
        path TEXT NOT NULL,
        PRIMARY KEY (upload_id, number)
    ) WITHOUT ROWID
    """,
    # Events written in the transaction of the change they describe; a relay sends them later.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        event_name TEXT NOT NULL,
        payload TEXT NOT NULL
    )
    """,
    # Blob files no row references any more; unlinked after commit, then the row goes.
    """
    CREATE TABLE garbage (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        created REAL NOT NULL
    )
    """,
    "CREATE INDEX garbage_by_age ON garbage (created)",
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
