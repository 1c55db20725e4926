"""Presigned SigV4 URLs: the credential, date, lifetime and signature travel in the query string.

The canonical request is header auth's, minus ``X-Amz-Signature`` in the query and with
``UNSIGNED-PAYLOAD`` as the payload hash unless the signer put one in. ``sigv4.verify`` calls
``from_query`` and then checks the signature as it does for header auth.

See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
"""

from __future__ import annotations

from collections.abc import Mapping

from aerostore.auth import sigv4
from aerostore.s3 import errors

ALGORITHM_PARAM = "X-Amz-Algorithm"
SIGNATURE_PARAM = "X-Amz-Signature"
PARAMS = (
    ALGORITHM_PARAM,
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    SIGNATURE_PARAM,
)
MAX_EXPIRES = 604800  # seven days
_EXCLUDE = frozenset({SIGNATURE_PARAM})


def is_presigned(params: Mapping[str, str]) -> bool:
    """Whether the decoded query asks for SigV4 query-string authentication."""
    return ALGORITHM_PARAM in params or SIGNATURE_PARAM in params


def from_query(req: sigv4.Request) -> sigv4.Signed:
    """What the URL says was signed, once its parameters are well formed and it is within its lifetime."""
    params, error = req.params, errors.AuthorizationQueryParametersError
    if any(name not in params for name in PARAMS):
        raise error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    if params[ALGORITHM_PARAM] != sigv4.ALGORITHM:
        raise error('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    credential = sigv4.parse_credential(params["X-Amz-Credential"], error)
    signed_headers = sigv4.parse_signed_headers(params["X-Amz-SignedHeaders"], error)
    amz_date, stamp = params["X-Amz-Date"], sigv4.parse_amz_date(params["X-Amz-Date"])
    if stamp is None:
        raise error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if credential.date != amz_date[:8]:
        raise error(sigv4.DATE_MISMATCH)
    _check_lifetime(req, stamp, _parse_expires(params["X-Amz-Expires"]))
    payloads = _payloads(params, req.headers)
    return sigv4.Signed(
        "presigned", credential, signed_headers, params[SIGNATURE_PARAM], amz_date, payloads, _EXCLUDE
    )


def _check_lifetime(req: sigv4.Request, stamp: float, expires: int) -> None:
    """Valid from X-Amz-Date (less the allowed clock skew) until X-Amz-Date + X-Amz-Expires."""
    if stamp - req.max_skew > req.now:
        raise errors.AccessDenied("Request is not yet valid", ServerTime=sigv4.iso8601(req.now))
    if req.now > stamp + expires:
        raise errors.AccessDenied(
            "Request has expired",
            **{
                "X-Amz-Expires": str(expires),
                "Expires": sigv4.iso8601(stamp + expires),
                "ServerTime": sigv4.iso8601(req.now),
            },
        )


def _parse_expires(value: str) -> int:
    if value.startswith("-") and value[1:].isdigit():
        raise errors.AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if not value.isdigit():
        raise errors.AuthorizationQueryParametersError("X-Amz-Expires should be a number")
    expires = int(value)
    if not 1 <= expires <= MAX_EXPIRES:
        raise errors.AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800"
        )
    return expires


def _payloads(params: Mapping[str, str], headers: Mapping[str, str]) -> tuple[str, ...]:
    """A presigned URL signs UNSIGNED-PAYLOAD unless the signer put a payload hash in the request."""
    if "X-Amz-Content-Sha256" in params:
        return (params["X-Amz-Content-Sha256"],)
    if sigv4.X_AMZ_CONTENT_SHA256 in headers:
        return (headers[sigv4.X_AMZ_CONTENT_SHA256], sigv4.UNSIGNED_PAYLOAD)
    return (sigv4.UNSIGNED_PAYLOAD,)
