"""Object and bucket tag sets: reads, and write jobs run on the writer thread.

An object's tags live in its version row (``versions.tags``, a JSON object in the order the
tags were given), so a PUT that replaces the version replaces its tags in the same
transaction, and tagging one version never touches another. A bucket's tags are its
``tagging`` document in ``config``; an empty set is no document at all.

Validation (counts, lengths, characters) is the S3 layer's (``s3/tags.py``); the engine
stores what it is given.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import replace

from aerostore.s3 import errors
from aerostore.storage import buckets, versions
from aerostore.storage.meta import rows
from aerostore.storage.model import ObjectVersion

BUCKET_TAGGING = "tagging"  # the config row holding a bucket's tag set
_BY_ID = "SELECT * FROM versions WHERE bucket = ? AND key = ? AND version_id = ?"


def target(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None, method: str
) -> sqlite3.Row:
    """The version a tagging request acts on: the latest one, or exactly ``version_id``.

    A delete marker has no tags: AWS answers 405 MethodNotAllowed naming the request's
    method, whether the marker was asked for by id or is the key's latest version.
    """
    versions.bucket_row(conn, bucket)
    if version_id is None:
        row = versions.latest(conn, bucket, key)
        if row is None:
            raise errors.NoSuchKey(Key=key)
    else:
        versions.check_version_id(version_id)
        row = conn.execute(_BY_ID, (bucket, key, version_id)).fetchone()
        if row is None:
            raise errors.NoSuchVersion(Key=key, VersionId=version_id)
    if row["delete_marker"]:
        exc = errors.MethodNotAllowed(Method=method, ResourceType="DeleteMarker")
        exc.extra_headers = {
            "x-amz-delete-marker": "true",
            "x-amz-version-id": row["version_id"],
            "allow": "DELETE",
        }
        raise exc
    return row


def read_object_tags(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None
) -> ObjectVersion:
    """GetObjectTagging: the version (without its body); its tags are ``attrs.tags``."""
    return rows.to_version(target(conn, bucket, key, version_id, "GET"))


def put_object_tags(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    version_id: str | None,
    tags: Mapping[str, str],
    method: str = "PUT",
) -> ObjectVersion:
    """Replace the whole tag set of one version (write job); the empty set removes it."""
    row = target(conn, bucket, key, version_id, method)
    conn.execute("UPDATE versions SET tags = ? WHERE seq = ?", (rows.dumps(dict(tags)), row["seq"]))
    version = rows.to_version(row)
    return replace(version, attrs=replace(version.attrs, tags=dict(tags)))


def read_bucket_tags(conn: sqlite3.Connection, bucket: str) -> dict[str, str] | None:
    """A bucket's tag set, or None when it has none (GetBucketTagging's NoSuchTagSet)."""
    versions.bucket_row(conn, bucket)
    sql = "SELECT value FROM config WHERE bucket = ? AND name = ?"
    row = conn.execute(sql, (bucket, BUCKET_TAGGING)).fetchone()
    if row is None:
        return None
    tags: dict[str, str] = json.loads(row["value"])
    return tags


def put_bucket_tags(conn: sqlite3.Connection, bucket: str, tags: Mapping[str, str]) -> None:
    """Replace a bucket's tag set (write job); the empty set removes it, as AWS does."""
    buckets.set_config(conn, bucket, BUCKET_TAGGING, rows.dumps(dict(tags)) if tags else None)
