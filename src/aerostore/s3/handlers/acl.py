"""Object Ownership and ACLs: BucketOwnerEnforced by default, as new AWS buckets are.

With ACLs disabled (BucketOwnerEnforced) the ACL of a bucket or object is always the owner's
FULL_CONTROL; ``bucket-owner-full-control`` (or a body granting exactly that) is accepted because
it changes nothing; anything else, ``private`` included, is AccessControlListNotSupported, as AWS.
With ACLs enabled (BucketOwnerPreferred, ObjectWriter) the bucket's ACL (``acl`` config row) and
each version's ACL (``versions.acl``) are stored and honoured by access/control.py.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

from collections.abc import Mapping

from aerostore.access import acl
from aerostore.access.control import BUCKET_ACL, OWNERSHIP, AccessControl
from aerostore.access.public import BUCKET_OWNER_ENFORCED, check_canned_acl
from aerostore.access.public import parse_ownership as parse_ownership_xml
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers.policy import access
from aerostore.s3.request import S3Request

XML = {"content-type": "application/xml"}
BUCKET_OWNER_PREFERRED = "BucketOwnerPreferred"
_BOTH = "Specifying both Canned ACLs and Header Grants is not allowed"


# ---- ownership controls ----


async def put_bucket_ownership_controls(req: S3Request) -> Result:
    """BucketOwnerEnforced needs a bucket ACL granting only the owner, as on AWS."""
    bucket = req.engine.get_bucket(req.bucket)
    ownership = parse_ownership_xml(await req.xml_body())
    if ownership == BUCKET_OWNER_ENFORCED and not access(req).bucket_acl(req.bucket, bucket.owner).owner_only:
        raise errors.InvalidBucketAclWithObjectOwnership()
    await req.engine.set_bucket_config(req.bucket, OWNERSHIP, ownership)
    if ownership == BUCKET_OWNER_ENFORCED:
        await req.engine.set_bucket_config(req.bucket, BUCKET_ACL, None)  # ACLs no longer apply
    return Result()


async def get_bucket_ownership_controls(req: S3Request) -> Result:
    """A bucket that never had controls set is BucketOwnerEnforced, as every new AWS bucket; once
    deleted, there are none (and ACLs are enabled, as ObjectWriter)."""
    req.engine.get_bucket(req.bucket)
    if req.engine.get_bucket_config(req.bucket, OWNERSHIP) == "":
        raise errors.OwnershipControlsNotFoundError(BucketName=req.bucket)
    ownership = access(req).ownership(req.bucket)
    body = xml.document("OwnershipControls", [("Rule", [("ObjectOwnership", ownership)])])
    return Result(headers=XML, body=body)


async def delete_bucket_ownership_controls(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    await req.engine.set_bucket_config(req.bucket, OWNERSHIP, "")
    return Result(status=204)


# ---- ACLs ----


async def get_bucket_acl(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    control = access(req)
    if control.ownership(req.bucket) == BUCKET_OWNER_ENFORCED:
        return Result(headers=XML, body=acl.to_xml(acl.private(bucket.owner)))
    return Result(headers=XML, body=acl.to_xml(control.bucket_acl(req.bucket, bucket.owner)))


async def get_object_acl(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    version = req.engine.get_object_tagging(req.bucket, req.key, req.query.get("versionId") or None)
    headers = dict(XML)
    if req.query.get("versionId"):
        headers["x-amz-version-id"] = version.version_id
    found = acl.private(bucket.owner)
    if access(req).ownership(req.bucket) != BUCKET_OWNER_ENFORCED:
        found = AccessControl.object_acl(version.attrs.acl, bucket.owner)
    return Result(headers=headers, body=acl.to_xml(found))


async def put_bucket_acl(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    found = await _requested_acl(req, bucket.owner, bucket.owner)
    if found is not None:
        await req.engine.set_bucket_config(req.bucket, BUCKET_ACL, found.to_json())
    return Result()


async def put_object_acl(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    version_id = req.query.get("versionId") or None
    version = req.engine.get_object_tagging(req.bucket, req.key, version_id)
    owner = AccessControl.object_acl(version.attrs.acl, bucket.owner).owner
    found = await _requested_acl(req, owner, bucket.owner)
    if found is not None:
        version = await req.engine.put_object_acl(req.bucket, req.key, version_id, found.to_json())
    headers = {"x-amz-version-id": version.version_id} if version_id else {}
    return Result(headers=headers)


async def _requested_acl(req: S3Request, owner: str, bucket_owner: str) -> acl.Acl | None:
    """The ACL a Put*Acl asks for, in exactly one way: x-amz-acl, x-amz-grant-* or a body.

    None where ACLs are disabled (only an ACL changing nothing is accepted there).
    """
    canned, grants = req.headers.get(acl.X_AMZ_ACL), acl.has_grant_headers(req.headers)
    body = await req.xml_body()
    if (canned is not None) + grants + bool(body.strip()) > 1:
        raise errors.InvalidRequest(_BOTH)
    control = access(req)
    ownership, block = control.ownership(req.bucket), control.public_access_block(req.bucket)
    check_canned_acl(canned, ownership, block)
    resolve = _resolver(req, control, bucket_owner)
    if canned is not None:
        found = acl.canned(canned, owner, bucket_owner)
    elif grants:
        found = acl.from_headers(req.headers, owner, resolve)
    elif body.strip():
        found = acl.from_xml(body, owner, resolve)
    else:
        raise errors.MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    return _checked(found, ownership, block.block_public_acls, canned is not None)


def _checked(found: acl.Acl, ownership: str, block_public: bool, canned: bool) -> acl.Acl | None:
    if ownership == BUCKET_OWNER_ENFORCED:
        if canned or found.owner_only:
            return None  # the owner's full control: what the ACL already is
        raise errors.AccessControlListNotSupported()
    if block_public and found.is_public:
        raise errors.AccessDenied()
    return found


def _resolver(req: S3Request, control: AccessControl, bucket_owner: str) -> acl.Resolver:
    return lambda cid: control.resolve_user(cid, bucket_owner, req.owner)


def write_acl(req: S3Request, writer: str, headers: Mapping[str, str] | None = None) -> str | None:
    """The ACL of a version a write creates (PutObject, CopyObject, CreateMultipartUpload, POST).

    The writer owns it (ObjectWriter), or the bucket owner (BucketOwnerPreferred with
    bucket-owner-full-control); None where ACLs are disabled.
    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
    """
    headers = req.headers if headers is None else headers
    canned, grants = headers.get(acl.X_AMZ_ACL), acl.has_grant_headers(headers)
    if canned is not None and grants:
        raise errors.InvalidRequest(_BOTH)
    control = access(req)
    ownership, block = control.ownership(req.bucket), control.public_access_block(req.bucket)
    check_canned_acl(canned, ownership, block)
    if ownership == BUCKET_OWNER_ENFORCED:
        if grants:
            raise errors.AccessControlListNotSupported()
        return None
    bucket_owner = req.engine.get_bucket(req.bucket).owner
    preferred = ownership == BUCKET_OWNER_PREFERRED and canned == "bucket-owner-full-control"
    owner = bucket_owner if preferred else writer
    if canned is not None:
        found = acl.canned(canned, owner, bucket_owner)
    elif grants:
        found = acl.from_headers(headers, owner, _resolver(req, control, bucket_owner))
    else:
        found = acl.private(owner)
    checked = _checked(found, ownership, block.block_public_acls, canned is not None)
    return None if checked is None else checked.to_json()
