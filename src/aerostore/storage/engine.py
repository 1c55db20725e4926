"""The storage engine: S3 semantics over blob files and SQLite metadata.

``Engine`` is the transaction boundary. Every write streams bytes into a sealed blob first
(fsynced file and directory), or keeps a small body in memory to store inline
(``storage/inline.py``), then commits its rows in one transaction on the writer thread,
then answers: whatever an awaited call returned survives a crash, and nothing half
written is ever visible. Reads are plain indexed queries on a thread-local connection.

The engine raises S3 errors for S3 outcomes (NoSuchKey, PreconditionFailed, ...) and lets
infrastructure errors (OSError, sqlite3.Error) through untouched.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

from aerostore.events.model import EventName
from aerostore.events.notifier import Notifier
from aerostore.events.outbox import Change
from aerostore.features.object_lock import DefaultRetention, Retention
from aerostore.lifecycle.rules import ARCHIVE_CLASSES
from aerostore.s3 import errors
from aerostore.storage import acls, buckets, commit, inline, listing, object_lock, tagging, versions
from aerostore.storage.blobs import BlobStore
from aerostore.storage.housekeeping import (
    GARBAGE_GRACE,
    UPLOAD_MAX_AGE,
    Housekeeper,
    SweepReport,
    lock_data_dir,
)
from aerostore.storage.meta import rows
from aerostore.storage.meta.db import Database
from aerostore.storage.model import (
    BodyReader,
    Bucket,
    Conditions,
    Digests,
    ListPage,
    ObjectAttrs,
    ObjectVersion,
    Part,
    Segment,
    Upload,
    VersionsPage,
)
from aerostore.storage.multipart import Multipart
from aerostore.tiering import requests as restore_requests
from aerostore.tiering import transition as transitions
from aerostore.tiering.settings import ArchiveSettings
from aerostore.tiering.tiers import ArchiveTier, DirectoryTier

log = logging.getLogger(__name__)
MAX_OBJECT_SIZE = 5 * 1024**3  # a single PUT; larger objects need multipart
DeleteResult = ObjectVersion | None | errors.S3Error
NO_CONDITIONS = Conditions()
Job = transitions.Job


class Engine:
    """One data directory: ``meta.sqlite3``, ``blobs/``, ``tmp/``.

    ``fsync=False`` skips blob fsyncs and runs SQLite with ``synchronous=NORMAL``: for
    benchmarks only, a crash may then lose acknowledged writes. ``garbage_grace`` is how long
    a replaced blob outlives its row, so a reader that fetched the old metadata can still
    open its files. ``faults`` is a test hook called at named points of every write (see commit.py).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        region: str = "us-east-1",
        fsync: bool = True,
        upload_max_age: float = UPLOAD_MAX_AGE,
        garbage_grace: float = GARBAGE_GRACE,
        faults: commit.Faults | None = None,
        archive_tier: ArchiveTier | None = None,
        archive: ArchiveSettings | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.region = region
        self.faults = faults or commit.no_faults
        self.db = Database(self.data_dir / "meta.sqlite3", synchronous="FULL" if fsync else "NORMAL")
        self.blobs = BlobStore(self.data_dir, fsync=fsync)
        self.notifier = Notifier(self.db, region)
        self.multipart = Multipart(self.db, self.blobs, self.faults)
        self.housekeeper = Housekeeper(
            self.db, self.blobs, self.multipart, upload_max_age=upload_max_age, garbage_grace=garbage_grace
        )
        self.archive = archive or ArchiveSettings()
        tier = archive_tier or DirectoryTier(self.data_dir / "archive", fsync=fsync)
        self.archiver = transitions.Archiver(self.db, self.blobs, tier, self.faults)
        self.restore_requested = asyncio.Event()  # wakes the restore processor (tiering/restore.py)
        self._lock_fd: int | None = None

    # ---- lifecycle ----

    async def start(self) -> None:
        """Open the store, finish what a crash interrupted, start the background sweeps."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = lock_data_dir(self.data_dir)
        self.blobs.prepare()
        await self.db.start()
        await self.housekeeper.start()
        try:
            await self.archiver.recover()
            await self.archiver.collect()
        except Exception:  # a remote tier may be down: serving must not wait for it
            log.exception("archive tier recovery failed; retried by the archive service")

    async def close(self) -> None:
        """Stop the background tasks, let queued writes commit, close every file."""
        await self.housekeeper.stop()
        await self.db.close()
        await asyncio.to_thread(self.blobs.close)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def sweep(self) -> SweepReport:
        """Abort uploads older than ``upload_max_age``, drop idle temp files, reclaim garbage."""
        return await self.housekeeper.sweep()

    async def collect_garbage(self, grace: float | None = None) -> int:
        """Unlink unreferenced blobs older than ``grace`` (default ``garbage_grace``) seconds."""
        return await self.housekeeper.collect_garbage(grace)

    # ---- buckets ----

    async def create_bucket(
        self, name: str, owner: str, region: str | None = None, object_lock: bool = False
    ) -> Bucket:
        region = region or self.region
        return await self.db.write(lambda c: buckets.create(c, name, owner, region, object_lock))

    def get_bucket(self, name: str) -> Bucket:
        return rows.to_bucket(versions.bucket_row(self.db.reader(), name))

    def list_buckets(self) -> list[Bucket]:
        return [rows.to_bucket(r) for r in self.db.reader().execute("SELECT * FROM buckets ORDER BY name")]

    async def delete_bucket(self, name: str) -> None:
        await self.db.write(lambda c: buckets.delete(c, name))
        self.housekeeper.wake()

    async def set_versioning(self, bucket: str, status: str) -> Bucket:
        return await self.db.write(lambda c: buckets.set_versioning(c, bucket, status))

    async def set_bucket_config(self, bucket: str, name: str, value: str | None) -> None:
        await self.db.write(lambda c: buckets.set_config(c, bucket, name, value))

    def get_bucket_config(self, bucket: str, name: str) -> str | None:
        conn = self.db.reader()
        versions.bucket_row(conn, bucket)
        row = conn.execute(
            "SELECT value FROM config WHERE bucket = ? AND name = ?", (bucket, name)
        ).fetchone()
        return None if row is None else str(row["value"])

    # ---- objects ----

    def get_version(self, bucket: str, key: str, version_id: str | None = None) -> ObjectVersion:
        """The latest version (possibly a delete marker) or exactly ``version_id``, with its inline body."""
        conn = self.db.reader()
        version = versions.readable(conn, bucket, key, version_id)
        if version is not None:
            return version  # rows exist only in existing buckets, and only under well-formed ids
        versions.bucket_row(conn, bucket)
        if version_id is None:
            raise errors.NoSuchKey(Key=key)
        versions.check_version_id(version_id)
        raise errors.NoSuchVersion(Key=key, VersionId=version_id)

    def open_range(self, version: ObjectVersion, start: int, end_inclusive: int) -> Iterator[bytes]:
        """The bytes ``start..end_inclusive`` of a version (from ``get_version``), in chunks."""
        if version.archived and not version.restored:  # handlers refuse first; never open a placeholder
            raise errors.InvalidObjectState(StorageClass=version.attrs.storage_class)
        return inline.read_range(self.blobs, version, start, end_inclusive)

    async def put_object(
        self,
        bucket: str,
        key: str,
        body: BodyReader,
        attrs: ObjectAttrs,
        conditions: Conditions = NO_CONDITIONS,
        *,
        event: EventName = EventName.OBJECT_CREATED_PUT,
    ) -> ObjectVersion:
        """PutObject (and PostObject, whose ``event`` is ``s3:ObjectCreated:Post``).

        The bucket is checked before a byte is read; conditions at commit.
        """
        self.get_bucket(bucket)
        if inline.wanted(body):
            data = await inline.read_body(body)
            d = body.digests()
            draft = _draft(bucket, key, attrs, len(data), d, (), data)
            return await self._install_inline(draft, conditions, event)
        async with self.blobs.pending() as blob:
            await blob.write_from(body, MAX_OBJECT_SIZE)
            draft = _draft(bucket, key, attrs, blob.size, body.digests(), (blob.segment(),))
            job = self._creating(draft, conditions, event)
            version = await commit.commit(self.db, blob, job, self.faults)
        self.housekeeper.wake()
        return version

    async def copy_object(
        self,
        source: ObjectVersion,
        bucket: str,
        key: str,
        attrs: ObjectAttrs,
        conditions: Conditions = NO_CONDITIONS,
    ) -> ObjectVersion:
        """CopyObject: the source's bytes stream into a new blob (or inline row), hashed on the way."""
        if source.delete_marker:
            raise errors.InvalidRequest(
                "The source of a copy request may not specifically refer to a delete marker by version id."
            )
        self.get_bucket(bucket)
        if source.size <= inline.INLINE_MAX:
            data, d = await inline.copy_in(self.blobs, source, attrs.checksum_algorithm)
            draft = _draft(bucket, key, attrs, len(data), d, (), data)
            return await self._install_inline(draft, conditions, EventName.OBJECT_CREATED_COPY)
        async with self.blobs.pending() as blob:
            d = await commit.copy_range(
                self.blobs, blob, source, 0, source.size - 1, attrs.checksum_algorithm
            )
            draft = _draft(bucket, key, attrs, d.size, d, (blob.segment(),))
            job = self._creating(draft, conditions, EventName.OBJECT_CREATED_COPY)
            version = await commit.commit(self.db, blob, job, self.faults)
        self.housekeeper.wake()
        return version

    def _creating(
        self, draft: ObjectVersion, conditions: Conditions, event: EventName
    ) -> Callable[[sqlite3.Connection], ObjectVersion]:
        """The job installing ``draft``, with its ``event`` in the same transaction."""
        job = partial(versions.install, draft=draft, conditions=conditions)
        return self.notifier.emitting(draft.bucket, job, lambda v: [Change(event, v)])

    async def _install_inline(
        self, draft: ObjectVersion, conditions: Conditions, event: EventName
    ) -> ObjectVersion:
        job = self._creating(draft, conditions, event)
        version = await commit.commit_inline(self.db, job, self.faults)
        self.housekeeper.wake()  # the version it replaced may have left blobs behind
        return version

    async def delete_object(
        self, bucket: str, key: str, version_id: str | None = None, *, bypass_governance: bool = False
    ) -> ObjectVersion | None:
        """DeleteObject: what was removed, or the delete marker created; None if nothing was there.

        A version Object Lock protects is AccessDenied; ``bypass_governance`` (the caller has
        checked the principal may) lifts GOVERNANCE retention, never COMPLIANCE or a legal hold.
        """
        bypass = bypass_governance
        job: Callable[[sqlite3.Connection], ObjectVersion | None]
        if version_id is None:
            job = partial(versions.delete_current, bucket=bucket, key=key, bypass_governance=bypass)
        else:
            versions.check_version_id(version_id)
            job = partial(versions.delete_version, bucket=bucket, key=key, version_id=version_id,
                          bypass_governance=bypass)  # fmt: skip
        emitting = self.notifier.emitting(bucket, job, lambda r: _removals([r], version_id))
        result = await self.db.write(emitting)
        self.housekeeper.wake()
        return result

    async def delete_objects(
        self, bucket: str, items: list[tuple[str, str | None]], *, bypass_governance: bool = False
    ) -> list[DeleteResult]:
        """DeleteObjects in one transaction; each item gets its result or its own S3 error."""
        bypass = bypass_governance
        job = partial(versions.delete_many, bucket=bucket, items=items, bypass_governance=bypass)

        def changes(results: list[DeleteResult]) -> list[Change]:
            return [c for (_, vid), r in zip(items, results, strict=True) for c in _removals([r], vid)]

        results = await self.db.write(self.notifier.emitting(bucket, job, changes))
        self.housekeeper.wake()
        return results

    # ---- listing ----

    def list_objects(
        self, bucket: str, prefix: str = "", delimiter: str = "", start_after: str = "", max_keys: int = 1000
    ) -> ListPage:
        self.get_bucket(bucket)
        return listing.list_objects(self.db.reader(), bucket, prefix, delimiter, start_after, max_keys)

    def list_versions(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = 1000,
    ) -> VersionsPage:
        self.get_bucket(bucket)
        conn = self.db.reader()
        return listing.list_versions(conn, bucket, prefix, delimiter, key_marker, version_id_marker, max_keys)

    # ---- multipart ----

    async def create_upload(self, bucket: str, key: str, attrs: ObjectAttrs) -> Upload:
        return await self.multipart.create(bucket, key, attrs)

    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload:
        return self.multipart.get(bucket, key, upload_id)

    async def put_part(self, upload: Upload, number: int, body: BodyReader) -> Part:
        part = await self.multipart.put_part(upload, number, body)
        self.housekeeper.wake()
        return part

    async def put_part_copy(
        self, upload: Upload, number: int, source: ObjectVersion, start: int, end: int
    ) -> Part:
        part = await self.multipart.put_part_copy(upload, number, source, start, end)
        self.housekeeper.wake()
        return part

    def list_parts(self, upload: Upload, marker: int = 0, max_parts: int = 1000) -> tuple[list[Part], bool]:
        return self.multipart.list_parts(upload, marker, max_parts)

    def list_uploads(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        max_uploads: int = 1000,
    ) -> tuple[list[Upload], list[str], bool]:
        self.get_bucket(bucket)
        conn = self.db.reader()
        return listing.list_uploads(
            conn, bucket, prefix, delimiter, key_marker, upload_id_marker, max_uploads
        )

    async def complete_upload(
        self,
        upload: Upload,
        parts: list[tuple[int, str]],
        conditions: Conditions = NO_CONDITIONS,
        checksum_type: str | None = None,
    ) -> ObjectVersion:
        def emitting(
            job: Callable[[sqlite3.Connection], ObjectVersion],
        ) -> Callable[[sqlite3.Connection], ObjectVersion]:
            event = EventName.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD
            return self.notifier.emitting(upload.bucket, job, lambda v: [Change(event, v)])

        version = await self.multipart.complete(upload, parts, conditions, checksum_type, emitting)
        self.housekeeper.wake()
        return version

    async def abort_upload(self, upload: Upload) -> None:
        await self.multipart.abort(upload)
        self.housekeeper.wake()

    # ---- object lock (storage/object_lock.py) ----
    # Enforcement lives in the write jobs: a delete or retention change is checked against the
    # lock in the transaction that makes it.

    async def put_object_lock_configuration(self, bucket: str, default: DefaultRetention | None) -> None:
        """Enable Object Lock on a versioning-Enabled bucket; set (or with None clear) its default."""
        await self.db.write(lambda c: object_lock.put_configuration(c, bucket, default))

    def get_object_lock_configuration(self, bucket: str) -> DefaultRetention | None:
        """A lock bucket's default retention (None: none); ObjectLockConfigurationNotFoundError otherwise."""
        return object_lock.read_configuration(self.db.reader(), bucket)

    def get_object_lock(self, bucket: str, key: str, version_id: str | None = None) -> ObjectVersion:
        """The latest version or exactly ``version_id``, without its body, for its lock fields."""
        return object_lock.read_lock(self.db.reader(), bucket, key, version_id)

    async def put_object_retention(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        retention: Retention | None,
        *,
        bypass_governance: bool = False,
    ) -> ObjectVersion:
        """PutObjectRetention: AccessDenied unless the version's current retention allows the change."""
        bypass = bypass_governance
        return await self.db.write(
            lambda c: object_lock.put_retention(c, bucket, key, version_id, retention, bypass)
        )

    async def put_object_legal_hold(
        self, bucket: str, key: str, version_id: str | None, status: str
    ) -> ObjectVersion:
        """PutObjectLegalHold: ``status`` is "ON" or "OFF"."""
        return await self.db.write(lambda c: object_lock.put_legal_hold(c, bucket, key, version_id, status))

    # ---- tagging (storage/tagging.py) ----
    # Callers pass tag sets already checked against AWS's limits (s3/tags.py).

    def get_object_tagging(self, bucket: str, key: str, version_id: str | None = None) -> ObjectVersion:
        """The latest version or exactly ``version_id``, without its body; its tags are ``attrs.tags``."""
        return tagging.read_object_tags(self.db.reader(), bucket, key, version_id)

    async def put_object_tagging(
        self, bucket: str, key: str, version_id: str | None, tags: dict[str, str]
    ) -> ObjectVersion:
        """PutObjectTagging: replace one version's whole tag set, resolved in the write's transaction."""
        job = partial(tagging.put_object_tags, bucket=bucket, key=key, version_id=version_id, tags=tags)
        event = EventName.OBJECT_TAGGING_PUT
        return await self.db.write(self.notifier.emitting(bucket, job, lambda v: [Change(event, v)]))

    async def put_object_acl(
        self, bucket: str, key: str, version_id: str | None, acl: str | None
    ) -> ObjectVersion:
        """PutObjectAcl: replace one version's ACL (JSON, access/acl.py; None: the default)."""
        job = partial(acls.put_object_acl, bucket=bucket, key=key, version_id=version_id, acl=acl)
        event = EventName.OBJECT_ACL_PUT
        return await self.db.write(self.notifier.emitting(bucket, job, lambda v: [Change(event, v)]))

    async def delete_object_tagging(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> ObjectVersion:
        """DeleteObjectTagging: empty one version's tag set."""
        job = partial(
            tagging.put_object_tags, bucket=bucket, key=key, version_id=version_id, tags={}, method="DELETE"
        )
        event = EventName.OBJECT_TAGGING_DELETE
        return await self.db.write(self.notifier.emitting(bucket, job, lambda v: [Change(event, v)]))

    def get_bucket_tagging(self, bucket: str) -> dict[str, str] | None:
        """A bucket's tag set, None when it has none."""
        return tagging.read_bucket_tags(self.db.reader(), bucket)

    async def put_bucket_tagging(self, bucket: str, tags: dict[str, str]) -> None:
        """PutBucketTagging: replace the bucket's tag set; the empty set removes it."""
        await self.db.write(lambda c: tagging.put_bucket_tags(c, bucket, tags))

    async def delete_bucket_tagging(self, bucket: str) -> None:
        await self.db.write(lambda c: tagging.put_bucket_tags(c, bucket, {}))

    # ---- storage classes and the archive tier ----
    # tiering/transition.py moves bytes crash-safely; tiering/requests.py holds RestoreObject's jobs.

    async def transition(
        self, version: ObjectVersion, storage_class: str, *, wrap: Callable[[Job], Job] | None = None
    ) -> ObjectVersion | None:
        """Move one version (by seq) to ``storage_class``; None if it vanished or changed meanwhile.

        Hot classes change the column; GLACIER / DEEP_ARCHIVE move the bytes into the archive
        tier and free the hot copy. ``wrap`` and the ``s3:LifecycleTransition`` event apply to
        the job that commits the change, and only to it.
        """

        def final(job: Job) -> Job:
            event = EventName.LIFECYCLE_TRANSITION
            emitting = self.notifier.emitting(version.bucket, job, lambda v: [Change(event, v)] if v else [])
            return wrap(emitting) if wrap is not None else emitting

        if version.delete_marker:
            return None
        if storage_class in ARCHIVE_CLASSES and not version.archived:
            result = await self.archiver.move(version, storage_class, final)
            self.housekeeper.wake()
            return result
        job = partial(transitions.change_class, version=version, storage_class=storage_class)
        return await self.db.write(final(job))

    def get_version_by_seq(self, seq: int) -> ObjectVersion | None:
        """Version ``seq`` with its inline body, None when it is gone (for background movers)."""
        return transitions.load(self.db.reader(), seq)

    async def restore(
        self, bucket: str, key: str, version_id: str | None, days: int, tier: str
    ) -> tuple[ObjectVersion, bool]:
        """RestoreObject: (the version, True if a restore started now; False if already restored).

        An ongoing restore is RestoreAlreadyInProgress; a non-archive class InvalidObjectState.
        """
        if version_id is not None:
            versions.check_version_id(version_id)
        job = partial(restore_requests.request, bucket=bucket, key=key, version_id=version_id, days=days,
                      tier=tier, settings=self.archive)  # fmt: skip

        def changes(found: tuple[ObjectVersion, bool]) -> list[Change]:
            return [Change(EventName.OBJECT_RESTORE_POST, found[0])] if found[1] else []

        result = await self.db.write(self.notifier.emitting(bucket, job, changes))
        if result[1]:
            self.restore_requested.set()
        return result


def _removals(results: list[DeleteResult], version_id: str | None) -> list[Change]:
    """What a delete changed: a delete marker created (no version id asked) or a version removed."""
    changes = []
    for result in results:
        if not isinstance(result, ObjectVersion):
            continue  # nothing was there, or this item failed: no event
        if result.delete_marker and version_id is None:
            changes.append(Change(EventName.OBJECT_REMOVED_DELETE_MARKER_CREATED, result))
        else:
            changes.append(Change(EventName.OBJECT_REMOVED_DELETE, result))
    return changes


def _draft(
    bucket: str,
    key: str,
    attrs: ObjectAttrs,
    size: int,
    digests: Digests,
    segments: tuple[Segment, ...],
    data: bytes | None = None,
) -> ObjectVersion:
    """A version before its commit assigns version id, seq and time."""
    if digests.checksums and attrs.checksum_type is None:
        attrs = replace(attrs, checksum_type="FULL_OBJECT")
    return ObjectVersion(
        bucket=bucket,
        key=key,
        version_id="",
        seq=0,
        is_latest=True,
        delete_marker=False,
        size=size,
        etag=digests.md5_hex,
        last_modified=0.0,
        attrs=attrs,
        checksums=dict(digests.checksums),
        segments=segments,
        inline=data,
    )
