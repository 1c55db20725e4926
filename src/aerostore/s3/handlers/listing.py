"""ListObjects (v1), ListObjectsV2 and ListObjectVersions.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from urllib.parse import quote

from aerostore.access import acl
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.names import owner_xml
from aerostore.s3.request import S3Request
from aerostore.storage.model import ObjectVersion

MAX_KEYS = 1000
XML = {"content-type": "application/xml"}


def max_keys(query: Mapping[str, str], name: str = "max-keys") -> int:
    value = query.get(name, str(MAX_KEYS))
    if not value.lstrip("-").isdigit() or int(value) < 0:
        raise errors.InvalidArgument("Provided max-keys not an integer or within integer range",
                                     ArgumentName=name, ArgumentValue=value)  # fmt: skip
    return min(int(value), MAX_KEYS)


def encoder(query: Mapping[str, str]) -> Callable[[str], str]:
    """Identity, or URL-encoding of keys and prefixes for ``encoding-type=url``."""
    encoding = query.get("encoding-type")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise errors.InvalidArgument("Invalid Encoding Method specified in Request",
                                     ArgumentName="encoding-type", ArgumentValue=encoding)  # fmt: skip
    return lambda text: quote(text, safe="/")


Owner = list[tuple[str, str]]


def _contents(version: ObjectVersion, enc: Callable[[str], str], owner: Owner | None) -> xml.Content:
    content: list[tuple[str, xml.Content]] = [
        ("Key", enc(version.key)),
        ("LastModified", xml.iso8601(version.last_modified)),
        ("ETag", f'"{version.etag}"'),
    ]
    content += [("ChecksumAlgorithm", alg) for alg in version.checksums]
    if version.checksums:
        content.append(("ChecksumType", version.attrs.checksum_type or "FULL_OBJECT"))
    content += [("Size", version.size), ("StorageClass", version.attrs.storage_class)]
    if owner is not None:
        content.append(("Owner", _owner(version, owner)))
    return content


def _owner(version: ObjectVersion, bucket_owner: Owner) -> Owner:
    """The writer where ACLs made it the owner (ObjectWriter), else the bucket owner."""
    if version.attrs.acl is None:
        return bucket_owner
    return owner_xml(acl.owner_of(version.attrs.acl, dict(bucket_owner)["DisplayName"]))


def _prefixes(prefixes: list[str], enc: Callable[[str], str]) -> list[tuple[str, xml.Content]]:
    return [("CommonPrefixes", [("Prefix", enc(p))]) for p in prefixes]


async def list_objects(req: S3Request) -> Result:
    query, enc = req.query, encoder(req.query)
    prefix, delimiter, marker = query.get("prefix", ""), query.get("delimiter", ""), query.get("marker", "")
    limit = max_keys(query)
    bucket = req.engine.get_bucket(req.bucket)
    page = req.engine.list_objects(req.bucket, prefix, delimiter, marker, limit)
    owner = owner_xml(bucket.owner)
    content: list[tuple[str, xml.Content]] = [
        ("Name", req.bucket), ("Prefix", enc(prefix)), ("Marker", enc(marker)), ("MaxKeys", limit),
        ("Delimiter", enc(delimiter) if delimiter else None), ("IsTruncated", page.is_truncated),
    ]  # fmt: skip
    if page.is_truncated and delimiter and page.next_marker is not None:
        content.append(("NextMarker", enc(page.next_marker)))
    content += [("Contents", _contents(v, enc, owner)) for v in page.objects]
    content += _prefixes(page.common_prefixes, enc)
    if "encoding-type" in query:
        content.append(("EncodingType", "url"))
    return Result(headers=XML, body=xml.document("ListBucketResult", content))


def decode_token(token: str) -> str:
    """The key (or bucket name) an opaque continuation token stands for."""
    try:
        return base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.InvalidArgument(
            "The continuation token provided is incorrect",
            ArgumentName="continuation-token",
            ArgumentValue=token,
        ) from None


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode().rstrip("=")


async def list_objects_v2(req: S3Request) -> Result:
    query, enc = req.query, encoder(req.query)
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    start_after = query.get("start-after", "")
    token = query.get("continuation-token")
    if token is not None and token == "":
        raise errors.InvalidArgument("The continuation token provided is incorrect",
                                     ArgumentName="continuation-token", ArgumentValue=token)  # fmt: skip
    after = max(decode_token(token), start_after) if token is not None else start_after
    limit = max_keys(query)
    bucket = req.engine.get_bucket(req.bucket)
    page = req.engine.list_objects(req.bucket, prefix, delimiter, after, limit)
    owner = owner_xml(bucket.owner) if query.get("fetch-owner", "").lower() == "true" else None
    content: list[tuple[str, xml.Content]] = [
        ("Name", req.bucket), ("Prefix", enc(prefix)), ("MaxKeys", limit),
        ("KeyCount", len(page.objects) + len(page.common_prefixes)),
        ("Delimiter", enc(delimiter) if delimiter else None), ("IsTruncated", page.is_truncated),
        ("ContinuationToken", token), ("StartAfter", enc(start_after) if start_after else None),
    ]  # fmt: skip
    if page.is_truncated and page.next_marker is not None:
        content.append(("NextContinuationToken", encode_token(page.next_marker)))
    content += [("Contents", _contents(v, enc, owner)) for v in page.objects]
    content += _prefixes(page.common_prefixes, enc)
    if "encoding-type" in query:
        content.append(("EncodingType", "url"))
    return Result(headers=XML, body=xml.document("ListBucketResult", content))


Encoder = Callable[[str], str]


def _version_entry(version: ObjectVersion, enc: Encoder, owner: Owner) -> tuple[str, xml.Content]:
    head: list[tuple[str, xml.Content]] = [
        ("Key", enc(version.key)), ("VersionId", version.version_id), ("IsLatest", version.is_latest),
        ("LastModified", xml.iso8601(version.last_modified)),
    ]  # fmt: skip
    if version.delete_marker:
        return ("DeleteMarker", head + [("Owner", owner)])
    body: list[tuple[str, xml.Content]] = [("ETag", f'"{version.etag}"'), ("Size", version.size)]
    body += [("ChecksumAlgorithm", alg) for alg in version.checksums]
    body += [("StorageClass", version.attrs.storage_class), ("Owner", _owner(version, owner))]
    return ("Version", head + body)


async def list_object_versions(req: S3Request) -> Result:
    query, enc = req.query, encoder(req.query)
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    key_marker, version_marker = query.get("key-marker", ""), query.get("version-id-marker", "")
    if version_marker and not key_marker:
        raise errors.InvalidArgument(
            "A version-id marker cannot be specified without a key marker.",
            ArgumentName="version-id-marker", ArgumentValue=version_marker,
        )  # fmt: skip
    limit = max_keys(query)
    bucket = req.engine.get_bucket(req.bucket)
    page = req.engine.list_versions(req.bucket, prefix, delimiter, key_marker, version_marker, limit)
    owner = owner_xml(bucket.owner)
    content: list[tuple[str, xml.Content]] = [
        ("Name", req.bucket), ("Prefix", enc(prefix)), ("KeyMarker", enc(key_marker)),
        ("VersionIdMarker", version_marker), ("MaxKeys", limit),
        ("Delimiter", enc(delimiter) if delimiter else None), ("IsTruncated", page.is_truncated),
    ]  # fmt: skip
    if page.is_truncated:
        content.append(("NextKeyMarker", enc(page.next_key_marker or "")))
        content.append(("NextVersionIdMarker", page.next_version_id_marker))
    content += [_version_entry(v, enc, owner) for v in page.versions]
    content += _prefixes(page.common_prefixes, enc)
    if "encoding-type" in query:
        content.append(("EncodingType", "url"))
    return Result(headers=XML, body=xml.document("ListVersionsResult", content))
