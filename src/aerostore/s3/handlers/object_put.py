"""PutObject: stream the body into the engine, answer only after it is durable."""

from __future__ import annotations

from dataclasses import replace

from aerostore.http.context import Result
from aerostore.s3.handlers import object_lock
from aerostore.s3.handlers.acl import write_acl
from aerostore.s3.handlers.common import attrs_from_headers, checksum_headers, write_conditions
from aerostore.s3.handlers.lifecycle import expiration_headers
from aerostore.s3.request import S3Request
from aerostore.storage.model import NULL_VERSION, ObjectVersion


def write_headers(version: ObjectVersion) -> dict[str, str]:
    """ETag, version id and checksums, as PutObject and CompleteMultipartUpload return them."""
    headers = {"etag": f'"{version.etag}"'}
    if version.version_id != NULL_VERSION:
        headers["x-amz-version-id"] = version.version_id
    headers.update(checksum_headers(version))
    return headers


async def put_object(req: S3Request) -> Result:
    attrs = attrs_from_headers(req.headers)
    conditions = write_conditions(req.headers)
    bucket = req.engine.get_bucket(req.bucket)  # NoSuchBucket before a byte of the body is read
    object_lock.check_write(req, bucket, attrs, has_body=True)
    attrs = replace(attrs, acl=write_acl(req, req.owner))
    version = await req.engine.put_object(req.bucket, req.key, req.body(), attrs, conditions)
    audit = {"bytes_received": version.size, "version_id": version.version_id}
    return Result(headers=write_headers(version) | expiration_headers(req, version), audit=audit)
