"""Conversions between SQLite rows and the model's frozen values.

JSON columns hold plain dicts and lists; their shape is part of the on-disk format, so a
change here needs a migration.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from typing import Any

from aerostore.features.object_lock import DefaultRetention
from aerostore.storage.model import Bucket, ObjectAttrs, ObjectVersion, Part, Restore, Segment, Upload

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
# versions.legal_hold: 0 while no legal hold was ever placed (the column's default), then 1 / 2.
_LEGAL_HOLD_CODES = {None: 0, "ON": 1, "OFF": 2}
_LEGAL_HOLDS = {code: status for status, code in _LEGAL_HOLD_CODES.items()}


# One encoder: json.dumps with non-default options builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    if not value and isinstance(value, dict):
        return "{}"  # most headers, metadata, tags and checksums columns
    return _ENCODER.encode(value)


def to_bucket(row: sqlite3.Row) -> Bucket:
    return Bucket(
        name=row["name"],
        created=row["created"],
        region=row["region"],
        owner=row["owner"],
        versioning=row["versioning"],
        object_lock=bool(row["object_lock"]),
    )


def segments_json(segments: tuple[Segment, ...]) -> str:
    return dumps([[s.path, s.size] for s in segments])


def to_segments(text: str) -> tuple[Segment, ...]:
    return tuple(Segment(path, size) for path, size in json.loads(text))


def _loads(text: str) -> Any:
    return {} if text == "{}" else json.loads(text)


def to_version(row: sqlite3.Row, inline: bytes | None = None) -> ObjectVersion:
    """A version from its row; ``inline`` is its body when it is stored in ``inline_data``."""
    checksums = _loads(row["checksums"])
    archive, restore = row["archive"], to_restore(row["restore"])
    segments = to_segments(row["segments"]) if archive is None else _archived_segments(archive, restore)
    attrs = ObjectAttrs(
        content_type=row["content_type"] or DEFAULT_CONTENT_TYPE,
        headers=_loads(row["headers"]),
        user_meta=_loads(row["user_meta"]),
        storage_class=row["storage_class"],
        checksum_algorithm=next(iter(checksums), None),
        checksum_type=row["checksum_type"],
        tags=_loads(row["tags"]),
        acl=row["acl"],
    )
    return ObjectVersion(
        bucket=row["bucket"],
        key=row["key"],
        version_id=row["version_id"],
        seq=row["seq"],
        is_latest=bool(row["is_latest"]),
        delete_marker=bool(row["delete_marker"]),
        size=row["size"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        attrs=attrs,
        checksums=checksums,
        segments=segments,
        multipart=bool(row["multipart"]),
        retention_mode=row["retention_mode"],
        retain_until=row["retain_until"],
        legal_hold=_LEGAL_HOLDS[row["legal_hold"]],
        inline=inline,
        archived=archive is not None,
        restore=restore,
    )


def restore_json(restore: Restore | None) -> str | None:
    if restore is None:
        return None
    plain = asdict(restore)
    plain["segments"] = [[seg.path, seg.size] for seg in restore.segments]
    return dumps(plain)


def to_restore(text: str | None) -> Restore | None:
    if text is None:
        return None
    found = json.loads(text)
    found["segments"] = tuple(Segment(path, size) for path, size in found["segments"])
    return Restore(**found)


def _archived_segments(archive: str, restore: Restore | None) -> tuple[Segment, ...]:
    """The restored copy's blobs when ready; else one placeholder per part (no path: never read).

    The placeholders keep ``parts_count`` and GetObjectAttributes' parts right while the bytes
    are cold; every reader checks ``ObjectVersion.restored`` before opening anything.
    """
    if restore is not None and not restore.ongoing:
        return restore.segments
    return tuple(Segment("", size) for size in json.loads(archive)["parts"])


def version_columns(v: ObjectVersion) -> dict[str, Any]:
    """Column values for INSERT INTO versions (everything but seq)."""
    return {
        "bucket": v.bucket,
        "key": v.key,
        "version_id": v.version_id,
        "is_latest": int(v.is_latest),
        "delete_marker": int(v.delete_marker),
        "size": v.size,
        "etag": v.etag,
        "last_modified": v.last_modified,
        "content_type": None if v.delete_marker else v.attrs.content_type,
        "headers": dumps(v.attrs.headers),
        "user_meta": dumps(v.attrs.user_meta),
        "checksums": dumps(v.checksums),
        "checksum_type": v.attrs.checksum_type,
        "storage_class": v.attrs.storage_class,
        "segments": segments_json(v.segments),
        "multipart": int(v.multipart),
        "retention_mode": v.retention_mode,
        "retain_until": v.retain_until,
        "legal_hold": legal_hold_code(v.legal_hold),
        "tags": dumps(v.attrs.tags),
        "acl": v.attrs.acl,
    }


def legal_hold_code(status: str | None) -> int:
    return _LEGAL_HOLD_CODES[status]


def default_retention_json(default: DefaultRetention) -> str:
    """A bucket's default retention as its ``object-lock`` row in ``config`` stores it."""
    period = {"Days": default.days} if default.days is not None else {"Years": default.years}
    return dumps({"Mode": default.mode, **period})


def to_default_retention(text: str) -> DefaultRetention:
    found = json.loads(text)
    return DefaultRetention(found["Mode"], days=found.get("Days"), years=found.get("Years"))


def attrs_json(attrs: ObjectAttrs) -> str:
    return dumps(asdict(attrs))


def to_upload(row: sqlite3.Row) -> Upload:
    return Upload(
        upload_id=row["upload_id"],
        bucket=row["bucket"],
        key=row["key"],
        initiated=row["initiated"],
        attrs=ObjectAttrs(**json.loads(row["attrs"])),
    )


def to_part(row: sqlite3.Row) -> Part:
    return Part(
        upload_id=row["upload_id"],
        number=row["number"],
        size=row["size"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        checksums=json.loads(row["checksums"]),
        segment=Segment(row["path"], row["size"]),
    )
