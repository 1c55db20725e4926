"""Multipart uploads: create, upload (and copy) parts, complete, abort, list.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
"""

from __future__ import annotations

from dataclasses import replace

from aerostore.access import acl
from aerostore.auth import checksums
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers import object_lock
from aerostore.s3.handlers.acl import write_acl
from aerostore.s3.handlers.common import attrs_from_headers
from aerostore.s3.handlers.copy import copy_range, copy_source
from aerostore.s3.handlers.listing import max_keys
from aerostore.s3.names import owner_xml
from aerostore.s3.request import S3Request
from aerostore.storage.model import ObjectAttrs, Upload

XML = {"content-type": "application/xml"}
MAX_PART_NUMBER = 10000


def _upload(req: S3Request) -> Upload:
    req.engine.get_bucket(req.bucket)
    return req.engine.get_upload(req.bucket, req.key, req.query["uploadId"])


def _part_number(req: S3Request) -> int:
    value = req.query.get("partNumber", "")
    if not value.isdigit() or not 1 <= int(value) <= MAX_PART_NUMBER:
        raise errors.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                                     ArgumentName="partNumber", ArgumentValue=value)  # fmt: skip
    return int(value)


def upload_checksum_type(attrs: ObjectAttrs) -> str | None:
    """The checksum type of an upload: as asked, else FULL_OBJECT for CRC64NVME and COMPOSITE otherwise."""
    if attrs.checksum_algorithm is None:
        return None
    return attrs.checksum_type or ("FULL_OBJECT" if attrs.checksum_algorithm == "CRC64NVME" else "COMPOSITE")


def _checked_checksum_type(attrs: ObjectAttrs) -> ObjectAttrs:
    """CRC64NVME combines only as FULL_OBJECT and the SHAs only as COMPOSITE.

    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
    """
    algorithm, kind = attrs.checksum_algorithm, upload_checksum_type(attrs)
    if attrs.checksum_type and not algorithm:
        raise errors.InvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")  # noqa: E501
    if algorithm is None:
        return attrs
    if (kind == "COMPOSITE" and algorithm not in checksums.COMPOSITE_ALGORITHMS) or (
        kind == "FULL_OBJECT" and algorithm not in checksums.FULL_OBJECT_ALGORITHMS
    ):
        raise errors.InvalidRequest(f"The {kind} checksum type cannot be used with the {algorithm.lower()} checksum algorithm.")  # noqa: E501
    return replace(attrs, checksum_type=kind)


async def create_multipart_upload(req: S3Request) -> Result:
    attrs = _checked_checksum_type(attrs_from_headers(req.headers))
    object_lock.check_write(req, req.engine.get_bucket(req.bucket), attrs)
    attrs = replace(attrs, acl=write_acl(req, req.owner))
    upload = await req.engine.create_upload(req.bucket, req.key, attrs)
    headers = dict(XML)
    if attrs.checksum_algorithm and attrs.checksum_type:
        headers["x-amz-checksum-algorithm"] = attrs.checksum_algorithm
        headers["x-amz-checksum-type"] = attrs.checksum_type
    content = [("Bucket", req.bucket), ("Key", req.key), ("UploadId", upload.upload_id)]
    return Result(headers=headers, body=xml.document("InitiateMultipartUploadResult", content))


async def upload_part(req: S3Request) -> Result:
    number = _part_number(req)
    upload = _upload(req)
    object_lock.check_part(req, upload.attrs)
    part = await req.engine.put_part(upload, number, req.body(upload.attrs.checksum_algorithm))
    headers = {"etag": f'"{part.etag}"'}
    headers.update({checksums.header_name(alg): value for alg, value in part.checksums.items()})
    return Result(headers=headers, audit={"bytes_received": part.size})


async def upload_part_copy(req: S3Request) -> Result:
    number = _part_number(req)
    upload = _upload(req)
    source = copy_source(req)
    start, end = copy_range(req.headers, source.size)
    part = await req.engine.put_part_copy(upload, number, source, start, end)
    content: list[tuple[str, xml.Content]] = [("ETag", f'"{part.etag}"'), ("LastModified", xml.iso8601(part.last_modified))]  # noqa: E501
    content += [(f"Checksum{alg}", value) for alg, value in part.checksums.items()]
    return Result(headers=XML, body=xml.document("CopyPartResult", content))


async def abort_multipart_upload(req: S3Request) -> Result:
    await req.engine.abort_upload(_upload(req))
    return Result(status=204)


async def list_parts(req: S3Request) -> Result:
    upload = _upload(req)
    marker_text = req.query.get("part-number-marker", "0") or "0"
    if not marker_text.isdigit():
        raise errors.InvalidArgument(
            "Provided part-number-marker not an integer",
            ArgumentName="part-number-marker",
            ArgumentValue=marker_text,
        )
    limit = max_keys(req.query, "max-parts")
    parts, truncated = req.engine.list_parts(upload, int(marker_text), limit)
    owner = owner_xml(acl.owner_of(upload.attrs.acl, req.engine.get_bucket(req.bucket).owner))
    content: list[tuple[str, xml.Content]] = [
        ("Bucket", req.bucket), ("Key", req.key), ("UploadId", upload.upload_id),
        ("PartNumberMarker", int(marker_text)), ("NextPartNumberMarker", parts[-1].number if parts else None),
        ("MaxParts", limit), ("IsTruncated", truncated), ("Initiator", owner), ("Owner", owner),
        ("StorageClass", upload.attrs.storage_class),
        ("ChecksumAlgorithm", upload.attrs.checksum_algorithm),
        ("ChecksumType", upload_checksum_type(upload.attrs)),
    ]  # fmt: skip
    for part in parts:
        entry: list[tuple[str, xml.Content]] = [
            ("PartNumber", part.number), ("LastModified", xml.iso8601(part.last_modified)),
            ("ETag", f'"{part.etag}"'), ("Size", part.size),
        ]  # fmt: skip
        entry += [(f"Checksum{alg}", value) for alg, value in part.checksums.items()]
        content.append(("Part", entry))
    return Result(headers=XML, body=xml.document("ListPartsResult", content))


async def list_multipart_uploads(req: S3Request) -> Result:
    query = req.query
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    key_marker, id_marker = query.get("key-marker", ""), query.get("upload-id-marker", "")
    limit = max_keys(query, "max-uploads")
    bucket = req.engine.get_bucket(req.bucket)
    found = req.engine.list_uploads(req.bucket, prefix, delimiter, key_marker, id_marker, limit)
    uploads, prefixes, truncated = found
    owner = owner_xml(bucket.owner)
    content: list[tuple[str, xml.Content]] = [
        ("Bucket", req.bucket), ("KeyMarker", key_marker), ("UploadIdMarker", id_marker),
        ("NextKeyMarker", uploads[-1].key if truncated and uploads else None),
        ("NextUploadIdMarker", uploads[-1].upload_id if truncated and uploads else None),
        ("Delimiter", delimiter or None), ("Prefix", prefix), ("MaxUploads", limit),
        ("IsTruncated", truncated),
    ]  # fmt: skip
    for upload in uploads:
        content.append(("Upload", [
            ("Key", upload.key), ("UploadId", upload.upload_id), ("Initiator", owner), ("Owner", owner),
            ("StorageClass", upload.attrs.storage_class), ("Initiated", xml.iso8601(upload.initiated)),
            ("ChecksumAlgorithm", upload.attrs.checksum_algorithm),
        ]))  # fmt: skip
    content += [("CommonPrefixes", [("Prefix", p)]) for p in prefixes]
    return Result(headers=XML, body=xml.document("ListMultipartUploadsResult", content))
