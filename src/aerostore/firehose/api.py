"""The delivery-stream API: Firehose's JSON 1.1 protocol at the S3 endpoint.

``claims`` takes the requests whose ``X-Amz-Target`` is ``Firehose_20150804.<Operation>``. They
are signed for service ``firehose`` without ``x-amz-content-sha256``: the body is read first
(it is at most a 4 MiB batch, base64) and its hash handed to the shared SigV4 verifier, as the
SQS API does. See https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from typing import Any

from aerostore.auth import sigv4
from aerostore.firehose import errors
from aerostore.firehose.actions import ACTIONS
from aerostore.firehose.service import FirehoseService
from aerostore.http.context import RequestContext, Result
from aerostore.http.streams import Receive, read_capped
from aerostore.s3 import errors as s3errors

log = logging.getLogger("aerostore.firehose")

SERVICE = "firehose"
X_AMZ_TARGET = "x-amz-target"
TARGET_PREFIX = "Firehose_20150804."
CONTENT_TYPE = "application/x-amz-json-1.1"
X_AMZN_REQUEST_ID = "x-amzn-RequestId"
MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a 4 MiB batch grows by a third in base64, plus JSON


class FirehoseApi:
    def __init__(self, service: FirehoseService, keys: sigv4.KeyStore) -> None:
        self.service = service
        self.keys = keys

    def claims(self, ctx: RequestContext) -> bool:
        return ctx.headers.get(X_AMZ_TARGET, "").startswith(TARGET_PREFIX)

    async def handle(self, ctx: RequestContext, receive: Receive) -> Result:
        request_id = str(uuid.uuid4())
        operation = ctx.headers.get(X_AMZ_TARGET, "")[len(TARGET_PREFIX) :]
        # Known before any write, for the audit record committed with it (audit/recorder.py).
        ctx.audit.update(service=SERVICE, operation=operation, request_id=request_id)
        try:
            body = await read_capped(receive, MAX_REQUEST_BYTES, errors.RequestEntityTooLarge)
            principal = authenticate(ctx, body, self.keys)
            ctx.audit.update(principal=principal.user, access_key_id=principal.access_key, auth_type="header")
            handler = ACTIONS.get(operation)
            if handler is None:
                raise errors.UnknownOperationException(f"The operation {operation} is not supported.")
            result = await handler(self.service, _params(body))
            response = Result(200, _headers(request_id), json.dumps(result, separators=(",", ":")).encode())
        except errors.FirehoseError as exc:
            ctx.audit["error_code"] = exc.code
            response = render_error(exc, request_id)
        except Exception:
            log.exception("internal error", extra={"request_id": request_id})
            response = render_error(errors.InternalFailure(), request_id)
        response.audit.update(service=SERVICE, operation=operation)
        return response


def render_error(exc: errors.FirehoseError, request_id: str) -> Result:
    body = json.dumps({"__type": exc.code, "message": exc.text}).encode()
    return Result(status=exc.status, headers=_headers(request_id), body=body)


def authenticate(ctx: RequestContext, body: bytes, keys: sigv4.KeyStore) -> sigv4.Principal:
    headers = dict(ctx.headers)
    headers.setdefault(sigv4.X_AMZ_CONTENT_SHA256, hashlib.sha256(body).hexdigest())
    try:
        auth = sigv4.verify(ctx.method, ctx.raw_path.split("?", 1)[0], ctx.query_string, headers, keys,
                            time.time(), service=SERVICE)  # fmt: skip
    except s3errors.S3Error as exc:
        if exc.code == "InvalidAccessKeyId":
            raise errors.UnrecognizedClientException() from None
        if exc.code == "SignatureDoesNotMatch":
            raise errors.InvalidSignatureException() from None
        raise errors.IncompleteSignature(exc.text) from None
    if auth.principal is sigv4.Principal.ANONYMOUS:
        raise errors.AccessDeniedException("The request is not signed.")
    return auth.principal


def _params(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise errors.SerializationException() from None
    if not isinstance(params, dict):
        raise errors.SerializationException()
    return params


def _headers(request_id: str) -> dict[str, str]:
    return {"content-type": CONTENT_TYPE, X_AMZN_REQUEST_ID: request_id}
