"""GetObject and HeadObject: conditional requests, Range, partNumber and response-* overrides.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aerostore.http.context import Result
from aerostore.s3 import errors
from aerostore.s3.handlers.common import (
    check_readable,
    etag_matches,
    http_date,
    object_headers,
    parse_http_date,
)
from aerostore.s3.handlers.lifecycle import expiration_headers
from aerostore.s3.request import S3Request
from aerostore.storage.model import NULL_VERSION, ObjectVersion

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
RESPONSE_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}


def check_preconditions(headers: Mapping[str, str], version: ObjectVersion) -> None:
    """RFC 7232 evaluation as S3 does it: 412 for If-Match/If-Unmodified-Since, 304 for the others."""
    if_match = headers.get("if-match")
    if if_match is not None:
        if not etag_matches(if_match, version.etag):
            raise errors.PreconditionFailed(Condition="If-Match")
    else:
        since = parse_http_date(headers.get("if-unmodified-since", ""))
        if since is not None and int(version.last_modified) > since:
            raise errors.PreconditionFailed(Condition="If-Unmodified-Since")
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag_matches(if_none_match, version.etag):
            raise _not_modified(version)
    else:
        since = parse_http_date(headers.get("if-modified-since", ""))
        if since is not None and int(version.last_modified) <= since:
            raise _not_modified(version)


def _not_modified(version: ObjectVersion) -> errors.S3Error:
    exc = errors.NotModified()
    exc.extra_headers = {"etag": f'"{version.etag}"', "last-modified": http_date(version.last_modified)}
    return exc


def parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range asked for, None for the whole object (bad syntax is ignored, as S3 does)."""
    if not value:
        return None
    match = _RANGE_RE.match(value.strip().replace(" ", ""))
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            raise _invalid_range(size, value)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise _invalid_range(size, value)
    return start, min(end, size - 1)


def _invalid_range(size: int, value: str) -> errors.S3Error:
    exc = errors.InvalidRange(RangeRequested=value, ActualObjectSize=str(size))
    exc.extra_headers = {"content-range": f"bytes */{size}"}
    return exc


def _part_range(version: ObjectVersion, part: str) -> tuple[int, int]:
    if not part.isdigit() or not 1 <= int(part) <= 10000:
        raise errors.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                                     ArgumentName="partNumber", ArgumentValue=part)  # fmt: skip
    number = int(part)
    if number > version.parts_count:
        raise errors.InvalidPartNumber(PartNumberRequested=part, ActualPartCount=str(version.parts_count))
    if not version.multipart:
        return 0, version.size - 1
    start = sum(s.size for s in version.segments[: number - 1])
    return start, start + version.segments[number - 1].size - 1


def resolve(req: S3Request) -> ObjectVersion:
    version = req.engine.get_version(req.bucket, req.key, req.query.get("versionId"))
    if version.delete_marker:
        exc = errors.NoSuchKey(Key=req.key) if "versionId" not in req.query else errors.MethodNotAllowed()
        exc.extra_headers = {"x-amz-delete-marker": "true", "x-amz-version-id": version.version_id}
        if "versionId" in req.query:
            exc.extra_headers["allow"] = "DELETE"
        raise exc
    return version


def _names_null_version(req: S3Request) -> bool:
    """A null version is named "null" when asked for by id or when its bucket has versioning, as S3 does.

    In a bucket that never had versioning an object has no version id to give.
    """
    return "versionId" in req.query or bool(req.engine.get_bucket(req.bucket).versioning)


async def get_object(req: S3Request, *, head: bool = False) -> Result:
    version = resolve(req)
    if not head:
        check_readable(version)
    check_preconditions(req.headers, version)
    checksum_mode = req.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
    headers = object_headers(version, with_checksums=checksum_mode)
    headers.update(expiration_headers(req, version))
    if version.version_id == NULL_VERSION and _names_null_version(req):
        headers["x-amz-version-id"] = NULL_VERSION
    part = req.query.get("partNumber")
    if part is not None and "range" in req.headers:
        raise errors.InvalidRequest("Cannot specify both Range header and partNumber query parameter")
    span: tuple[int, int] | None
    if part is not None:
        span = _part_range(version, part)
    else:
        span = parse_range(req.headers.get("range"), version.size)
    if part is not None:
        headers["x-amz-mp-parts-count"] = str(version.parts_count)
    for param, header in RESPONSE_OVERRIDES.items():
        if param in req.query:
            headers[header] = req.query[param]
    status, start, end = 200, 0, version.size - 1
    if span is not None and version.size > 0:
        status, (start, end) = 206, span
        headers["content-range"] = f"bytes {start}-{end}/{version.size}"
        if part is None or version.multipart:
            headers.pop("x-amz-checksum-type", None)
            for name in [h for h in headers if h.startswith("x-amz-checksum-")]:
                del headers[name]
    length = end - start + 1 if version.size else 0
    headers["content-length"] = str(length)
    audit = {"bytes_sent": length, "version_id": version.version_id}
    if head or length == 0:
        return Result(status=status, headers=headers, body=b"", audit=audit)
    body = req.engine.open_range(version, start, end)
    return Result(status=status, headers=headers, body=body, length=length, audit=audit)


async def head_object(req: S3Request) -> Result:
    return await get_object(req, head=True)
