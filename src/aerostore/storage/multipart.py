"""Multipart uploads: explicit rows while in progress, parts as blob files.

Completing never rewrites bytes: the object's segments are the parts' own files, and the
upload row disappears in the same transaction that installs the version.
See https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace

from aerostore.s3 import errors
from aerostore.storage import commit, listing, versions
from aerostore.storage.blobs import BlobStore
from aerostore.storage.hashing import multipart_checksum, multipart_etag
from aerostore.storage.meta import rows
from aerostore.storage.meta.db import Database
from aerostore.storage.model import (
    BodyReader,
    Conditions,
    ObjectAttrs,
    ObjectVersion,
    Part,
    Segment,
    Upload,
)

Job = Callable[[sqlite3.Connection], ObjectVersion]

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_SIZE = 5 * 1024**3
MAX_PARTS = 10_000


def new_upload_id() -> str:
    """Random and URL-safe, behind a fixed-width time prefix: id order is initiation order."""
    return f"{time.time_ns():016x}{secrets.token_urlsafe(24)}"


def check_part_number(number: int) -> None:
    if not 1 <= number <= MAX_PARTS:
        raise errors.InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(number),
        )


# ---- write jobs (writer thread) ----


def upload_row(conn: sqlite3.Connection, bucket: str, key: str, upload_id: str) -> sqlite3.Row:
    sql = "SELECT * FROM uploads WHERE upload_id = ? AND bucket = ? AND key = ?"
    row: sqlite3.Row | None = conn.execute(sql, (upload_id, bucket, key)).fetchone()
    if row is None:
        raise errors.NoSuchUpload(UploadId=upload_id)
    return row


def _create(conn: sqlite3.Connection, upload: Upload) -> Upload:
    versions.bucket_row(conn, upload.bucket)
    conn.execute(
        "INSERT INTO uploads (upload_id, bucket, key, initiated, attrs) VALUES (?, ?, ?, ?, ?)",
        (upload.upload_id, upload.bucket, upload.key, upload.initiated, rows.attrs_json(upload.attrs)),
    )
    return upload


def _put_part(conn: sqlite3.Connection, upload: Upload, part: Part) -> Part:
    """Store a part; a part uploaded again under the same number replaces the old one."""
    upload_row(conn, upload.bucket, upload.key, upload.upload_id)
    sql = "SELECT path FROM parts WHERE upload_id = ? AND number = ?"
    old = conn.execute(sql, (part.upload_id, part.number)).fetchone()
    if old is not None:
        versions.add_garbage(conn, [old["path"]])
    part = replace(part, last_modified=time.time())
    conn.execute(
        "INSERT OR REPLACE INTO parts (upload_id, number, size, etag, last_modified, checksums, path) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            part.upload_id,
            part.number,
            part.size,
            part.etag,
            part.last_modified,
            rows.dumps(part.checksums),
            part.segment.path,
        ),
    )
    return part


def _abort(conn: sqlite3.Connection, upload_id: str) -> None:
    paths = conn.execute("SELECT path FROM parts WHERE upload_id = ?", (upload_id,))
    versions.add_garbage(conn, [p[0] for p in paths])
    conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
    conn.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))


def _chosen_parts(
    conn: sqlite3.Connection, upload_id: str, requested: list[tuple[int, str]]
) -> list[sqlite3.Row]:
    """The stored parts the client listed, validated the way S3 validates them."""
    if not requested:
        raise errors.MalformedXML()
    numbers = [n for n, _ in requested]
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):
        raise errors.InvalidPartOrder()
    stored = {r["number"]: r for r in conn.execute("SELECT * FROM parts WHERE upload_id = ?", (upload_id,))}
    chosen = []
    for number, etag in requested:
        row = stored.get(number)
        if row is None or row["etag"] != etag.strip().strip('"'):
            raise errors.InvalidPart(PartNumber=str(number), ETag=etag)
        chosen.append(row)
    for row in chosen[:-1]:
        if row["size"] < MIN_PART_SIZE:
            raise errors.EntityTooSmall(
                ProposedSize=str(row["size"]),
                MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(row["number"]),
                ETag=row["etag"],
            )
    return chosen


def _checksums(
    attrs: ObjectAttrs, chosen: list[sqlite3.Row], checksum_type: str | None
) -> tuple[dict[str, str], str | None]:
    """Object checksum from part checksums, when the upload was created with an algorithm."""
    algorithm = attrs.checksum_algorithm
    if algorithm is None:
        return {}, None
    kind = (
        checksum_type or attrs.checksum_type or ("FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE")
    )
    parts = [(json.loads(r["checksums"]).get(algorithm), r["size"]) for r in chosen]
    if any(value is None for value, _ in parts):
        return {}, None
    return {algorithm: multipart_checksum(algorithm, kind, parts)}, kind


def _complete(
    conn: sqlite3.Connection,
    upload: Upload,
    requested: list[tuple[int, str]],
    conditions: Conditions,
    checksum_type: str | None,
) -> ObjectVersion:
    upload_row(conn, upload.bucket, upload.key, upload.upload_id)
    chosen = _chosen_parts(conn, upload.upload_id, requested)
    checksums, kind = _checksums(upload.attrs, chosen, checksum_type)
    draft = ObjectVersion(
        bucket=upload.bucket,
        key=upload.key,
        version_id="",
        seq=0,
        is_latest=True,
        delete_marker=False,
        size=sum(r["size"] for r in chosen),
        etag=multipart_etag(r["etag"] for r in chosen),
        last_modified=0.0,
        attrs=replace(upload.attrs, checksum_type=kind),
        checksums=checksums,
        segments=tuple(Segment(r["path"], r["size"]) for r in chosen),
        multipart=True,
    )
    version = versions.install(conn, draft, conditions)
    used = {r["number"] for r in chosen}
    unused = conn.execute("SELECT number, path FROM parts WHERE upload_id = ?", (upload.upload_id,))
    versions.add_garbage(conn, [r["path"] for r in unused if r["number"] not in used])
    conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload.upload_id,))
    conn.execute("DELETE FROM uploads WHERE upload_id = ?", (upload.upload_id,))
    return version


def _expire(conn: sqlite3.Connection, cutoff: float) -> int:
    ids = [r[0] for r in conn.execute("SELECT upload_id FROM uploads WHERE initiated < ?", (cutoff,))]
    for upload_id in ids:
        _abort(conn, upload_id)
    return len(ids)


# ---- the async side ----


class Multipart:
    """The multipart operations behind ``Engine``; blob work in threads, rows on the writer."""

    def __init__(self, db: Database, blobs: BlobStore, faults: commit.Faults) -> None:
        self.db = db
        self.blobs = blobs
        self.faults = faults

    async def create(self, bucket: str, key: str, attrs: ObjectAttrs) -> Upload:
        upload = Upload(new_upload_id(), bucket, key, time.time(), attrs)
        return await self.db.write(lambda c: _create(c, upload))

    def get(self, bucket: str, key: str, upload_id: str) -> Upload:
        return rows.to_upload(upload_row(self.db.reader(), bucket, key, upload_id))

    async def put_part(self, upload: Upload, number: int, body: BodyReader) -> Part:
        check_part_number(number)
        self.get(upload.bucket, upload.key, upload.upload_id)  # before reading any byte
        async with self.blobs.pending() as blob:
            await blob.write_from(body, MAX_PART_SIZE)
            digests = body.digests()
            part = Part(
                upload.upload_id, number, blob.size, digests.md5_hex, 0.0, digests.checksums, blob.segment()
            )
            return await commit.commit(self.db, blob, lambda c: _put_part(c, upload, part), self.faults)

    async def put_part_copy(
        self, upload: Upload, number: int, source: ObjectVersion, start: int, end: int
    ) -> Part:
        """UploadPartCopy: bytes ``start..end`` (inclusive) of ``source`` become a part."""
        check_part_number(number)
        if not (0 <= start <= end + 1 and end < source.size) or end - start + 1 > MAX_PART_SIZE:
            raise errors.InvalidArgument(
                f"Range specified is not valid for source object of size: {source.size}"
            )
        self.get(upload.bucket, upload.key, upload.upload_id)
        async with self.blobs.pending() as blob:
            d = await commit.copy_range(self.blobs, blob, source, start, end, upload.attrs.checksum_algorithm)
            part = Part(upload.upload_id, number, d.size, d.md5_hex, 0.0, d.checksums, blob.segment())
            return await commit.commit(self.db, blob, lambda c: _put_part(c, upload, part), self.faults)

    def list_parts(self, upload: Upload, marker: int = 0, max_parts: int = 1000) -> tuple[list[Part], bool]:
        self.get(upload.bucket, upload.key, upload.upload_id)
        return listing.list_parts(self.db.reader(), upload.upload_id, marker, max_parts)

    async def complete(
        self,
        upload: Upload,
        parts: list[tuple[int, str]],
        conditions: Conditions,
        checksum_type: str | None,
        wrap: Callable[[Job], Job] = lambda job: job,
    ) -> ObjectVersion:
        """Make the parts the object; ``wrap`` adds work to the same transaction (its event)."""
        return await self.db.write(wrap(lambda c: _complete(c, upload, parts, conditions, checksum_type)))

    async def abort(self, upload: Upload) -> None:
        def job(conn: sqlite3.Connection) -> None:
            upload_row(conn, upload.bucket, upload.key, upload.upload_id)
            _abort(conn, upload.upload_id)

        await self.db.write(job)

    async def expire(self, max_age: float) -> int:
        """Abort uploads initiated more than ``max_age`` seconds ago."""
        cutoff = time.time() - max_age
        return await self.db.write(lambda c: _expire(c, cutoff))
