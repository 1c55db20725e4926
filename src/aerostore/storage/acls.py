"""Object ACLs: a version's ``versions.acl`` (JSON, access/acl.py), replaced by PutObjectAcl.

A write that creates a version stores its ACL in the same row; this job changes one version's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from aerostore.storage.meta import rows
from aerostore.storage.model import ObjectVersion
from aerostore.storage.tagging import target


def put_object_acl(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None, acl: str | None
) -> ObjectVersion:
    """Replace the ACL of the latest version or of exactly ``version_id`` (write job)."""
    row = target(conn, bucket, key, version_id, "PUT")
    conn.execute("UPDATE versions SET acl = ? WHERE seq = ?", (acl, row["seq"]))
    version = rows.to_version(row)
    return replace(version, attrs=replace(version.attrs, acl=acl))
