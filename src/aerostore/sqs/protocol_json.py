"""The SQS JSON protocol (awsJson1_0): ``X-Amz-Target: AmazonSQS.<Action>``, JSON in and out.

An error names the modelled shape in ``__type`` and carries the query protocol's code and
fault in ``x-amzn-query-error``, which botocore turns into ``Error.Code``.
See https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
"""

from __future__ import annotations

import json
from typing import Any

from aerostore.http.context import RequestContext, Result
from aerostore.sqs import errors

X_AMZ_TARGET = "x-amz-target"
TARGET_PREFIX = "AmazonSQS."
CONTENT_TYPE = "application/x-amz-json-1.0"
X_AMZN_QUERY_ERROR = "x-amzn-query-error"
X_AMZN_REQUEST_ID = "x-amzn-RequestId"
ERROR_NAMESPACE = "com.amazonaws.sqs#"


def is_json(ctx: RequestContext) -> bool:
    return ctx.headers.get(X_AMZ_TARGET, "").startswith(TARGET_PREFIX)


def parse(ctx: RequestContext, body: bytes) -> tuple[str, dict[str, Any]]:
    """The action named by the target header, and the body's parameters."""
    action = ctx.headers.get(X_AMZ_TARGET, "")[len(TARGET_PREFIX) :]
    try:
        params = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise errors.SerializationException("Start of structure or map found where not expected.") from None
    if not isinstance(params, dict):
        raise errors.SerializationException("Start of structure or map found where not expected.")
    return action, params


def unknown_action(action: str) -> errors.SqsError:
    return errors.UnknownOperation(f"The action {action} is not valid for this web service.")


def render(action: str, result: dict[str, Any], request_id: str) -> Result:
    body = json.dumps(result, separators=(",", ":")).encode()
    return Result(status=200, headers=_headers(request_id), body=body)


def render_error(exc: errors.SqsError, request_id: str) -> Result:
    fault = "Sender" if exc.sender_fault else "Receiver"
    headers = {**_headers(request_id), X_AMZN_QUERY_ERROR: f"{exc.query_code};{fault}"}
    body = json.dumps({"__type": ERROR_NAMESPACE + exc.code, "message": exc.text}).encode()
    return Result(status=exc.status, headers=headers, body=body)


def _headers(request_id: str) -> dict[str, str]:
    return {"content-type": CONTENT_TYPE, X_AMZN_REQUEST_ID: request_id}
