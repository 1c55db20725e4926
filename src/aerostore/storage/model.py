"""Values the storage engine hands out: buckets, object versions, uploads and parts.

The model is ready for later issues: every version has a version id (``null`` until
versioning is enabled), a delete-marker flag, lock fields and tags.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from aerostore.features.object_lock import Retention

NULL_VERSION = "null"


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    created: float  # epoch seconds
    region: str
    owner: str
    versioning: str = ""  # "", "Enabled" or "Suspended"
    object_lock: bool = False


@dataclass(frozen=True, slots=True)
class Segment:
    """One data file holding a contiguous run of an object's bytes (a whole PUT or one part)."""

    path: str  # relative to the data directory, never derived from the key
    size: int


@dataclass(frozen=True, slots=True)
class Restore:
    """A RestoreObject of an archived version (docs/archive.md): ongoing until ``expiry`` is set.

    ``segments`` are the temporary hot copy's blobs, one per part of the original, once ready.
    """

    tier: str  # "Expedited", "Standard" or "Bulk"
    days: int
    requested: float  # epoch seconds
    ready_at: float  # when the restore processor completes it
    expiry: float | None = None  # when the temporary copy goes; None while the restore is ongoing
    segments: tuple[Segment, ...] = ()

    @property
    def ongoing(self) -> bool:
        return self.expiry is None


@dataclass(frozen=True, slots=True)
class ObjectAttrs:
    """What a writer says about an object besides its bytes."""

    content_type: str = "binary/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)  # Cache-Control, Content-Disposition, ... as sent
    user_meta: dict[str, str] = field(default_factory=dict)  # lower-cased name without "x-amz-meta-"
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None  # "CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"
    checksum_type: str | None = None  # "FULL_OBJECT" or "COMPOSITE"
    tags: dict[str, str] = field(default_factory=dict)
    # The Object Lock a write asks for (x-amz-object-lock-* headers); None leaves the bucket's
    # default retention to apply. Once committed, a version's lock is ObjectVersion's own fields.
    lock_mode: str | None = None  # "GOVERNANCE" or "COMPLIANCE", with lock_until
    lock_until: float | None = None  # epoch seconds
    lock_legal_hold: str | None = None  # "ON" or "OFF"
    # The object ACL as JSON (access/acl.py); None: the bucket owner's full control.
    acl: str | None = None


@dataclass(frozen=True, slots=True)
class Digests:
    """What a body reader computed while the bytes streamed through it."""

    md5_hex: str
    size: int
    checksums: dict[str, str] = field(default_factory=dict)  # algorithm -> base64 value


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    bucket: str
    key: str
    version_id: str
    seq: int  # monotonic per store; orders versions of a key and events
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str  # without quotes: "<md5hex>" or "<md5hex>-<parts>"
    last_modified: float  # epoch seconds
    attrs: ObjectAttrs
    checksums: dict[str, str]  # algorithm -> base64 value (composite values end in "-N")
    segments: tuple[Segment, ...]
    multipart: bool = False
    retention_mode: str | None = None  # Object Lock: "GOVERNANCE" or "COMPLIANCE", with retain_until
    retain_until: float | None = None
    legal_hold: str | None = None  # "ON", "OFF", or None when no legal hold was ever placed
    # The whole body when it is stored in the database (see storage/inline.py), else None.
    inline: bytes | None = field(default=None, repr=False)
    # In the archive tier (docs/archive.md): the hot copy is gone. ``segments`` then hold the
    # restored temporary copy when one is ready, else placeholders with the parts' sizes and no path.
    archived: bool = False
    restore: Restore | None = None

    @property
    def parts_count(self) -> int:
        return len(self.segments) if self.multipart else 1

    @property
    def restored(self) -> bool:
        """A completed RestoreObject's temporary copy is readable."""
        return self.restore is not None and not self.restore.ongoing

    @property
    def retention(self) -> Retention | None:
        if self.retention_mode is None or self.retain_until is None:
            return None
        return Retention(self.retention_mode, self.retain_until)


@dataclass(frozen=True, slots=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    attrs: ObjectAttrs


@dataclass(frozen=True, slots=True)
class Part:
    upload_id: str
    number: int
    size: int
    etag: str  # md5 hex without quotes
    last_modified: float
    checksums: dict[str, str]
    segment: Segment


@dataclass(frozen=True, slots=True)
class Conditions:
    """Conditional-write headers, checked inside the commit transaction."""

    if_match: str | None = None  # ETag without quotes, or "*"
    if_none_match: str | None = None  # only "*" is meaningful for writes


@dataclass(frozen=True, slots=True)
class ListPage:
    objects: list[ObjectVersion]
    common_prefixes: list[str]
    is_truncated: bool
    next_marker: str | None  # the last key or prefix returned, when truncated


@dataclass(frozen=True, slots=True)
class VersionsPage:
    versions: list[ObjectVersion]  # objects and delete markers, key ascending then newest first
    common_prefixes: list[str]
    is_truncated: bool
    next_key_marker: str | None
    next_version_id_marker: str | None


class BodyReader(Protocol):
    """A request body as the HTTP layer hands it to the engine.

    Iterating yields the payload; the iterator itself raises S3 errors (bad signature, bad
    digest) mid-stream, and then the engine leaves nothing behind. ``digests()`` is valid
    only once the iterator is exhausted. ``declared_length`` is the payload size the client
    announced, if any; the iterator never yields more than that.
    """

    @property
    def declared_length(self) -> int | None: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    def digests(self) -> Digests: ...
