"""Bucket policies, their public status, and the bucket's public access block.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html
"""

from __future__ import annotations

from aerostore.access import policy as policies
from aerostore.access.control import POLICY, PUBLIC_ACCESS_BLOCK, AccessControl
from aerostore.access.evaluate import is_public
from aerostore.access.public import PublicAccessBlock
from aerostore.http.context import Result
from aerostore.s3 import errors, xml
from aerostore.s3.request import S3Request

XML = {"content-type": "application/xml"}
JSON = {"content-type": "application/json"}
TOO_LARGE = "Policies must be less than 20 KB"


def access(req: S3Request) -> AccessControl:
    return req.access or AccessControl(req.engine)


async def put_bucket_policy(req: S3Request) -> Result:
    """BlockPublicPolicy (bucket or account) refuses a public policy with AccessDenied, as AWS."""
    req.engine.get_bucket(req.bucket)
    body = await req.xml_body()
    if len(body) > policies.MAX_BUCKET_POLICY_BYTES:
        raise errors.MalformedPolicy(TOO_LARGE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.MalformedPolicy() from None
    parsed = policies.parse(text, req.bucket)
    if is_public(parsed) and access(req).public_access_block(req.bucket).block_public_policy:
        raise errors.AccessDenied()
    await req.engine.set_bucket_config(req.bucket, POLICY, text)
    return Result(status=204)


async def get_bucket_policy(req: S3Request) -> Result:
    text = req.engine.get_bucket_config(req.bucket, POLICY)
    if text is None:
        raise errors.NoSuchBucketPolicy(BucketName=req.bucket)
    return Result(headers=JSON, body=text.encode())


async def delete_bucket_policy(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    await req.engine.set_bucket_config(req.bucket, POLICY, None)
    return Result(status=204)


async def get_bucket_policy_status(req: S3Request) -> Result:
    """IsPublic by AWS's definition of a public policy; no policy is NoSuchBucketPolicy, as AWS."""
    found = access(req).bucket_policy(req.bucket)
    req.engine.get_bucket(req.bucket)
    if found is None:
        raise errors.NoSuchBucketPolicy(BucketName=req.bucket)
    return Result(headers=XML, body=xml.document("PolicyStatus", [("IsPublic", is_public(found))]))


async def put_public_access_block(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    block = PublicAccessBlock.from_xml(await req.xml_body())
    await req.engine.set_bucket_config(req.bucket, PUBLIC_ACCESS_BLOCK, block.to_json())
    return Result()


async def get_public_access_block(req: S3Request) -> Result:
    stored = req.engine.get_bucket_config(req.bucket, PUBLIC_ACCESS_BLOCK)
    if stored is None:
        raise errors.NoSuchPublicAccessBlockConfiguration(BucketName=req.bucket)
    return Result(headers=XML, body=PublicAccessBlock.from_json(stored).to_xml())


async def delete_public_access_block(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    await req.engine.set_bucket_config(req.bucket, PUBLIC_ACCESS_BLOCK, None)
    return Result(status=204)
