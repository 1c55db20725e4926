"""Header codecs shared by the object handlers: request headers → ObjectAttrs, versions → response headers."""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import formatdate, parsedate_to_datetime

from aerostore.auth import checksums
from aerostore.lifecycle.model import ARCHIVE_CLASSES
from aerostore.s3 import errors, retention, tags
from aerostore.storage.model import NULL_VERSION, Conditions, ObjectAttrs, ObjectVersion

NOT_IMPLEMENTED_HEADER = "A header you provided implies functionality that is not implemented"
CONTENT_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")
META_PREFIX = "x-amz-meta-"
X_AMZ_TAGGING = "x-amz-tagging"
X_AMZ_TAGGING_COUNT = "x-amz-tagging-count"
X_AMZ_RESTORE = "x-amz-restore"
MAX_META_BYTES = 2048
STORAGE_CLASSES = {
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE",
}  # fmt: skip
CHECKSUM_TYPES = {"FULL_OBJECT", "COMPOSITE"}
SSE_HEADERS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm")
# Object write headers asking for features a later issue brings; honouring them silently would be a
# wrong success (an object believed locked or shared that is not).
LATER_FEATURE_HEADERS = (
    # website hosting: not planned
    "x-amz-website-redirect-location",
)  # fmt: skip
def http_date(epoch: float) -> str:
    return formatdate(int(epoch), usegmt=True)


def parse_http_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def refuse_unsupported(headers: Mapping[str, str]) -> None:
    """Encryption and features we cannot honour are refused rather than silently ignored (ACLs:
    handlers/acl.py ``write_acl``)."""
    if any(name in headers for name in SSE_HEADERS):
        raise errors.NotImplemented("Server-side encryption is not supported")
    for name in LATER_FEATURE_HEADERS:
        if name in headers:
            raise errors.NotImplemented(NOT_IMPLEMENTED_HEADER, Header=name)


def user_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    meta = {n.removeprefix(META_PREFIX): value for n, value in headers.items() if n.startswith(META_PREFIX)}
    if sum(len(k) + len(v) for k, v in meta.items()) > MAX_META_BYTES:
        raise errors.MetadataTooLarge(MaxSizeAllowed=str(MAX_META_BYTES))
    return meta


def content_headers(headers: Mapping[str, str]) -> dict[str, str]:
    found = {name: headers[name] for name in CONTENT_HEADERS if name in headers}
    encoding = found.get("content-encoding")
    if encoding is not None:
        # aws-chunked is a transfer detail of the request, never part of the stored object;
        # any other value is kept as the client wrote it ("deflate, gzip" stays "deflate, gzip").
        tokens = [e.strip() for e in encoding.split(",") if e.strip()]
        kept = [e for e in tokens if e.lower() != "aws-chunked"]
        if not kept:
            del found["content-encoding"]
        elif len(kept) < len(tokens):
            found["content-encoding"] = ", ".join(kept)
    return found


def storage_class(headers: Mapping[str, str]) -> str:
    value = headers.get("x-amz-storage-class", "STANDARD")
    if value not in STORAGE_CLASSES:
        raise errors.InvalidStorageClass(StorageClassRequested=value)
    return value


def checksum_algorithm(headers: Mapping[str, str]) -> str | None:
    value = headers.get("x-amz-checksum-algorithm") or headers.get("x-amz-sdk-checksum-algorithm") or ""
    value = value.upper()
    if not value:
        return None
    if value not in checksums.ALGORITHMS:
        raise errors.InvalidRequest(f"Checksum algorithm provided is unsupported: {value}")
    return value


def attrs_from_headers(headers: Mapping[str, str]) -> ObjectAttrs:
    refuse_unsupported(headers)
    checksum_type = headers.get("x-amz-checksum-type", "").upper() or None
    if checksum_type is not None and checksum_type not in CHECKSUM_TYPES:
        raise errors.InvalidRequest(f"Value for x-amz-checksum-type header is invalid: {checksum_type}")
    return ObjectAttrs(
        content_type=headers.get("content-type") or "binary/octet-stream",
        headers=content_headers(headers),
        user_meta=user_metadata(headers),
        storage_class=storage_class(headers),
        checksum_algorithm=checksum_algorithm(headers),
        checksum_type=checksum_type,
        tags=tags.parse_header(headers.get(X_AMZ_TAGGING)),
        **retention.lock_from_headers(headers, time.time()),
    )


def require_integrity_header(headers: Mapping[str, str]) -> None:
    """Content-MD5 or a flexible checksum, which AWS requires on DeleteObjects and PutBucketTagging."""
    if "content-md5" in headers or "x-amz-trailer" in headers or "x-amz-sdk-checksum-algorithm" in headers:
        return
    if any(name.startswith("x-amz-checksum-") for name in headers):
        return
    raise errors.InvalidRequest("Missing required header for this request: Content-Md5")


def write_conditions(headers: Mapping[str, str]) -> Conditions:
    """If-Match / If-None-Match on writes, refused as AWS refuses them.

    AWS takes only '*' for If-None-Match, only an ETag for If-Match, and never both at once.
    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
    """
    if_none_match, if_match = headers.get("if-none-match"), headers.get("if-match")
    if if_none_match is not None and if_match is not None:
        raise _write_condition_refused("If-Match,If-None-Match", "Multiple conditional request headers present in the request")  # noqa: E501
    if if_none_match is not None and if_none_match.strip() != "*":
        raise _write_condition_refused("If-None-Match")
    if if_match is not None and if_match.strip() == "*":
        raise _write_condition_refused("If-Match")
    return Conditions(if_match=strip_etag(if_match) if if_match else None, if_none_match=if_none_match)


def _write_condition_refused(header: str, detail: str | None = None) -> errors.S3Error:
    detail = detail or f"We don't accept the provided value of {header} header for this API"
    return errors.NotImplemented(NOT_IMPLEMENTED_HEADER, Header=header, additionalMessage=detail)


def strip_etag(value: str) -> str:
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def etag_matches(header: str, etag: str) -> bool:
    return any(candidate == "*" or strip_etag(candidate) == etag for candidate in header.split(","))


def object_headers(version: ObjectVersion, *, with_checksums: bool = False) -> dict[str, str]:
    """The headers GET and HEAD return for a version (before Range and response-* overrides)."""
    headers = {
        "etag": f'"{version.etag}"',
        "last-modified": http_date(version.last_modified),
        "content-type": version.attrs.content_type,
        "accept-ranges": "bytes",
    }
    headers.update(version.attrs.headers)
    for name, value in version.attrs.user_meta.items():
        headers[META_PREFIX + name] = value
    if version.version_id != NULL_VERSION:
        headers["x-amz-version-id"] = version.version_id
    if version.attrs.storage_class != "STANDARD":
        headers["x-amz-storage-class"] = version.attrs.storage_class
    if version.attrs.tags:
        headers[X_AMZ_TAGGING_COUNT] = str(len(version.attrs.tags))
    if version.restore is not None:
        headers[X_AMZ_RESTORE] = restore_header(version)
    headers.update(retention.lock_headers(version.retention_mode, version.retain_until, version.legal_hold))
    if with_checksums:
        headers.update(checksum_headers(version))
    return headers


def restore_header(version: ObjectVersion) -> str:
    """``x-amz-restore``: ``ongoing-request="true"``, or ``"false"`` with the copy's expiry-date."""
    restore = version.restore
    if restore is None or restore.expiry is None:
        return 'ongoing-request="true"'
    return f'ongoing-request="false", expiry-date="{http_date(restore.expiry)}"'


def check_readable(version: ObjectVersion, message: str | None = None) -> None:
    """GET and copies of an archived version need a completed restore: else 403 InvalidObjectState.

    See https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (InvalidObjectState).
    """
    if version.attrs.storage_class in ARCHIVE_CLASSES and not version.restored:
        args = () if message is None else (message,)
        raise errors.InvalidObjectState(*args, StorageClass=version.attrs.storage_class)


def checksum_headers(version: ObjectVersion) -> dict[str, str]:
    found = {checksums.header_name(alg): value for alg, value in version.checksums.items()}
    if found:
        found["x-amz-checksum-type"] = version.attrs.checksum_type or (
            "COMPOSITE" if version.multipart and any(v.endswith(f"-{version.parts_count}") for v in
                                                     version.checksums.values()) else "FULL_OBJECT")
    return found
