"""Where outputs go and what they carry: keys, object metadata, tags, the manifest. All pure.

Every name is derived from the upload's content (its SHA-256) and its aircraft, never from a
clock or a counter, so processing the same upload twice names the same objects with the same
bytes: ``aircraft/<registration or "unassigned">/<sha256[:16]>/<rendition>.<ext>`` and
``manifest.json`` beside them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aerostore.images import Metadata

UNASSIGNED = "unassigned"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
SHA_PREFIX = 16

# User metadata names (sent as x-amz-meta-<name>).
META_SOURCE_BUCKET = "source-bucket"
META_SOURCE_KEY = "source-key"
META_SOURCE_VERSION = "source-version"
META_SHA256 = "sha256"  # of the upload: the same for every output of one upload
META_OUTPUT_SHA256 = "output-sha256"  # of the object itself
META_AIRCRAFT = "aircraft"
META_RENDITION = "rendition"
# What an uploader may set on the original to name the aircraft.
META_REGISTRATION = "aircraft-registration"

# Tags on the original upload when it is refused or keeps failing.
TAG_STATUS = "aerostore-status"
TAG_REASON = "aerostore-reason"

MAX_TAG_VALUE = 256
# Tag values allow letters, digits, spaces and _ . : / = + - @ (S3 "Tagging" restrictions).
_TAG_UNSAFE = re.compile(r"[^\w .:/=+\-@]")


@dataclass(frozen=True, slots=True)
class Source:
    """The upload an output was made from, as the HEAD of the original found it."""

    bucket: str
    key: str
    version_id: str
    etag: str


@dataclass(frozen=True, slots=True)
class Written:
    """An output as stored: the manifest lists these."""

    key: str
    rendition: str
    ext: str
    content_type: str
    width: int
    height: int
    size: int
    sha256: str


def prefix_for(aircraft: str, sha256: str) -> str:
    return f"aircraft/{aircraft}/{sha256[:SHA_PREFIX]}/"


def output_key(prefix: str, rendition: str, ext: str) -> str:
    return f"{prefix}{rendition}.{ext}"


def manifest_key(prefix: str) -> str:
    return prefix + MANIFEST


def object_metadata(
    source: Source, sha256: str, output_sha256: str, aircraft: str, rendition: str
) -> dict[str, str]:
    """User metadata for one processed object; values are ASCII (the key is percent-encoded)."""
    return {
        META_SOURCE_BUCKET: source.bucket,
        META_SOURCE_KEY: quote(source.key, safe="/"),
        META_SOURCE_VERSION: source.version_id,
        META_SHA256: sha256,
        META_OUTPUT_SHA256: output_sha256,
        META_AIRCRAFT: aircraft,
        META_RENDITION: rendition,
    }


def tag_value(text: str) -> str:
    """``text`` made a valid S3 tag value: disallowed characters become ``_``, cut at 256."""
    return _TAG_UNSAFE.sub("_", text)[:MAX_TAG_VALUE]


def tagging(tags: Mapping[str, str]) -> str:
    """The ``Tagging`` parameter of PutObject: tags as a URL query string."""
    return urlencode({name: tag_value(value) for name, value in tags.items()})


def object_tags(source: Source, sha256: str, aircraft: str, rendition: str) -> dict[str, str]:
    return {
        "aircraft": aircraft,
        "rendition": rendition,
        "sha256": sha256,
        "source-bucket": source.bucket,
        "source-key": source.key,
    }


def manifest(
    source: Source, metadata: Metadata, aircraft: str, aircraft_note: str | None, outputs: Sequence[Written]
) -> bytes:
    """The manifest: deterministic JSON (sorted keys, no timestamps), so a retry writes the same bytes.

    GPS is left out: the manifest sits beside the renditions, which are meant to be shared;
    the position is kept in the media index only.
    """
    doc: dict[str, Any] = {
        "manifestVersion": MANIFEST_VERSION,
        "source": {
            "bucket": source.bucket,
            "key": source.key,
            "versionId": source.version_id or None,
            "etag": source.etag,
        },
        "sha256": metadata.sha256,
        "aircraft": aircraft,
        "aircraftNote": aircraft_note,
        "metadata": {
            "size": metadata.size,
            "format": metadata.format,
            "width": metadata.width,
            "height": metadata.height,
            "capturedAt": metadata.captured_at,
            "make": metadata.make,
            "model": metadata.model,
            "lens": metadata.lens,
            "phash": metadata.phash,
            "orientation": metadata.orientation,
        },
        "outputs": [
            {
                "key": o.key,
                "rendition": o.rendition,
                "ext": o.ext,
                "contentType": o.content_type,
                "width": o.width,
                "height": o.height,
                "size": o.size,
                "sha256": o.sha256,
            }
            for o in outputs
        ],
    }
    return (json.dumps(doc, sort_keys=True, indent=2) + "\n").encode()
