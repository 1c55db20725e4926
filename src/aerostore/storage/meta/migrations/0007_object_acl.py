"""Per-version object ACLs (access/acl.py): ``versions.acl``, the ACL as JSON.

NULL is the default ACL: the bucket owner's FULL_CONTROL. Honoured only while the bucket's
Object Ownership enables ACLs.
"""

from __future__ import annotations

import sqlite3


def up(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE versions ADD COLUMN acl TEXT")
