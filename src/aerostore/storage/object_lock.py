"""Object Lock write jobs: a bucket's lock configuration, a version's retention and legal hold.

Each job runs on the writer thread and checks its rule (``features/object_lock.py``) against
the row it is about to change, in the same transaction: no delete or other retention change
can commit between the check and the change. New versions get their lock in
``versions.install``; deletes are refused in ``versions.delete_version``.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace

from aerostore.features import object_lock
from aerostore.features.object_lock import DefaultRetention, Retention
from aerostore.s3 import errors
from aerostore.storage import buckets, tagging, versions
from aerostore.storage.meta import rows
from aerostore.storage.model import ObjectVersion

# Retention and legal-hold requests on a bucket without Object Lock (LocalStack records S3's wording).
NO_LOCK = "Bucket is missing Object Lock Configuration"
NOT_VERSIONED = "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"


def put_configuration(conn: sqlite3.Connection, bucket: str, default: DefaultRetention | None) -> None:
    """PutObjectLockConfiguration: enable Object Lock (for good) and set or clear the default retention.

    An existing bucket can take Object Lock once its versioning is Enabled; versioning then
    can never be suspended. See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html
    """
    if versions.bucket_row(conn, bucket)["versioning"] != versions.ENABLED:
        raise errors.InvalidBucketState(NOT_VERSIONED)
    conn.execute("UPDATE buckets SET object_lock = 1 WHERE name = ?", (bucket,))
    value = None if default is None else rows.default_retention_json(default)
    buckets.set_config(conn, bucket, versions.LOCK_CONFIG, value)


def read_configuration(conn: sqlite3.Connection, bucket: str) -> DefaultRetention | None:
    """The default retention of a lock bucket (None: none); ObjectLockConfigurationNotFoundError otherwise."""
    if not versions.bucket_row(conn, bucket)["object_lock"]:
        raise errors.ObjectLockConfigurationNotFoundError(BucketName=bucket)
    return versions.default_retention(conn, bucket)


def _target(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None, method: str
) -> sqlite3.Row:
    """The version a retention or legal-hold request is about (delete markers: 405, as for tagging)."""
    if not versions.bucket_row(conn, bucket)["object_lock"]:
        raise errors.InvalidRequest(NO_LOCK)
    return tagging.target(conn, bucket, key, version_id, method)


def read_lock(conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
    """GetObjectRetention / GetObjectLegalHold: the version, without its body."""
    return rows.to_version(_target(conn, bucket, key, version_id, "GET"))


def put_retention(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    version_id: str | None,
    retention: Retention | None,
    bypass_governance: bool,
) -> ObjectVersion:
    """PutObjectRetention: replace (None: remove) one version's retention, if the current one allows it."""
    version = rows.to_version(_target(conn, bucket, key, version_id, "PUT"))
    if not object_lock.may_replace(version.retention, retention, time.time(), bypass_governance):
        raise errors.AccessDenied(versions.LOCKED)
    mode, until = (retention.mode, retention.until) if retention else (None, None)
    sql = "UPDATE versions SET retention_mode = ?, retain_until = ? WHERE seq = ?"
    conn.execute(sql, (mode, until, version.seq))
    return replace(version, retention_mode=mode, retain_until=until)


def put_legal_hold(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None, status: str
) -> ObjectVersion:
    """PutObjectLegalHold: anyone allowed to call it may place or remove a legal hold."""
    version = rows.to_version(_target(conn, bucket, key, version_id, "PUT"))
    sql = "UPDATE versions SET legal_hold = ? WHERE seq = ?"
    conn.execute(sql, (rows.legal_hold_code(status), version.seq))
    return replace(version, legal_hold=status)
