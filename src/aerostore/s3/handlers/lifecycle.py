"""Put/Get/DeleteBucketLifecycle(Configuration), and the ``x-amz-expiration`` header of object answers.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
"""

from __future__ import annotations

from urllib.parse import quote

from aerostore.http.context import Result
from aerostore.lifecycle import dates, rules
from aerostore.lifecycle.model import REAL_DAY
from aerostore.s3 import errors
from aerostore.s3.handlers.common import http_date, require_integrity_header
from aerostore.s3.request import S3Request
from aerostore.storage.model import ObjectVersion

XML = {"content-type": "application/xml"}
X_AMZ_EXPIRATION = "x-amz-expiration"


async def put_bucket_lifecycle_configuration(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    require_integrity_header(req.headers)
    # AWS's storage-duration minimums make no sense with an accelerated day (tests use 1-day transitions).
    config = rules.parse_xml(await req.xml_body(), minimums=req.day_seconds >= REAL_DAY)
    await req.engine.set_bucket_config(req.bucket, rules.CONFIG_NAME, rules.to_json(config))
    return Result()


async def get_bucket_lifecycle_configuration(req: S3Request) -> Result:
    stored = req.engine.get_bucket_config(req.bucket, rules.CONFIG_NAME)
    if stored is None:
        raise errors.NoSuchLifecycleConfiguration(BucketName=req.bucket)
    return Result(headers=XML, body=rules.to_xml(rules.from_json(stored)))


async def delete_bucket_lifecycle(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    await req.engine.set_bucket_config(req.bucket, rules.CONFIG_NAME, None)
    return Result(status=204)


def expiration_headers(req: S3Request, version: ObjectVersion) -> dict[str, str]:
    """``x-amz-expiration`` for a version the answer names, when an enabled rule will expire it.

    One indexed read of the bucket's configuration; the parse is cached by its text.
    See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#AmazonS3-PutObject-response-header-Expiration
    """
    if version.delete_marker or not version.is_latest:
        return {}
    config = rules.load(req.engine.db.reader(), version.bucket)
    found = dates.expiration(config, version, req.day_seconds) if config is not None else None
    if found is None:
        return {}
    when, rule_id = found
    # AWS URL-encodes the rule id, which may hold any character.
    return {X_AMZ_EXPIRATION: f'expiry-date="{http_date(when)}", rule-id="{quote(rule_id, safe="")}"'}
