"""Put/Get/DeleteBucketCors, the preflight ``OPTIONS`` answer, and the CORS headers of every answer.

Preflights are answered from the bucket's rules without authentication, as browsers send them
without credentials. See https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
"""

from __future__ import annotations

from aerostore.http.context import RequestContext, Result
from aerostore.s3 import cors, errors
from aerostore.s3.handlers.common import require_integrity_header
from aerostore.s3.request import S3Request
from aerostore.storage.engine import Engine

XML = {"content-type": "application/xml"}
NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."


async def put_bucket_cors(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    require_integrity_header(req.headers)
    rules = cors.parse(await req.xml_body())
    await req.engine.set_bucket_config(req.bucket, cors.CONFIG, cors.dumps(rules))
    return Result()


async def get_bucket_cors(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    rules = bucket_rules(req.engine, req.bucket)
    if rules is None:
        raise errors.NoSuchCORSConfiguration(BucketName=req.bucket)
    return Result(headers=XML, body=cors.document(rules))


async def delete_bucket_cors(req: S3Request) -> Result:
    req.engine.get_bucket(req.bucket)
    await req.engine.set_bucket_config(req.bucket, cors.CONFIG, None)
    return Result(status=204)


def bucket_rules(engine: Engine, bucket: str) -> list[cors.CorsRule] | None:
    """The bucket's rules; None when it has no CORS configuration (or does not exist)."""
    if not bucket:
        return None
    try:
        stored = engine.get_bucket_config(bucket, cors.CONFIG)
    except errors.NoSuchBucket:
        return None
    return cors.loads(stored) if stored is not None else None


def preflight(ctx: RequestContext, engine: Engine, bucket: str) -> Result:
    """``OPTIONS`` on a bucket or object: 200 with the allowing rule's headers, else 403 CORSResponse."""
    origin = ctx.headers.get(cors.ORIGIN)
    if origin is None:
        raise errors.BadRequest("Insufficient information. Origin request header needed.")
    method = ctx.headers.get(cors.REQUEST_METHOD)
    if method is None:
        raise errors.BadRequest("Invalid Access-Control-Request-Method: null")
    rules = bucket_rules(engine, bucket)
    if not rules:
        raise errors.CORSResponse(NOT_ENABLED)
    requested = cors.requested_headers(ctx.headers.get(cors.REQUEST_HEADERS, ""))
    headers = cors.preflight(rules, origin, method, requested)
    if headers is None:
        raise errors.CORSResponse()
    return Result(headers=headers, audit={"operation": "PreflightRequest"})


def response_headers(ctx: RequestContext, engine: Engine, bucket: str) -> dict[str, str]:
    """The CORS headers an actual answer (success or error) carries for the request's ``Origin``."""
    origin = ctx.headers.get(cors.ORIGIN)
    if origin is None:
        return {}
    rules = bucket_rules(engine, bucket)
    return cors.actual(rules, origin, ctx.method) if rules else {}
