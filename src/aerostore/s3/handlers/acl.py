"""Object Ownership and ACLs: BucketOwnerEnforced by default, as new AWS buckets are.

With ACLs disabled (BucketOwnerEnforced) the ACL of a bucket or object is always the owner's
FULL_CONTROL; ``bucket-owner-full-control`` (or a body granting exactly that) is accepted because
it changes nothing; anything else, ``private`` included, is AccessControlListNotSupported, as AWS.
With ACLs enabled (BucketOwnerPreferred, ObjectWriter), a bucket's canned ACL is kept and
honoured (public-read, public-read-write, authenticated-read); an object ACL other than the
owner's full control is NotImplemented (aerostore does not store object grants).
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

from aerostore.access.control import BUCKET_ACL, OWNERSHIP
from aerostore.access.public import BUCKET_OWNER_ENFORCED, check_canned_acl
from aerostore.access.public import parse_ownership as parse_ownership_xml
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers.common import NOT_IMPLEMENTED_HEADER
from aerostore.s3.handlers.policy import access
from aerostore.s3.names import canonical_id
from aerostore.s3.request import S3Request

XML = {"content-type": "application/xml"}
GRANT_HEADERS = ("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                 "x-amz-grant-full-control")  # fmt: skip
_XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_CANNED_GRANTS = {
    "public-read": [(_ALL_USERS, "READ")],
    "public-read-write": [(_ALL_USERS, "READ"), (_ALL_USERS, "WRITE")],
    "authenticated-read": [(_AUTHENTICATED, "READ")],
}


# ---- ownership controls ----


async def put_bucket_ownership_controls(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    ownership = parse_ownership_xml(await req.xml_body())
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
    canned = req.engine.get_bucket_config(req.bucket, BUCKET_ACL) or "private"
    return Result(headers=XML, body=acl_document(bucket.owner, _CANNED_GRANTS.get(canned, [])))


async def get_object_acl(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    version = req.engine.get_object_tagging(req.bucket, req.key, req.query.get("versionId") or None)
    headers = dict(XML)
    if req.query.get("versionId"):
        headers["x-amz-version-id"] = version.version_id
    return Result(headers=headers, body=acl_document(bucket.owner, []))


async def put_bucket_acl(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    canned = await _requested_acl(req)
    control = access(req)
    check_canned_acl(canned, control.ownership(req.bucket), control.public_access_block(req.bucket))
    if control.ownership(req.bucket) != BUCKET_OWNER_ENFORCED:
        value = None if canned in (None, "private", "bucket-owner-full-control") else canned
        await req.engine.set_bucket_config(req.bucket, BUCKET_ACL, value)
    return Result()


async def put_object_acl(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    req.engine.get_object_tagging(req.bucket, req.key, req.query.get("versionId") or None)
    canned = await _requested_acl(req)
    control = access(req)
    check_canned_acl(canned, control.ownership(req.bucket), control.public_access_block(req.bucket))
    if canned not in (None, "private", "bucket-owner-full-control", "bucket-owner-read"):
        raise errors.NotImplemented(NOT_IMPLEMENTED_HEADER, Header="x-amz-acl")
    return Result()


async def _requested_acl(req: S3Request) -> str | None:
    """The canned ACL asked for: x-amz-acl, or a body / grant headers (only the owner's full control
    maps to a canned ACL, "private"; any other grant is refused)."""
    if any(name in req.headers for name in GRANT_HEADERS):
        _refuse_grants(req)
    body = await req.xml_body()
    canned = req.headers.get("x-amz-acl")
    if body.strip():
        if canned is not None:
            raise errors.InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
        return _canned_from_body(req, body)
    if canned is None and not any(name in req.headers for name in GRANT_HEADERS):
        raise errors.MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    return canned


def _refuse_grants(req: S3Request) -> None:
    if access(req).ownership(req.bucket) == BUCKET_OWNER_ENFORCED:
        raise errors.AccessControlListNotSupported()
    raise errors.NotImplemented(NOT_IMPLEMENTED_HEADER, Header="x-amz-grant-*")


def _canned_from_body(req: S3Request, body: bytes) -> str:
    root = xml.parse(body, "AccessControlPolicy")
    grants = root.findall("AccessControlList/Grant")
    if len(grants) == 1 and xml.text(grants[0], "Permission") == "FULL_CONTROL":
        grantee = grants[0].find("Grantee")
        owner_id = xml.text(root, "Owner/ID")
        if grantee is not None and xml.text(grantee, "ID") and xml.text(grantee, "ID") == owner_id:
            return "bucket-owner-full-control"
    _refuse_grants(req)  # anything broader than the owner's full control
    raise AssertionError("unreachable")


def acl_document(owner: str, extra: list[tuple[str, str]]) -> bytes:
    """The owner's FULL_CONTROL, plus group grants of a canned ACL."""
    esc = xml.escape
    owner_xml = f"<ID>{canonical_id(owner)}</ID><DisplayName>{esc(owner)}</DisplayName>"
    grants = [
        f'<Grant><Grantee {_XSI} xsi:type="CanonicalUser">{owner_xml}</Grantee>'
        "<Permission>FULL_CONTROL</Permission></Grant>"
    ]
    for uri, permission in extra:
        grants.append(
            f'<Grant><Grantee {_XSI} xsi:type="Group"><URI>{uri}</URI></Grantee>'
            f"<Permission>{permission}</Permission></Grant>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="{xml.S3_NS}">'
        f"<Owner>{owner_xml}</Owner><AccessControlList>{''.join(grants)}</AccessControlList>"
        "</AccessControlPolicy>"
    ).encode()
