"""Version-stack semantics, run as write jobs on the writer thread.

Invariants kept by every function here, inside one transaction:
- the latest version of a key is its highest ``seq`` and the only row with ``is_latest = 1``;
- ``objects`` has a row for a key iff its latest version exists and is not a delete marker;
- a version row owns its blob files: when the row goes, its paths go to ``garbage``.

- a version protected by Object Lock (``features/object_lock.py``) is never dropped: the check
  reads the lock in the very transaction that would delete or replace the version.

Versioning: https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
Conditional writes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
Object Lock: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
"""

from __future__ import annotations

import functools
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import replace

from aerostore.features import object_lock
from aerostore.features.object_lock import DefaultRetention, Retention
from aerostore.s3 import errors
from aerostore.storage.meta import rows
from aerostore.storage.model import NULL_VERSION, Conditions, ObjectAttrs, ObjectVersion

VERSION_ID = re.compile(r"[A-Za-z0-9_-]{32}")
ENABLED = "Enabled"
UNVERSIONED = ""  # a bucket whose versioning was never enabled; it can never return to this state
LOCK_CONFIG = "object-lock"  # the config row holding a bucket's default retention
LOCKED = "Access Denied because object protected by object lock."
NO_LOCK_CONFIGURATION = "Bucket is missing ObjectLockConfiguration"


def new_version_id() -> str:
    return secrets.token_urlsafe(24)  # 32 URL-safe characters, like AWS's version ids


def check_version_id(version_id: str) -> None:
    """AWS answers InvalidArgument for a malformed id and NoSuchVersion for an unknown one."""
    if version_id == "":
        raise errors.InvalidArgument("Version id cannot be the empty string", ArgumentName="versionId")
    if version_id != NULL_VERSION and not VERSION_ID.fullmatch(version_id):
        raise errors.InvalidArgument(
            "Invalid version id specified", ArgumentName="versionId", ArgumentValue=version_id
        )


def bucket_row(conn: sqlite3.Connection, bucket: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM buckets WHERE name = ?", (bucket,)).fetchone()
    if row is None:
        raise errors.NoSuchBucket(BucketName=bucket)
    return row


def latest(conn: sqlite3.Connection, bucket: str, key: str) -> sqlite3.Row | None:
    sql = "SELECT * FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1"
    row: sqlite3.Row | None = conn.execute(sql, (bucket, key)).fetchone()
    return row


# A version with its inline body (NULL when its bytes are in blob files), in one snapshot.
_WITH_BODY = "SELECT v.*, d.data FROM versions v LEFT JOIN inline_data d ON d.seq = v.seq"
_LATEST_WITH_BODY = f"{_WITH_BODY} WHERE v.bucket = ? AND v.key = ? ORDER BY v.seq DESC LIMIT 1"
_VERSION_WITH_BODY = f"{_WITH_BODY} WHERE v.bucket = ? AND v.key = ? AND v.version_id = ?"
_BY_ID = "SELECT * FROM versions WHERE bucket = ? AND key = ? AND version_id = ?"


def readable(conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None) -> ObjectVersion | None:
    """The latest version of a key, or exactly ``version_id``, with its inline body if it has one."""
    if version_id is None:
        row = conn.execute(_LATEST_WITH_BODY, (bucket, key)).fetchone()
    else:
        row = conn.execute(_VERSION_WITH_BODY, (bucket, key, version_id)).fetchone()
    return None if row is None else rows.to_version(row, row["data"])


def add_garbage(conn: sqlite3.Connection, paths: Iterable[str]) -> None:
    now = time.time()
    found = [(p, now) for p in paths]
    if found:  # inline versions and delete markers own no files
        conn.executemany("INSERT INTO garbage (path, created) VALUES (?, ?)", found)


def etag_matches(wanted: str, etag: str) -> bool:
    return any(tag.strip().strip('"') in ("*", etag) for tag in wanted.split(","))


def check_conditions(current: sqlite3.Row | None, conditions: Conditions, key: str) -> None:
    """Evaluate If-None-Match / If-Match against the current version, inside the commit.

    A delete marker counts as no object. If-Match on a missing key is NoSuchKey, as AWS answers.
    """
    exists = current is not None and not current["delete_marker"]
    if conditions.if_none_match == "*" and exists:
        raise errors.PreconditionFailed(Condition="If-None-Match")
    if conditions.if_match is None:
        return
    if current is None or not exists:
        raise errors.NoSuchKey(Key=key)
    if not etag_matches(conditions.if_match, current["etag"]):
        raise errors.PreconditionFailed(Condition="If-Match")


def install(conn: sqlite3.Connection, draft: ObjectVersion, conditions: Conditions) -> ObjectVersion:
    """Make ``draft`` the latest version of its key (a PUT, copy or completed upload)."""
    bucket = bucket_row(conn, draft.bucket)
    if conditions.if_match is not None or conditions.if_none_match is not None:
        check_conditions(latest(conn, draft.bucket, draft.key), conditions, draft.key)
    return _push(conn, bucket, _with_lock(conn, bucket, draft))


def default_retention(conn: sqlite3.Connection, bucket: str) -> DefaultRetention | None:
    sql = "SELECT value FROM config WHERE bucket = ? AND name = ?"
    row = conn.execute(sql, (bucket, LOCK_CONFIG)).fetchone()
    return None if row is None else rows.to_default_retention(row["value"])


def _with_lock(conn: sqlite3.Connection, bucket: sqlite3.Row, draft: ObjectVersion) -> ObjectVersion:
    """The lock a new version starts with: what its write asked for, else the bucket's default.

    The default retention is read here, in the commit, and counts from the version's creation
    time. See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-bucket-config
    """
    attrs = draft.attrs
    if not bucket["object_lock"]:
        if attrs.lock_mode is not None or attrs.lock_legal_hold is not None:
            raise errors.InvalidRequest(NO_LOCK_CONFIGURATION)
        return draft
    now = time.time()
    retention: Retention | None = None
    if attrs.lock_mode is not None and attrs.lock_until is not None:
        retention = Retention(attrs.lock_mode, attrs.lock_until)
    elif (default := default_retention(conn, draft.bucket)) is not None:
        retention = default.applied_at(now)
    return replace(
        draft,
        last_modified=now,
        retention_mode=retention.mode if retention else None,
        retain_until=retention.until if retention else None,
        legal_hold=attrs.lock_legal_hold,
    )


def check_unprotected(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str, bypass_governance: bool
) -> None:
    """AccessDenied if Object Lock protects this version (run in the transaction that removes it)."""
    row = conn.execute(_BY_ID, (bucket, key, version_id)).fetchone()
    if row is None:
        return
    version = rows.to_version(row)
    if object_lock.protected(version.retention, version.legal_hold, time.time(), bypass_governance):
        raise errors.AccessDenied(LOCKED)


def _push(
    conn: sqlite3.Connection, bucket: sqlite3.Row, draft: ObjectVersion, bypass_governance: bool = False
) -> ObjectVersion:
    """Insert a new latest version; outside Enabled it is the null version, replacing the old one.

    A lock bucket is always Enabled, so a locked null version is only ever replaced in data
    that reached that state some other way; it is refused all the same.
    """
    versioning = bucket["versioning"]
    version_id = new_version_id() if versioning == ENABLED else NULL_VERSION
    if version_id == NULL_VERSION:
        if bucket["object_lock"]:
            check_unprotected(conn, draft.bucket, draft.key, NULL_VERSION, bypass_governance)
        _drop(conn, draft.bucket, draft.key, NULL_VERSION)
    if versioning != UNVERSIONED:  # else the null version just dropped was the key's only one
        conn.execute(
            "UPDATE versions SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1",
            (draft.bucket, draft.key),
        )
    columns = rows.version_columns(draft)
    columns.update(version_id=version_id, is_latest=1, last_modified=draft.last_modified or time.time())
    cursor = conn.execute(_insert_sql(tuple(columns)), columns)
    assert cursor.lastrowid is not None
    version = replace(
        draft,
        version_id=version_id,
        seq=cursor.lastrowid,
        is_latest=True,
        last_modified=columns["last_modified"],
    )
    if version.inline is not None:
        conn.execute("INSERT INTO inline_data (seq, data) VALUES (?, ?)", (version.seq, version.inline))
    _set_current(conn, version.bucket, version.key, version.seq, version.delete_marker)
    return version


@functools.cache
def _insert_sql(names: tuple[str, ...]) -> str:
    return f"INSERT INTO versions ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"


def _set_current(conn: sqlite3.Connection, bucket: str, key: str, seq: int, delete_marker: bool) -> None:
    if delete_marker:
        conn.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
    else:
        conn.execute("INSERT OR REPLACE INTO objects (bucket, key, seq) VALUES (?, ?, ?)", (bucket, key, seq))


def _drop(conn: sqlite3.Connection, bucket: str, key: str, version_id: str) -> sqlite3.Row | None:
    """Delete one version row and send its blobs to garbage; the caller re-points latest."""
    sql = "DELETE FROM versions WHERE bucket = ? AND key = ? AND version_id = ? RETURNING *"
    found: list[sqlite3.Row] = conn.execute(sql, (bucket, key, version_id)).fetchall()
    if not found:
        return None
    add_garbage(conn, (s.path for s in rows.to_segments(found[0]["segments"])))
    return found[0]


def _repoint(conn: sqlite3.Connection, bucket: str, key: str) -> None:
    """After removing the latest version, the next newest becomes latest."""
    row = latest(conn, bucket, key)
    if row is None:
        conn.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
        return
    conn.execute("UPDATE versions SET is_latest = 1 WHERE seq = ?", (row["seq"],))
    _set_current(conn, bucket, key, row["seq"], bool(row["delete_marker"]))


def delete_current(
    conn: sqlite3.Connection, bucket: str, key: str, bypass_governance: bool = False
) -> ObjectVersion | None:
    """DeleteObject without a version id: remove the null version, or stack a delete marker.

    Unversioned: the object goes (a missing key is no error). Enabled: a new delete marker,
    whatever locks the versions below it have. Suspended: a delete marker with version id
    "null", replacing any null version.
    """
    brow = bucket_row(conn, bucket)
    if brow["versioning"] == UNVERSIONED:
        row = _drop(conn, bucket, key, NULL_VERSION)
        if row is None:
            return None
        _repoint(conn, bucket, key)
        return rows.to_version(row)
    marker = ObjectVersion(
        bucket=bucket,
        key=key,
        version_id="",
        seq=0,
        is_latest=True,
        delete_marker=True,
        size=0,
        etag="",
        last_modified=0.0,
        attrs=ObjectAttrs(),
        checksums={},
        segments=(),
    )
    return _push(conn, brow, marker, bypass_governance)


def delete_version(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str, bypass_governance: bool = False
) -> ObjectVersion | None:
    """DeleteObject with a version id: remove exactly that version; unknown ids are no error.

    A version Object Lock protects is AccessDenied, decided in this transaction.
    """
    if bucket_row(conn, bucket)["object_lock"]:
        check_unprotected(conn, bucket, key, version_id, bypass_governance)
    row = _drop(conn, bucket, key, version_id)
    if row is None:
        return None
    if row["is_latest"]:
        _repoint(conn, bucket, key)
    return rows.to_version(row)


def delete_many(
    conn: sqlite3.Connection,
    bucket: str,
    items: list[tuple[str, str | None]],
    bypass_governance: bool = False,
) -> list[ObjectVersion | None | errors.S3Error]:
    """DeleteObjects: each item in its own savepoint, so one failure spares the others."""
    bucket_row(conn, bucket)
    results: list[ObjectVersion | None | errors.S3Error] = []
    for key, version_id in items:
        conn.execute("SAVEPOINT item")
        try:
            if version_id is None:
                results.append(delete_current(conn, bucket, key, bypass_governance))
            else:
                check_version_id(version_id)
                results.append(delete_version(conn, bucket, key, version_id, bypass_governance))
        except errors.S3Error as exc:
            conn.execute("ROLLBACK TO item")
            results.append(exc)
        conn.execute("RELEASE item")
    return results
