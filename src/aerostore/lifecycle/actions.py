"""Lifecycle actions as ordinary changes: one write job each, with its event and its audit record.

Each job re-checks the decision (evaluate.py) in its own transaction: the version still has
the same seq, is still the latest (or still noncurrent, with enough newer noncurrent versions
left), so a PUT or DELETE that raced the pass is never clobbered. Object
Lock is checked by ``storage/versions.py`` in that same transaction (AccessDenied: skipped).
The S3 event goes through the outbox (``Notifier.emitting``) and the audit record into the
``aerostore-audit`` delivery stream, both in the transaction of the change.

Events: https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configure-notification.html
Operation names, as S3 server access logs write them:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-and-other-bucket-config.html
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aerostore.audit import schema
from aerostore.audit.recorder import Append
from aerostore.events.model import EventName
from aerostore.events.outbox import Change
from aerostore.lifecycle.evaluate import Action, Planned
from aerostore.s3 import errors
from aerostore.storage import versions
from aerostore.storage.engine import Engine
from aerostore.storage.meta.db import job_wrapper
from aerostore.storage.model import ObjectVersion, Upload
from aerostore.tiering.transition import load

T = TypeVar("T")
log = logging.getLogger(__name__)

PRINCIPAL = "lifecycle"  # the audit records' principal
EXPIRE_OBJECT, CREATE_DELETE_MARKER, DELETE_UPLOAD = (
    "S3.EXPIRE.OBJECT",
    "S3.CREATE.DELETEMARKER",
    "S3.DELETE.UPLOAD",
)
TRANSITION_OPERATIONS = {
    "STANDARD_IA": "S3.TRANSITION_SIA.OBJECT",
    "ONEZONE_IA": "S3.TRANSITION_ZIA.OBJECT",
    "INTELLIGENT_TIERING": "S3.TRANSITION_INT.OBJECT",
    "GLACIER_IR": "S3.TRANSITION_GIR.OBJECT",
    "GLACIER": "S3.TRANSITION.OBJECT",
    "DEEP_ARCHIVE": "S3.TRANSITION_GDA.OBJECT",
}


@dataclass(frozen=True, slots=True)
class Done:
    """What a job did: the action (EXPIRE or DELETE_MARKER is decided at commit), its version, its event."""

    action: Action
    version: ObjectVersion
    event: EventName


def _row(conn: sqlite3.Connection, seq: int) -> sqlite3.Row | None:
    found: sqlite3.Row | None = conn.execute("SELECT * FROM versions WHERE seq = ?", (seq,)).fetchone()
    return found


def _still_noncurrent(conn: sqlite3.Connection, bucket: str, p: Planned) -> bool:
    """Still at least ``p.newer`` newer noncurrent versions above it (NewerNoncurrentVersions)."""
    if not p.newer:
        return True
    sql = "SELECT count(*) FROM versions WHERE bucket = ? AND key = ? AND seq > ? AND is_latest = 0"
    return int(conn.execute(sql, (bucket, p.entry.key, p.entry.seq)).fetchone()[0]) >= p.newer


def _unchanged(conn: sqlite3.Connection, bucket: str, p: Planned) -> sqlite3.Row | None:
    """The version's row if it is in the state the plan saw (latest, or noncurrent as planned)."""
    row = _row(conn, p.entry.seq)
    if row is None or row["bucket"] != bucket or bool(row["is_latest"]) != p.entry.is_latest:
        return None
    if not p.entry.is_latest and not _still_noncurrent(conn, bucket, p):
        return None
    return row


def expire_current(conn: sqlite3.Connection, bucket: str, p: Planned) -> Done | None:
    """Expiration of a current version: deleted when unversioned, else a delete marker on top."""
    row = _unchanged(conn, bucket, p)
    if row is None or row["delete_marker"]:
        return None
    unversioned = versions.bucket_row(conn, bucket)["versioning"] == versions.UNVERSIONED
    result = versions.delete_current(conn, bucket, p.entry.key)
    if result is None:
        return None
    if unversioned:
        return Done(Action.EXPIRE, result, EventName.LIFECYCLE_EXPIRATION_DELETE)
    return Done(Action.DELETE_MARKER, result, EventName.LIFECYCLE_EXPIRATION_DELETE_MARKER_CREATED)


def expire_version(conn: sqlite3.Connection, bucket: str, p: Planned) -> Done | None:
    """A noncurrent version, or an expired object delete marker, deleted for good.

    AccessDenied (from ``versions.delete_version``) when Object Lock protects it.
    """
    row = _unchanged(conn, bucket, p)
    if row is None:
        return None
    if p.action is Action.EXPIRED_DELETE_MARKER:
        count = conn.execute(
            "SELECT count(*) FROM versions WHERE bucket = ? AND key = ?", (bucket, p.entry.key)
        )
        if not row["delete_marker"] or count.fetchone()[0] != 1:
            return None  # a version was written meanwhile: the marker hides it again
    removed = versions.delete_version(conn, bucket, p.entry.key, row["version_id"])
    if removed is None:
        return None
    return Done(p.action, removed, EventName.LIFECYCLE_EXPIRATION_DELETE)


def audit_record(
    operation: str, bucket: str, key: str, version_id: str | None, detail: dict[str, Any], now: float
) -> dict[str, Any]:
    """An audit record of kind ``lifecycle``, shaped as audit/recorder.py builds request records."""
    return {
        "time": round(now * 1000),
        "kind": schema.KIND_LIFECYCLE,
        "request_id": os.urandom(8).hex().upper(),
        "api": schema.API_S3,
        "operation": operation,
        "principal": PRINCIPAL,
        "bucket": bucket,
        "key": key,
        "version_id": version_id if version_id else None,
        "committed": True,
        "detail": detail,
    }


def _operation(done: Done) -> str:
    return CREATE_DELETE_MARKER if done.action is Action.DELETE_MARKER else EXPIRE_OBJECT


class Executor:
    """Runs the planned actions of a batch; ``append`` is the audit stream's (None: no audit)."""

    def __init__(self, engine: Engine, append: Append | None) -> None:
        self.engine = engine
        self.append = append

    def _audited(self, job: Callable[[sqlite3.Connection], T], record: Callable[[T], dict[str, Any] | None]
                 ) -> Callable[[sqlite3.Connection], T]:  # fmt: skip
        """``job``, then in its transaction the audit record of what it returned (if any)."""
        append = self.append
        if append is None:
            return job

        def run(conn: sqlite3.Connection) -> T:
            value = job(conn)
            if (found := record(value)) is not None:
                append(conn, schema.STREAM, schema.encode(found), time.time())
            return value

        return run

    async def expire(self, bucket: str, planned: Sequence[Planned]) -> list[Action | None]:
        """Run the expirations together (one group commit); per action what happened.

        None: the version changed meanwhile (nothing done). SKIPPED_LOCKED: Object Lock protects it.
        """
        results = await asyncio.gather(*(self._expire(bucket, p) for p in planned), return_exceptions=True)
        if planned:
            self.engine.housekeeper.wake()  # the deleted versions' blobs are garbage now
        outcomes: list[Action | None] = []
        for p, result in zip(planned, results, strict=True):
            if isinstance(result, errors.AccessDenied):
                outcomes.append(Action.SKIPPED_LOCKED)
            elif isinstance(result, errors.NoSuchBucket):
                outcomes.append(None)
            elif isinstance(result, errors.S3Error):  # e.g. SlowDown: an event target is full
                log.warning("lifecycle %s of %s/%s: %s", p.action, bucket, p.entry.key, result)
                outcomes.append(None)
            elif isinstance(result, BaseException):
                raise result
            else:
                outcomes.append(None if result is None else result.action)
        return outcomes

    async def _expire(self, bucket: str, p: Planned) -> Done | None:
        def job(conn: sqlite3.Connection) -> Done | None:
            if p.action in (Action.EXPIRE, Action.DELETE_MARKER):
                return expire_current(conn, bucket, p)
            return expire_version(conn, bucket, p)

        def record(done: Done | None) -> dict[str, Any] | None:
            if done is None:
                return None
            v = done.version
            detail = {"rule_id": p.rule_id, "action": done.action.value}
            if done.action is Action.DELETE_MARKER:
                detail["expired_version_id"] = p.entry.version_id
            return audit_record(_operation(done), bucket, v.key, v.version_id, detail, time.time())

        def changes(done: Done | None) -> list[Change]:
            return [] if done is None else [Change(done.event, done.version)]

        emitting = self.engine.notifier.emitting(bucket, self._audited(job, record), changes)
        return await self.engine.db.write(emitting)

    async def transition(self, bucket: str, p: Planned) -> bool:
        """Move one version to ``p.storage_class`` (Engine.transition); False if it changed meanwhile."""
        assert p.storage_class is not None
        version = load(self.engine.db.reader(), p.entry.seq)
        if version is None or version.bucket != bucket:
            return False
        target = p.storage_class

        def wrap(job: Callable[[sqlite3.Connection], ObjectVersion | None]
                 ) -> Callable[[sqlite3.Connection], ObjectVersion | None]:  # fmt: skip
            def checked(conn: sqlite3.Connection) -> ObjectVersion | None:
                return job(conn) if _unchanged(conn, bucket, p) is not None else None

            def record(v: ObjectVersion | None) -> dict[str, Any] | None:
                if v is None:
                    return None
                detail = {"rule_id": p.rule_id, "action": Action.TRANSITION.value, "storage_class": target,
                          "from_storage_class": p.entry.storage_class}  # fmt: skip
                return audit_record(
                    TRANSITION_OPERATIONS[target], bucket, v.key, v.version_id, detail, time.time()
                )

            return self._audited(checked, record)

        try:
            return await self.engine.transition(version, target, wrap=wrap) is not None
        except (errors.S3Error, OSError) as exc:
            # An archive tier that cannot take the bytes now must not stall the whole pass: the
            # version stays where it was, and the next pass tries again.
            log.warning("lifecycle transition of %s/%s to %s: %s", bucket, p.entry.key, target, exc)
            return False

    async def abort_upload(self, upload: Upload, rule_id: str) -> bool:
        """AbortIncompleteMultipartUpload (AWS sends no event for it); False if it was gone."""

        def record(_: object) -> dict[str, Any]:
            detail = {
                "rule_id": rule_id,
                "action": Action.ABORT_MULTIPART.value,
                "upload_id": upload.upload_id,
            }
            return audit_record(DELETE_UPLOAD, upload.bucket, upload.key, None, detail, time.time())

        # Engine.abort_upload's job picks the wrapper up from the context, as a request's jobs do.
        token = job_wrapper.set(lambda job: self._audited(job, record))
        try:
            await self.engine.abort_upload(upload)
        except (errors.NoSuchUpload, errors.NoSuchBucket):
            return False
        finally:
            job_wrapper.reset(token)
        return True
