"""Object Lock: the bucket's lock configuration, a version's retention and legal hold.

Put/GetObjectLockConfiguration, Put/GetObjectRetention, Put/GetObjectLegalHold, and the
checks object writes (PUT, copy, multipart) make of their ``x-amz-object-lock-*`` headers.
Every rule that protects a version is enforced by the engine, in the transaction of the
change it guards; these handlers only parse and answer.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from aerostore.http.context import Result
from aerostore.s3 import errors, retention
from aerostore.s3.handlers.common import require_integrity_header
from aerostore.s3.request import S3Request
from aerostore.storage.model import Bucket, ObjectAttrs
from aerostore.storage.versions import NO_LOCK_CONFIGURATION

XML = {"content-type": "application/xml"}
X_AMZ_BYPASS_GOVERNANCE_RETENTION = "x-amz-bypass-governance-retention"
MISSING_INTEGRITY = (
    "Content-MD5 OR x-amz-checksum- HTTP header is required for {} requests with Object Lock parameters"
)
NOT_A_CHECKSUM = ("x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode")


def bypass_governance(req: S3Request) -> bool:
    """``x-amz-bypass-governance-retention: true`` from a principal allowed s3:BypassGovernanceRetention.

    Only the root user is so far (users' policies are not consulted for it, docs/access.md). AWS
    refuses the header on a bucket without Object Lock; aerostore ignores it there (see
    docs/compatibility.md, Object Lock).
    """
    asked = req.headers.get(X_AMZ_BYPASS_GOVERNANCE_RETENTION, "").strip().lower() == "true"
    return asked and req.auth.principal.is_root


def has_lock_request(attrs: ObjectAttrs) -> bool:
    return attrs.lock_mode is not None or attrs.lock_legal_hold is not None


def _has_integrity_header(headers: Mapping[str, str]) -> bool:
    """Content-MD5 or a checksum value, as a header or a trailer (an algorithm name alone is not)."""
    if "content-md5" in headers or "x-amz-checksum-" in headers.get("x-amz-trailer", "").lower():
        return True
    return any(n.startswith("x-amz-checksum-") and n not in NOT_A_CHECKSUM for n in headers)


def check_write(req: S3Request, bucket: Bucket, attrs: ObjectAttrs, *, has_body: bool = False) -> None:
    """Before a write reads its body: lock headers need a lock bucket, a locked body a checksum.

    A PutObject (``has_body``) with lock headers, or into a bucket with a default retention,
    must carry Content-MD5 or a checksum ("Content-MD5" in
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
    """
    asked = has_lock_request(attrs)
    if asked and not bucket.object_lock:
        raise errors.InvalidRequest(NO_LOCK_CONFIGURATION)
    if not has_body or not bucket.object_lock or _has_integrity_header(req.headers):
        return
    if asked or req.engine.get_object_lock_configuration(req.bucket) is not None:
        raise errors.InvalidRequest(MISSING_INTEGRITY.format("Put Object"))


def check_part(req: S3Request, upload_attrs: ObjectAttrs) -> None:
    """A part of an upload created with lock headers must carry Content-MD5 or a checksum.

    "This parameter is required if object lock parameters are specified": Content-MD5 in
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
    """
    if has_lock_request(upload_attrs) and not _has_integrity_header(req.headers):
        raise errors.InvalidRequest(MISSING_INTEGRITY.format("Put Part"))


# ---- the bucket's configuration ----


async def put_object_lock_configuration(req: S3Request) -> Result:
    require_integrity_header(req.headers)
    default = retention.parse_lock_configuration(await req.xml_body())
    await req.engine.put_object_lock_configuration(req.bucket, default)
    return Result()


async def get_object_lock_configuration(req: S3Request) -> Result:
    default = req.engine.get_object_lock_configuration(req.bucket)
    return Result(headers=XML, body=retention.lock_configuration_document(default))


# ---- a version's retention and legal hold ----


async def put_object_retention(req: S3Request) -> Result:
    require_integrity_header(req.headers)
    new = retention.parse_retention(await req.xml_body())
    if new is not None and new.until <= time.time():
        raise retention.past_retention(new.until)
    version_id = req.query.get("versionId")
    version = await req.engine.put_object_retention(
        req.bucket, req.key, version_id, new, bypass_governance=bypass_governance(req)
    )
    return Result(audit={"version_id": version.version_id})


async def get_object_retention(req: S3Request) -> Result:
    version = req.engine.get_object_lock(req.bucket, req.key, req.query.get("versionId"))
    if version.retention is None:
        raise errors.NoSuchObjectLockConfiguration()
    body = retention.retention_document(version.retention)
    return Result(headers=XML, body=body, audit={"version_id": version.version_id})


async def put_object_legal_hold(req: S3Request) -> Result:
    require_integrity_header(req.headers)
    status = retention.parse_legal_hold(await req.xml_body())
    version_id = req.query.get("versionId")
    version = await req.engine.put_object_legal_hold(req.bucket, req.key, version_id, status)
    return Result(audit={"version_id": version.version_id})


async def get_object_legal_hold(req: S3Request) -> Result:
    version = req.engine.get_object_lock(req.bucket, req.key, req.query.get("versionId"))
    if version.legal_hold is None:
        raise errors.NoSuchObjectLockConfiguration()
    body = retention.legal_hold_document(version.legal_hold)
    return Result(headers=XML, body=body, audit={"version_id": version.version_id})
