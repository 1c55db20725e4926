"""Bucket write jobs: create, delete, versioning state and sub-resource documents.

Bucket rules: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
and https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
"""

from __future__ import annotations

import sqlite3
import time

from aerostore.s3 import errors
from aerostore.storage.meta import rows
from aerostore.storage.model import Bucket
from aerostore.storage.versions import ENABLED, add_garbage, bucket_row

VERSIONING_STATES = (ENABLED, "Suspended")


def create(conn: sqlite3.Connection, name: str, owner: str, region: str, object_lock: bool) -> Bucket:
    """Object Lock needs versioning, so a lock-enabled bucket starts with versioning Enabled."""
    row = conn.execute("SELECT owner FROM buckets WHERE name = ?", (name,)).fetchone()
    if row is not None:
        if row["owner"] == owner:
            raise errors.BucketAlreadyOwnedByYou(BucketName=name)
        raise errors.BucketAlreadyExists(BucketName=name)
    bucket = Bucket(name, time.time(), region, owner, ENABLED if object_lock else "", object_lock)
    conn.execute(
        "INSERT INTO buckets (name, created, region, owner, versioning, object_lock) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (name, bucket.created, region, owner, bucket.versioning, int(object_lock)),
    )
    return bucket


def delete(conn: sqlite3.Connection, name: str) -> None:
    """Any version or delete marker left makes the bucket not empty; uploads are aborted with it."""
    bucket_row(conn, name)
    if conn.execute("SELECT 1 FROM versions WHERE bucket = ? LIMIT 1", (name,)).fetchone():
        raise errors.BucketNotEmpty(BucketName=name)
    uploads = "SELECT upload_id FROM uploads WHERE bucket = ?"
    paths = conn.execute(f"SELECT path FROM parts WHERE upload_id IN ({uploads})", (name,))
    add_garbage(conn, [p[0] for p in paths])
    conn.execute(f"DELETE FROM parts WHERE upload_id IN ({uploads})", (name,))
    conn.execute("DELETE FROM uploads WHERE bucket = ?", (name,))
    conn.execute("DELETE FROM config WHERE bucket = ?", (name,))
    conn.execute("DELETE FROM buckets WHERE name = ?", (name,))


def set_versioning(conn: sqlite3.Connection, name: str, status: str) -> Bucket:
    """Versioning can be suspended but never turned off; Object Lock forbids suspending it."""
    if status not in VERSIONING_STATES:
        raise errors.MalformedXML()
    row = bucket_row(conn, name)
    if row["object_lock"] and status != ENABLED:
        raise errors.InvalidBucketState(
            "An Object Lock configuration is present on this bucket, "
            "so the versioning state cannot be changed."
        )
    conn.execute("UPDATE buckets SET versioning = ? WHERE name = ?", (status, name))
    return rows.to_bucket(bucket_row(conn, name))


def set_config(conn: sqlite3.Connection, bucket: str, name: str, value: str | None) -> None:
    """Store (or with ``None`` remove) one sub-resource document: cors, lifecycle, policy, ..."""
    bucket_row(conn, bucket)
    if value is None:
        conn.execute("DELETE FROM config WHERE bucket = ? AND name = ?", (bucket, name))
        return
    conn.execute(
        "INSERT OR REPLACE INTO config (bucket, name, value, updated) VALUES (?, ?, ?, ?)",
        (bucket, name, value, time.time()),
    )
