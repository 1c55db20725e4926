"""Object and bucket tagging: Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html. Status codes are
the ones AWS answers (recorded in LocalStack's validated snapshots): PutObjectTagging 200,
PutBucketTagging and both deletes 204.
"""

from __future__ import annotations

from aerostore.http.context import Result
from aerostore.s3 import errors, tags
from aerostore.s3.handlers.common import require_integrity_header
from aerostore.s3.request import S3Request
from aerostore.storage.model import NULL_VERSION, ObjectVersion

XML = {"content-type": "application/xml"}


def _version_headers(version: ObjectVersion, asked: str | None) -> dict[str, str]:
    if version.version_id != NULL_VERSION or asked is not None:
        return {"x-amz-version-id": version.version_id}
    return {}


async def _tag_set(req: S3Request, scope: tags.Scope) -> dict[str, str]:
    body = await req.xml_body()
    if not body.strip() and scope is tags.Scope.BUCKET:
        raise errors.MissingRequestBodyError()
    return tags.parse_document(body, scope)


async def put_object_tagging(req: S3Request) -> Result:
    version_id = req.query.get("versionId")
    tag_set = await _tag_set(req, tags.Scope.OBJECT)
    version = await req.engine.put_object_tagging(req.bucket, req.key, version_id, tag_set)
    audit = {"version_id": version.version_id}
    return Result(headers=_version_headers(version, version_id), audit=audit)


async def get_object_tagging(req: S3Request) -> Result:
    version_id = req.query.get("versionId")
    try:
        version = req.engine.get_object_tagging(req.bucket, req.key, version_id)
    except errors.NoSuchKey:
        # Here, and only here, AWS names the missing key with its bucket (LocalStack records it).
        raise errors.NoSuchKey(Key=f"{req.bucket}/{req.key}") from None
    headers = {**XML, **_version_headers(version, version_id)}
    return Result(
        headers=headers, body=tags.document(version.attrs.tags), audit={"version_id": version.version_id}
    )


async def delete_object_tagging(req: S3Request) -> Result:
    version_id = req.query.get("versionId")
    version = await req.engine.delete_object_tagging(req.bucket, req.key, version_id)
    audit = {"version_id": version.version_id}
    return Result(status=204, headers=_version_headers(version, version_id), audit=audit)


async def put_bucket_tagging(req: S3Request) -> Result:
    """Content-MD5 (or a flexible checksum) is required, as AWS requires it here."""
    require_integrity_header(req.headers)
    tag_set = await _tag_set(req, tags.Scope.BUCKET)
    await req.engine.put_bucket_tagging(req.bucket, tag_set)
    return Result(status=204)


async def get_bucket_tagging(req: S3Request) -> Result:
    tag_set = req.engine.get_bucket_tagging(req.bucket)
    if tag_set is None:
        raise errors.NoSuchTagSet(BucketName=req.bucket)
    return Result(headers=XML, body=tags.document(tag_set))


async def delete_bucket_tagging(req: S3Request) -> Result:
    await req.engine.delete_bucket_tagging(req.bucket)
    return Result(status=204)
