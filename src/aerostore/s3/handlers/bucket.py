"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation."""

from __future__ import annotations

from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.names import owner_xml, validate_bucket_name
from aerostore.s3.request import S3Request

XML = {"content-type": "application/xml"}
ALLOWED_BUCKET_ACLS = {"private", "bucket-owner-full-control"}


async def list_buckets(req: S3Request) -> Result:
    prefix = req.query.get("prefix", "")
    buckets = [b for b in req.engine.list_buckets() if b.name.startswith(prefix)]
    entries = [("Bucket", [("Name", b.name), ("CreationDate", xml.iso8601(b.created)), ("BucketRegion", b.region)])
               for b in buckets]  # fmt: skip
    body = xml.document("ListAllMyBucketsResult", [("Owner", owner_xml(req.owner)), ("Buckets", entries)])
    return Result(headers=XML, body=body)


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
    validate_bucket_name(req.bucket)
    acl = req.headers.get("x-amz-acl")
    if acl is not None and acl not in ALLOWED_BUCKET_ACLS:
        raise errors.NotImplemented("Canned ACLs other than private are not supported yet")
    region = _location_constraint(await req.xml_body(), req.region)
    lock = req.headers.get("x-amz-bucket-object-lock-enabled", "").lower() == "true"
    await req.engine.create_bucket(req.bucket, req.owner, region, object_lock=lock)
    return Result(headers={"location": f"/{req.bucket}"})


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
