"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation."""

from __future__ import annotations

from aerostore.access import acl
from aerostore.access.control import BUCKET_ACL, OWNERSHIP
from aerostore.access.public import BUCKET_OWNER_ENFORCED, CANNED_ACLS, OBJECT_WRITER, OWNERSHIPS
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.handlers.listing import decode_token, encode_token
from aerostore.s3.handlers.policy import access
from aerostore.s3.names import owner_xml, validate_bucket_name
from aerostore.s3.request import S3Request
from aerostore.storage.model import Bucket

XML = {"content-type": "application/xml"}
ALLOWED_BUCKET_ACLS = {"private", "bucket-owner-full-control"}
MAX_BUCKETS = 10000
LEGACY_REGION = "us-east-1"


async def list_buckets(req: S3Request) -> Result:
    """ListBuckets, paginated by name with max-buckets / continuation-token.

    See https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
    """
    prefix, region = req.query.get("prefix", ""), req.query.get("bucket-region")
    limit = _max_buckets(req.query.get("max-buckets"))
    after = decode_token(req.query.get("continuation-token") or "")
    buckets = [b for b in req.engine.list_buckets()
               if b.name.startswith(prefix) and b.name >= after and region in (None, b.region)]  # fmt: skip
    page, rest = (buckets[:limit], buckets[limit:]) if limit else (buckets, [])
    entries = [_bucket_entry(b) for b in page]
    content: list[tuple[str, xml.Content]] = [("Owner", owner_xml(req.owner)), ("Buckets", entries)]
    if rest:
        content.append(("ContinuationToken", encode_token(rest[0].name)))
    if "prefix" in req.query:
        content.append(("Prefix", prefix))
    return Result(headers=XML, body=xml.document("ListAllMyBucketsResult", content))


def _bucket_entry(bucket: Bucket) -> tuple[str, xml.Content]:
    created = xml.iso8601(bucket.created)
    return ("Bucket", [("Name", bucket.name), ("CreationDate", created), ("BucketRegion", bucket.region)])


def _max_buckets(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_BUCKETS:
        raise errors.InvalidArgument(f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS}",
                                     ArgumentName="max-buckets", ArgumentValue=value)  # fmt: skip
    return int(value)


def _location_constraint(body: bytes, region: str) -> str:
    if not body.strip():
        return region
    root = xml.parse(body, "CreateBucketConfiguration")
    location = xml.text(root, "LocationConstraint")
    if location is None or location == region:
        return region
    if location == "" and region == "us-east-1":
        return region
    raise errors.InvalidLocationConstraint()


async def create_bucket(req: S3Request) -> Result:
    """x-amz-object-ownership (else the server's default) and the bucket's first ACL.

    See https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
    """
    validate_bucket_name(req.bucket)
    ownership = req.headers.get("x-amz-object-ownership", access(req).default_ownership)
    if ownership not in OWNERSHIPS:
        raise errors.InvalidArgument(ArgumentName="x-amz-object-ownership", ArgumentValue=ownership)
    first_acl = _create_acl(req, ownership)
    region = _location_constraint(await req.xml_body(), req.region)
    lock = req.headers.get("x-amz-bucket-object-lock-enabled", "").lower() == "true"
    try:
        await req.engine.create_bucket(req.bucket, req.owner, region, object_lock=lock)
        if ownership != BUCKET_OWNER_ENFORCED:
            # Without the header, an ObjectWriter default is the pre-2023 AWS bucket: no controls at all.
            implicit = ownership == OBJECT_WRITER and "x-amz-object-ownership" not in req.headers
            stored = "" if implicit else ownership
            await req.engine.set_bucket_config(req.bucket, OWNERSHIP, stored)
            if first_acl is not None:
                await req.engine.set_bucket_config(req.bucket, BUCKET_ACL, first_acl.to_json())
    except errors.BucketAlreadyOwnedByYou:
        # AWS keeps a legacy rule in us-east-1 only: re-creating a bucket you own answers 200
        # and leaves its contents alone. See "BucketAlreadyOwnedByYou" in
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
        if region != LEGACY_REGION:
            raise
    return Result(headers={"location": f"/{req.bucket}"})


def _create_acl(req: S3Request, ownership: str) -> acl.Acl | None:
    """The ACL asked for by x-amz-acl or x-amz-grant-* (one way only); None: private."""
    canned, grants = req.headers.get(acl.X_AMZ_ACL), acl.has_grant_headers(req.headers)
    if canned is not None and grants:
        raise errors.InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
    if ownership == BUCKET_OWNER_ENFORCED:
        if grants or (canned is not None and canned not in ALLOWED_BUCKET_ACLS):
            raise errors.InvalidBucketAclWithObjectOwnership()
        return None
    if canned is not None:
        if canned not in CANNED_ACLS:
            raise errors.InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=canned)
        return acl.canned(canned, req.owner, req.owner)
    if grants:
        control = access(req)
        return acl.from_headers(req.headers, req.owner, lambda cid: control.resolve_user(cid, req.owner))
    return None


async def head_bucket(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    return Result(headers={"x-amz-bucket-region": bucket.region})


async def delete_bucket(req: S3Request) -> Result:
    await req.engine.delete_bucket(req.bucket)
    return Result(status=204)


async def get_bucket_location(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    region = "" if bucket.region == "us-east-1" else bucket.region
    return Result(headers=XML, body=xml.document("LocationConstraint", region or None))


async def get_bucket_versioning(req: S3Request) -> Result:
    bucket = req.engine.get_bucket(req.bucket)
    content = [("Status", bucket.versioning)] if bucket.versioning else []
    return Result(headers=XML, body=xml.document("VersioningConfiguration", content))
