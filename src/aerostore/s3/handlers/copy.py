"""CopyObject and the copy-source rules UploadPartCopy shares.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote

from aerostore.http.context import Result
from aerostore.s3 import errors, retention, tags, xml
from aerostore.s3.handlers import object_lock
from aerostore.s3.handlers.acl import write_acl
from aerostore.s3.handlers.common import (
    X_AMZ_TAGGING,
    attrs_from_headers,
    check_readable,
    checksum_algorithm,
    etag_matches,
    parse_http_date,
    refuse_unsupported,
    storage_class,
    write_conditions,
)
from aerostore.s3.handlers.lifecycle import expiration_headers
from aerostore.s3.request import S3Request
from aerostore.storage.model import NULL_VERSION, ObjectVersion

MAX_COPY_SIZE = 5 * 1024**3
_COPY_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d+)$")
ARCHIVED_SOURCE = "The source object of the COPY action is not in the active tier and is only stored in Amazon S3 Glacier."  # noqa: E501


def copy_source(req: S3Request) -> ObjectVersion:
    """Resolve x-amz-copy-source ("bucket/key[?versionId=...]", URL-encoded) and check its conditions."""
    raw = req.headers["x-amz-copy-source"]
    path, _, query = raw.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise errors.InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source", ArgumentValue=raw,
        )  # fmt: skip
    version_id = dict(parse_qsl(query)).get("versionId")
    source = req.engine.get_version(bucket, key, version_id)
    if source.delete_marker:
        if version_id is not None:
            raise errors.InvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")  # noqa: E501
        raise errors.NoSuchKey(Key=key)
    check_readable(source, ARCHIVED_SOURCE)
    check_source_conditions(req.headers, source)
    return source


def check_source_conditions(headers: Mapping[str, str], source: ObjectVersion) -> None:
    """x-amz-copy-source-if-*: every failure is 412, and a true If-Match overrides If-Unmodified-Since."""
    if_match = headers.get("x-amz-copy-source-if-match")
    if_none_match = headers.get("x-amz-copy-source-if-none-match")
    modified = int(source.last_modified)
    if if_match is not None and not etag_matches(if_match, source.etag):
        raise errors.PreconditionFailed(Condition="x-amz-copy-source-If-Match")
    unmodified_since = parse_http_date(headers.get("x-amz-copy-source-if-unmodified-since", ""))
    if if_match is None and unmodified_since is not None and modified > unmodified_since:
        raise errors.PreconditionFailed(Condition="x-amz-copy-source-If-Unmodified-Since")
    if if_none_match is not None and etag_matches(if_none_match, source.etag):
        raise errors.PreconditionFailed(Condition="x-amz-copy-source-If-None-Match")
    modified_since = parse_http_date(headers.get("x-amz-copy-source-if-modified-since", ""))
    if if_none_match is None and modified_since is not None and modified <= modified_since:
        raise errors.PreconditionFailed(Condition="x-amz-copy-source-If-Modified-Since")


def copy_range(headers: Mapping[str, str], size: int) -> tuple[int, int]:
    value = headers.get("x-amz-copy-source-range")
    if value is None:
        return 0, size - 1
    match = _COPY_RANGE_RE.match(value.strip())
    if not match:
        raise errors.InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last "
            "where first and last are the zero-based offsets of the first and last bytes to copy",
            ArgumentName="x-amz-copy-source-range", ArgumentValue=value,
        )  # fmt: skip
    start, end = int(match.group(1)), int(match.group(2))
    if start > end or end >= size:
        raise errors.InvalidRange(RangeRequested=value, ActualObjectSize=str(size))
    return start, end


def _directive(headers: Mapping[str, str], name: str, what: str) -> str:
    """x-amz-metadata-directive / x-amz-tagging-directive: COPY (the default) or REPLACE."""
    directive = headers.get(name, "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise errors.InvalidArgument(f"Unknown {what} directive.", ArgumentName=name, ArgumentValue=directive)
    return directive


def _copy_tags(headers: Mapping[str, str], source: ObjectVersion) -> dict[str, str]:
    """The source's tags under x-amz-tagging-directive COPY, x-amz-tagging's (or none) under REPLACE."""
    directive = _directive(headers, "x-amz-tagging-directive", "tagging")
    replaced = tags.parse_header(headers.get(X_AMZ_TAGGING))
    return replaced if directive == "REPLACE" else dict(source.attrs.tags)


async def copy_object(req: S3Request) -> Result:
    refuse_unsupported(req.headers)
    source = copy_source(req)
    directive = _directive(req.headers, "x-amz-metadata-directive", "metadata")
    copied_tags = _copy_tags(req.headers, source)
    if source.size > MAX_COPY_SIZE:
        raise errors.InvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")  # noqa: E501
    if directive == "REPLACE":
        attrs = attrs_from_headers(req.headers)
    else:
        attrs = dataclasses.replace(
            source.attrs,
            storage_class=storage_class(req.headers) if "x-amz-storage-class" in req.headers else "STANDARD",
            checksum_algorithm=checksum_algorithm(req.headers) or source.attrs.checksum_algorithm,
            checksum_type=None,
        )
        same = (source.bucket, source.key) == (req.bucket, req.key)
        changes = ("x-amz-storage-class", "x-amz-checksum-algorithm")
        if same and not any(name in req.headers for name in changes):
            raise errors.InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without "
                "changing the object's metadata, storage class, website redirect location or encryption "
                "attributes."
            )
    # A copy gets its own request's ACL, never the source's (as AWS).
    attrs = dataclasses.replace(attrs, tags=copied_tags, acl=write_acl(req, req.owner))
    # A copy never keeps the source's lock; it gets what its own headers ask for.
    attrs = dataclasses.replace(attrs, **retention.lock_from_headers(req.headers, time.time()))
    object_lock.check_write(req, req.engine.get_bucket(req.bucket), attrs)
    version = await req.engine.copy_object(source, req.bucket, req.key, attrs, write_conditions(req.headers))
    headers = {}
    if source.version_id != NULL_VERSION:
        headers["x-amz-copy-source-version-id"] = source.version_id
    if version.version_id != NULL_VERSION:
        headers["x-amz-version-id"] = version.version_id
    content: list[tuple[str, xml.Content]] = [("ETag", f'"{version.etag}"'), ("LastModified", xml.iso8601(version.last_modified))]  # noqa: E501
    content += [(f"Checksum{alg}", value) for alg, value in version.checksums.items()]
    headers.update(expiration_headers(req, version))
    headers["content-type"] = "application/xml"
    audit = {"bytes_received": 0, "version_id": version.version_id}
    return Result(headers=headers, body=xml.document("CopyObjectResult", content), audit=audit)
