"""Small object bodies stored in SQLite, committed in the transaction of their version row.

A blob file costs a durable write of its own: fsync the file, link it, fsync its directory,
each a device flush, before the metadata commit can even start. For a 4 KiB object those
flushes are nearly all of the cost of a PUT. A body in the database rides on the WAL fsync
its group commit pays anyway, so N concurrent small PUTs cost one flush, not 2N + 1.

Why a table of its own and not a BLOB column on ``versions``:

- ``versions`` is what listings scan (``SELECT * FROM versions``, the ``objects`` join). A
  column of up to 64 KiB would spill most rows onto overflow pages and turn a listing page
  from tens of B-tree pages into thousands, and every ``SELECT *`` would copy the bodies.
  Here the bodies sit in their own B-tree, which only GET, HEAD and copy ever touch.
- Keyed by ``seq`` (the rowid of the version), the lookup is one integer-key probe, joined
  to the version row in the same statement, so a reader gets row and bytes from one
  snapshot and an overwrite committing in between cannot separate them.
- A version row owns its body. The trigger deletes the body whenever its row goes, from
  whatever code path (overwrite of the null version, DeleteObject with a version id,
  lifecycle expiry later), so no body can outlive its row and none needs garbage collection.

A version is inline iff it has a row here; its ``segments`` are then ``[]``.
"""

from __future__ import annotations

import sqlite3

STATEMENTS = [
    "CREATE TABLE inline_data (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    """
    CREATE TRIGGER versions_drop_inline_data AFTER DELETE ON versions
    BEGIN
        DELETE FROM inline_data WHERE seq = old.seq;
    END
    """,
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
