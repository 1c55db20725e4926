"""One upload, start to finish: HEAD, GET, process, PUT the outputs, record it in the index.

Only S3 calls (HeadObject, GetObject, PutObject, Get/PutObjectTagging), so any S3 endpoint works.
``handle`` returns once the upload is settled (processed, duplicate or rejected): the caller may
then delete its message. Any other exception means "not settled": the message stays, and SQS
delivers it again after its visibility timeout.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aerostore.images import Metadata, Output, Rejected, process, sniff
from aerostore.worker import layout
from aerostore.worker.events import Upload
from aerostore.worker.identity import identify
from aerostore.worker.index import MediaIndex, MediaRecord
from aerostore.worker.layout import Source, Written
from aerostore.worker.settings import PUTS_PER_IMAGE, WorkerSettings

log = logging.getLogger("aerostore.worker")

_MISSING = frozenset({"404", "NoSuchKey", "NoSuchVersion", "NotFound"})
SNIFF_BYTES = 64


def is_missing(exc: Exception) -> bool:
    """Whether a botocore ClientError says the object (or version) does not exist."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    status = str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return code in _MISSING or status == "404"


class Pipeline:
    """Turns uploads into renditions in the processed bucket and rows in the media index."""

    def __init__(self, s3: Any, index: MediaIndex | None, settings: WorkerSettings) -> None:
        self.s3 = s3
        self.index = index
        self.settings = settings
        self._same_bytes = KeyedLock()
        self._writers = ThreadPoolExecutor(
            PUTS_PER_IMAGE * settings.concurrency, thread_name_prefix="image-put"
        )

    def handle(self, upload: Upload) -> MediaRecord | None:
        """Settle one upload; None when there is nothing to process (the object is gone)."""
        if upload.bucket == self.settings.processed_bucket:
            # A notification on the processed bucket would feed the worker its own outputs forever.
            log.warning("%s: an event from the processed bucket itself; ignored", upload.source)
            return None
        head = self._head_source(upload)
        if head is None:
            return None
        source, base = _describe(upload, head)
        try:
            data = self._get(source, base.size or 0)
        except Rejected as rejected:
            return self._reject(base, b"", rejected)
        sha256 = hashlib.sha256(data).hexdigest()
        # Two uploads of the same bytes at once: the second waits, then finds the first in the index.
        with self._same_bytes(sha256):
            return self._settle(base, source, data, sha256)

    def _head_source(self, upload: Upload) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.s3.head_object(
                Bucket=upload.bucket, Key=upload.key, **_version(upload.version_id)
            )
        except self._client_error() as exc:
            if not is_missing(exc):
                raise
            log.warning("%s: gone before it was processed", upload.source)
            return None
        return head

    def _settle(self, base: MediaRecord, source: Source, data: bytes, sha256: str) -> MediaRecord:
        original = self.index.original_of(sha256, source.bucket, source.key) if self.index else None
        if original is not None:
            return self._record_duplicate(base, original)
        try:
            processed = process(
                data,
                limits=self.settings.limits,
                renditions=self.settings.renditions,
                keep_original=self.settings.keep_original,
            )
        except Rejected as rejected:
            return self._reject(base, data, rejected)
        return self._store(base, source, processed.metadata, processed.outputs)

    def record_failure(self, upload: Upload, error: str, attempts: int, *, final: bool) -> None:
        """A failed attempt: the index says why; on the last attempt the original is tagged too."""
        aircraft, note = identify(upload.key, {})
        record = MediaRecord(
            upload.bucket,
            upload.key,
            "failed",
            aircraft,
            source_version=upload.version_id,
            etag=upload.etag,
            reason="error",
            detail=error[:2000],
            aircraft_note=note,
            size=upload.size,
            attempts=attempts,
        )
        if self.index is not None:
            stored = self.index.get(upload.bucket, upload.key, upload.version_id, upload.etag)
            if stored is not None and stored.status != "failed":
                return  # settled by an earlier delivery: this redelivery's failure changes nothing
            self.index.upsert(record)
        if final:
            self.tag_original(
                Source(upload.bucket, upload.key, upload.version_id, upload.etag), "failed", "error"
            )

    # ---- steps ----

    def _get(self, source: Source, size: int) -> bytes:
        """The upload's bytes, at most ``max_bytes`` of them (the ETag pins the content HEAD saw).

        The size HEAD reported is checked first, so an upload over the limit is never downloaded.
        """
        limit = self.settings.limits.max_bytes
        if size > limit:
            raise Rejected("too-large", f"{size} bytes, over the limit of {limit}")
        reply = self.s3.get_object(
            Bucket=source.bucket, Key=source.key, IfMatch=f'"{source.etag}"', **_version(source.version_id)
        )
        body = reply["Body"]
        try:
            data: bytes = body.read(limit + 1)
        finally:
            body.close()
        if len(data) > limit:
            raise Rejected("too-large", f"over the limit of {limit} bytes")
        return data

    def _store(
        self, base: MediaRecord, source: Source, meta: Metadata, outputs: tuple[Output, ...]
    ) -> MediaRecord:
        prefix = layout.prefix_for(base.aircraft, meta.sha256)
        batch = _Batch(source, meta.sha256, base.aircraft, self._present(prefix))
        # The outputs go up side by side: each PUT waits mostly on the server's fsync, not on CPU.
        # ``map`` re-raises the first failure once all have finished, so none is left running.
        written = list(self._writers.map(lambda out: self._put_output(prefix, batch, out), outputs))
        manifest = layout.manifest(source, meta, base.aircraft, base.aircraft_note, written)
        manifest_key = layout.manifest_key(prefix)
        self._put(manifest_key, manifest, "application/json", "manifest", batch)
        record = _with_metadata(
            base, meta, prefix=prefix, manifest_key=manifest_key, outputs=tuple(w.key for w in written)
        )
        log.info("%s/%s: %d outputs under %s", source.bucket, source.key, len(written), prefix)
        return self._upsert(record)

    def _present(self, prefix: str) -> frozenset[str]:
        """The keys already under ``prefix``: usually none, and then no output needs a HEAD."""
        bucket, keys = self.settings.processed_bucket, set[str]()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return frozenset(keys)

    def _put_output(self, prefix: str, batch: _Batch, out: Output) -> Written:
        key = layout.output_key(prefix, out.rendition, out.ext)
        size, digest = self._put(key, out.data, out.content_type, out.rendition, batch)
        return Written(key, out.rendition, out.ext, out.content_type, out.width, out.height, size, digest)

    def _put(
        self, key: str, data: bytes, content_type: str, rendition: str, batch: _Batch
    ) -> tuple[int, str]:
        """PUT one processed object unless it is already there for this upload; its size and SHA-256.

        The processed bucket keeps every version (Object Lock): putting the same bytes again on a
        retry would add a version, so an object already written from the same upload is kept.
        """
        bucket = self.settings.processed_bucket
        if key in batch.present:
            try:
                existing = self.s3.head_object(Bucket=bucket, Key=key)
            except self._client_error() as exc:
                if not is_missing(exc):
                    raise
            else:
                stored = existing.get("Metadata") or {}
                if stored.get(layout.META_SHA256) == batch.sha256:
                    return int(existing.get("ContentLength", 0)), stored.get(layout.META_OUTPUT_SHA256, "")
        digest = hashlib.sha256(data).hexdigest()
        source, sha256, aircraft = batch.source, batch.sha256, batch.aircraft
        self.s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),
            Metadata=layout.object_metadata(source, sha256, digest, aircraft, rendition),
            Tagging=layout.tagging(layout.object_tags(source, sha256, aircraft, rendition)),
        )
        return len(data), digest

    def _record_duplicate(self, base: MediaRecord, original: MediaRecord) -> MediaRecord:
        """Same bytes as an upload already processed: its outputs serve this one; nothing is written."""
        copied = {name: getattr(original, name) for name in _METADATA_FIELDS}
        record = _processed(
            base,
            prefix=original.prefix,
            manifest_key=original.manifest_key,
            outputs=original.outputs,
            duplicate_of=f"{original.source_bucket}/{original.source_key}",
            **copied,
        )
        log.info("%s/%s: duplicate of %s", base.source_bucket, base.source_key, record.duplicate_of)
        return self._upsert(record)

    def _reject(self, base: MediaRecord, data: bytes, rejected: Rejected) -> MediaRecord:
        fmt = None
        if data:
            try:
                fmt = sniff(data[:SNIFF_BYTES])
            except Rejected:
                fmt = None
        record = MediaRecord(
            base.source_bucket,
            base.source_key,
            "rejected",
            base.aircraft,
            source_version=base.source_version,
            etag=base.etag,
            sha256=hashlib.sha256(data).hexdigest() if data or base.size == 0 else "",
            reason=rejected.reason,
            detail=rejected.detail,
            aircraft_note=base.aircraft_note,
            format=fmt,
            size=base.size,
        )
        log.info(
            "%s/%s: rejected (%s: %s)", base.source_bucket, base.source_key, rejected.reason, rejected.detail
        )
        source = Source(base.source_bucket, base.source_key, base.source_version, base.etag)
        self.tag_original(source, "rejected", rejected.reason, best_effort=False)
        return self._upsert(record)

    def tag_original(self, source: Source, status: str, reason: str, *, best_effort: bool = True) -> None:
        """Add ``aerostore-status``/``aerostore-reason`` to the original's tags (keeping its others)."""
        where = {"Bucket": source.bucket, "Key": source.key, **_version(source.version_id)}
        try:
            tag_set = self.s3.get_object_tagging(**where).get("TagSet", [])
            tags = {t["Key"]: t["Value"] for t in tag_set}
            tags.update({layout.TAG_STATUS: status, layout.TAG_REASON: layout.tag_value(reason)})
            if tags == {t["Key"]: t["Value"] for t in tag_set}:
                return
            self.s3.put_object_tagging(
                **where, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
            )
        except Exception as exc:
            if best_effort or is_missing(exc):
                log.warning("%s/%s: could not tag the original: %s", source.bucket, source.key, exc)
                return
            raise

    def _upsert(self, record: MediaRecord) -> MediaRecord:
        return self.index.upsert(record) if self.index is not None else record

    def _client_error(self) -> type[Exception]:
        error: type[Exception] = self.s3.exceptions.ClientError
        return error


_METADATA_FIELDS = (
    "sha256",
    "format",
    "width",
    "height",
    "size",
    "captured_at",
    "make",
    "model",
    "lens",
    "gps_lat",
    "gps_lon",
    "phash",
    "orientation",
)


def _processed(base: MediaRecord, **fields: Any) -> MediaRecord:
    """The ``processed`` row of ``base``'s upload (source, version, aircraft), with ``fields``."""
    return MediaRecord(
        base.source_bucket,
        base.source_key,
        "processed",
        base.aircraft,
        source_version=base.source_version,
        etag=base.etag,
        aircraft_note=base.aircraft_note,
        **fields,
    )


def _with_metadata(base: MediaRecord, meta: Metadata, **paths: Any) -> MediaRecord:
    lat, lon = meta.gps if meta.gps else (None, None)
    return _processed(
        base,
        sha256=meta.sha256,
        format=meta.format,
        width=meta.width,
        height=meta.height,
        size=meta.size,
        captured_at=meta.captured_at,
        make=meta.make,
        model=meta.model,
        lens=meta.lens,
        gps_lat=lat,
        gps_lon=lon,
        phash=meta.phash,
        orientation=meta.orientation,
        **paths,
    )


@dataclass(frozen=True, slots=True)
class _Batch:
    """What every output of one upload is written with."""

    source: Source
    sha256: str
    aircraft: str
    present: frozenset[str]  # keys already under the outputs' prefix


def _describe(upload: Upload, head: dict[str, Any]) -> tuple[Source, MediaRecord]:
    """The source as HEAD found it, and the index row's fields known before reading a byte."""
    etag = str(head.get("ETag", "")).strip('"')
    source = Source(upload.bucket, upload.key, upload.version_id or _real_version(head), etag)
    aircraft, note = identify(upload.key, head.get("Metadata") or {})
    base = MediaRecord(
        source.bucket,
        source.key,
        "processed",
        aircraft,
        source_version=source.version_id,
        etag=etag,
        aircraft_note=note,
        size=int(head.get("ContentLength", 0)),
    )
    return source, base


class KeyedLock:
    """A lock per key, held only while someone uses it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def __call__(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


def _version(version_id: str) -> dict[str, str]:
    return {"VersionId": version_id} if version_id else {}


def _real_version(head: dict[str, Any]) -> str:
    version = str(head.get("VersionId") or "")
    return "" if version == "null" else version
