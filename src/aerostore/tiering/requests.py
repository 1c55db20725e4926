"""RestoreObject's write jobs: start a restore, extend a finished one, refuse the rest.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
A restore of an archived version is ongoing until the restore processor (tiering/restore.py)
has made the temporary copy, at ``ready_at`` = request time + the retrieval tier's delay.
Asking again while it is ongoing is 409 RestoreAlreadyInProgress; once it is done, 200 and the
expiry is recomputed from the new Days (AWS: "you can ... extend the expiration period").
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace

from aerostore.lifecycle.dates import due
from aerostore.lifecycle.rules import ARCHIVE_CLASSES
from aerostore.s3 import errors
from aerostore.storage import versions
from aerostore.storage.meta import rows
from aerostore.storage.model import ObjectVersion, Restore
from aerostore.tiering.settings import ArchiveSettings

NOT_ALLOWED = "Restore is not allowed for the object's current storage class"
_LATEST = "SELECT * FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1"


def _target(conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
    versions.bucket_row(conn, bucket)
    if version_id is None:
        row = conn.execute(_LATEST, (bucket, key)).fetchone()
    else:
        sql = "SELECT * FROM versions WHERE bucket = ? AND key = ? AND version_id = ?"
        row = conn.execute(sql, (bucket, key, version_id)).fetchone()
    if row is None:
        if version_id is None:
            raise errors.NoSuchKey(Key=key)
        raise errors.NoSuchVersion(Key=key, VersionId=version_id)
    version = rows.to_version(row)
    if version.delete_marker:  # as GetObject answers a delete marker
        exc = errors.NoSuchKey(Key=key) if version_id is None else errors.MethodNotAllowed()
        exc.extra_headers = {"x-amz-delete-marker": "true", "x-amz-version-id": version.version_id}
        raise exc
    return version


def request(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    version_id: str | None,
    days: int,
    tier: str,
    settings: ArchiveSettings,
) -> tuple[ObjectVersion, bool]:
    """(the version, True when a restore starts now, False when an existing copy was extended)."""
    version = _target(conn, bucket, key, version_id)
    if version.attrs.storage_class not in ARCHIVE_CLASSES:
        raise errors.InvalidObjectState(NOT_ALLOWED, StorageClass=version.attrs.storage_class)
    now = time.time()
    current = version.restore
    if current is not None and current.ongoing:
        raise errors.RestoreAlreadyInProgress()
    if current is not None:
        restore = replace(current, days=days, expiry=due(now, days, settings.day_seconds))
        started = False
    else:
        restore = Restore(tier=tier, days=days, requested=now, ready_at=now + settings.restore_delay(tier))
        started = True
    save(conn, version.seq, restore)
    return replace(version, restore=restore), started


def save(conn: sqlite3.Connection, seq: int, restore: Restore | None) -> None:
    conn.execute("UPDATE versions SET restore = ? WHERE seq = ?", (rows.restore_json(restore), seq))
