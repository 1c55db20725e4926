"""The archive tier (docs/archive.md): archived bytes, restores, and what a crash may leave.

- ``versions.archive``: JSON locator of the version's archived copy (tier name, reference in
  that tier, stored size, codec, the sizes of its parts); NULL while the bytes are hot. An
  archived version has ``segments = '[]'`` and no ``inline_data`` row.
- ``versions.restore``: JSON state of a RestoreObject (tier, days, requested, ready_at, expiry,
  the temporary copy's segments); NULL when none was asked for or the copy expired.
- ``archive_garbage``: archived copies no row references any more, deleted from their tier by
  the archive service (the tier may be remote, so this cannot happen inside a transaction).
- ``archive_intents``: a copy being written to a tier. It is recorded before the first byte
  goes out and removed in the transaction that installs the locator (or after the copy is
  discarded), so after a crash every intent whose reference no version holds names an orphan.

Triggers make a version row own both copies, whatever code path deletes it (DeleteObject,
lifecycle expiry, overwrite of the null version): its archived copy goes to
``archive_garbage`` and its restored copy's blobs to ``garbage``.
"""

from __future__ import annotations

import sqlite3

_NOW = "(julianday('now') - 2440587.5) * 86400.0"  # epoch seconds, as SQLite 3.40 can say it

STATEMENTS = [
    "ALTER TABLE versions ADD COLUMN archive TEXT",
    "ALTER TABLE versions ADD COLUMN restore TEXT",
    """
    CREATE TABLE archive_garbage (
        id INTEGER PRIMARY KEY,
        locator TEXT NOT NULL,
        created REAL NOT NULL
    )
    """,
    """
    CREATE TABLE archive_intents (
        ref TEXT PRIMARY KEY,
        locator TEXT NOT NULL,
        created REAL NOT NULL
    ) WITHOUT ROWID
    """,
    # Versions of an archive class whose bytes are still hot (a PUT straight to GLACIER).
    """
    CREATE INDEX versions_to_archive ON versions (seq)
    WHERE archive IS NULL AND storage_class IN ('GLACIER', 'DEEP_ARCHIVE') AND delete_marker = 0
    """,
    # The restore processor's work list: requested restores and live temporary copies.
    "CREATE INDEX versions_restoring ON versions (seq) WHERE restore IS NOT NULL",
    # Lookup of a reference when a crash left an intent behind.
    "CREATE INDEX versions_by_archive ON versions (json_extract(archive, '$.ref')) WHERE archive IS NOT NULL",
    f"""
    CREATE TRIGGER versions_drop_archive AFTER DELETE ON versions
    WHEN old.archive IS NOT NULL
    BEGIN
        INSERT INTO archive_garbage (locator, created) VALUES (old.archive, {_NOW});
    END
    """,
    f"""
    CREATE TRIGGER versions_drop_restored AFTER DELETE ON versions
    WHEN old.restore IS NOT NULL
    BEGIN
        INSERT INTO garbage (path, created)
        SELECT json_extract(s.value, '$[0]'), {_NOW}
        FROM json_each(old.restore, '$.segments') s;
    END
    """,
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
