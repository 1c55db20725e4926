"""SigV4 for SQS: the shared verifier with service ``sqs``, its errors in SQS's words.

SDKs do not send ``x-amz-content-sha256`` to SQS: the payload hash is the SHA-256 of the body,
which is read (it is small) before authentication, and handed to the verifier as that header.
"""

from __future__ import annotations

import hashlib
import time

from aerostore.auth import sigv4
from aerostore.http.context import RequestContext
from aerostore.s3 import errors as s3errors
from aerostore.sqs import errors

SERVICE = "sqs"


def authenticate(ctx: RequestContext, body: bytes, keys: sigv4.KeyStore) -> sigv4.Principal:
    """The principal that signed the request, or the SQS error AWS answers with."""
    headers = dict(ctx.headers)
    digest = hashlib.sha256(body).hexdigest()
    declared = headers.setdefault(sigv4.X_AMZ_CONTENT_SHA256, digest)
    if declared != sigv4.UNSIGNED_PAYLOAD and declared.lower() != digest:
        raise errors.SignatureDoesNotMatch("The provided x-amz-content-sha256 does not match the body.")
    raw_path = ctx.raw_path.split("?", 1)[0]
    try:
        auth = sigv4.verify(
            ctx.method, raw_path, ctx.query_string, headers, keys, time.time(), service=SERVICE
        )
    except s3errors.S3Error as exc:
        raise _translated(exc) from None
    if auth.principal is sigv4.Principal.ANONYMOUS:
        raise errors.AccessDenied("Access to the resource is denied: the request is not signed.")
    return auth.principal


def _translated(exc: s3errors.S3Error) -> errors.SqsError:
    if exc.code == "InvalidAccessKeyId":
        return errors.InvalidClientTokenId()
    if exc.code == "SignatureDoesNotMatch":
        return errors.SignatureDoesNotMatch()
    if exc.code == "RequestTimeTooSkewed":
        return errors.SignatureDoesNotMatch(
            "Signature expired: the request time is too far from the server time "
            + exc.fields.get("ServerTime", "")
        )
    return errors.IncompleteSignature(exc.text)
