"""Multipart uploads: create, upload (and copy) parts, complete, abort, list.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
"""

from __future__ import annotations

from aerostore.auth import checksums
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers.common import attrs_from_headers, write_conditions
from aerostore.s3.handlers.copy import copy_range, copy_source
from aerostore.s3.handlers.listing import max_keys
from aerostore.s3.handlers.object_put import write_headers
from aerostore.s3.names import owner_xml
from aerostore.s3.request import S3Request
from aerostore.storage.model import Upload

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


async def create_multipart_upload(req: S3Request) -> Result:
    attrs = attrs_from_headers(req.headers)
    if attrs.checksum_type and not attrs.checksum_algorithm:
        raise errors.InvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")  # noqa: E501
    req.engine.get_bucket(req.bucket)
    upload = await req.engine.create_upload(req.bucket, req.key, attrs)
    headers = dict(XML)
    if attrs.checksum_algorithm:
        headers["x-amz-checksum-algorithm"] = attrs.checksum_algorithm
        headers["x-amz-checksum-type"] = attrs.checksum_type or "COMPOSITE"
    content = [("Bucket", req.bucket), ("Key", req.key), ("UploadId", upload.upload_id)]
    return Result(headers=headers, body=xml.document("InitiateMultipartUploadResult", content))


async def upload_part(req: S3Request) -> Result:
    number = _part_number(req)
    upload = _upload(req)
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


def _parse_complete(body: bytes) -> list[tuple[int, str]]:
    root = xml.parse(body, "CompleteMultipartUpload")
    parts = []
    for node in root.findall("Part"):
        number, etag = xml.text(node, "PartNumber"), xml.text(node, "ETag")
        if number is None or etag is None or not number.strip().isdigit():
            raise errors.MalformedXML()
        parts.append((int(number), etag.strip().strip('"')))
    if not parts:
        raise errors.MalformedXML()
    return parts


async def complete_multipart_upload(req: S3Request) -> Result:
    upload = _upload(req)
    parts = _parse_complete(await req.xml_body(limit=4 * 1024 * 1024))
    conditions = write_conditions(req.headers)
    version = await req.engine.complete_upload(upload, parts, conditions, upload.attrs.checksum_type)
    headers = {k: v for k, v in write_headers(version).items() if k != "etag"}
    headers.update(XML)
    content: list[tuple[str, xml.Content]] = [
        ("Location", f"/{req.bucket}/{req.key}"), ("Bucket", req.bucket), ("Key", req.key), ("ETag", f'"{version.etag}"'),
    ]  # fmt: skip
    content += [(f"Checksum{alg}", value) for alg, value in version.checksums.items()]
    if version.checksums:
        content.append(("ChecksumType", version.attrs.checksum_type or "COMPOSITE"))
    audit = {"bytes_received": 0, "version_id": version.version_id}
    return Result(headers=headers, body=xml.document("CompleteMultipartUploadResult", content), audit=audit)


async def abort_multipart_upload(req: S3Request) -> Result:
    await req.engine.abort_upload(_upload(req))
    return Result(status=204)


async def list_parts(req: S3Request) -> Result:
    upload = _upload(req)
    marker_text = req.query.get("part-number-marker", "0") or "0"
    if not marker_text.isdigit():
        raise errors.InvalidArgument("Provided part-number-marker not an integer", ArgumentName="part-number-marker",
                                     ArgumentValue=marker_text)  # fmt: skip
    limit = max_keys(req.query, "max-parts")
    parts, truncated = req.engine.list_parts(upload, int(marker_text), limit)
    owner = owner_xml(req.engine.get_bucket(req.bucket).owner)
    content: list[tuple[str, xml.Content]] = [
        ("Bucket", req.bucket), ("Key", req.key), ("UploadId", upload.upload_id),
        ("PartNumberMarker", int(marker_text)), ("NextPartNumberMarker", parts[-1].number if parts else None),
        ("MaxParts", limit), ("IsTruncated", truncated), ("Initiator", owner), ("Owner", owner),
        ("StorageClass", upload.attrs.storage_class),
        ("ChecksumAlgorithm", upload.attrs.checksum_algorithm),
        ("ChecksumType", (upload.attrs.checksum_type or "COMPOSITE") if upload.attrs.checksum_algorithm else None),
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
    uploads, prefixes, truncated = req.engine.list_uploads(req.bucket, prefix, delimiter, key_marker, id_marker, limit)
    owner = owner_xml(bucket.owner)
    content: list[tuple[str, xml.Content]] = [
        ("Bucket", req.bucket), ("KeyMarker", key_marker), ("UploadIdMarker", id_marker),
        ("NextKeyMarker", uploads[-1].key if truncated and uploads else None),
        ("NextUploadIdMarker", uploads[-1].upload_id if truncated and uploads else None),
        ("Delimiter", delimiter or None), ("Prefix", prefix), ("MaxUploads", limit), ("IsTruncated", truncated),
    ]  # fmt: skip
    for upload in uploads:
        content.append(("Upload", [
            ("Key", upload.key), ("UploadId", upload.upload_id), ("Initiator", owner), ("Owner", owner),
            ("StorageClass", upload.attrs.storage_class), ("Initiated", xml.iso8601(upload.initiated)),
            ("ChecksumAlgorithm", upload.attrs.checksum_algorithm),
        ]))  # fmt: skip
    content += [("CommonPrefixes", [("Prefix", p)]) for p in prefixes]
    return Result(headers=XML, body=xml.document("ListMultipartUploadsResult", content))
