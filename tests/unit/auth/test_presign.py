"""Presigned SigV4 URLs (auth/presign.py), through sigv4.verify as the server calls it.

Presigned requests also run through test_sigv4.py's botocore key, path and query cases.
"""

from __future__ import annotations

import calendar
import time
from urllib.parse import urlsplit

import pytest
from auth_test_keys import AK, KEYS, SECRET, Keys
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from aerostore.auth import presign, sigv4
from aerostore.auth.sigv4 import AuthResult
from aerostore.s3 import errors

HOST = "localhost:9000"

Request = tuple[str, str, str, dict[str, str]]




def presigned(method: str, path: str = "/bucket/key", *, expires: int = 3600) -> Request:
    """Presign like botocore does; return (method, raw path, query string, lower-cased headers)."""
    request = AWSRequest(method, f"http://{HOST}{path}", headers={"host": HOST})
    S3SigV4QueryAuth(Credentials(AK, SECRET), "s3", "us-east-1", expires).add_auth(request)
    parts = urlsplit(request.url)
    return method, parts.path, parts.query, {k.lower(): v for k, v in request.headers.items()}


def check(request: Request, now: float | None = None, keys: Keys = KEYS) -> AuthResult:
    method, path, query, headers = request
    return sigv4.verify(method, path, query, headers, keys, time.time() if now is None else now)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"X-Amz-Algorithm": "AWS4-HMAC-SHA256"}, True),
        ({"X-Amz-Signature": "ab"}, True),
        ({"X-Amz-Credential": "x", "versionId": "1"}, False),
        ({"AWSAccessKeyId": "AK", "Signature": "x"}, False),
    ],
)
def test_is_presigned(params: dict[str, str], expected: bool) -> None:
    assert presign.is_presigned(params) is expected


def test_s3_docs_presigned_example() -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html"""
    keys = Keys({"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
        "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    now = float(calendar.timegm((2013, 5, 24, 1, 0, 0)))
    result = check(("GET", "/test.txt", query, {"host": "examplebucket.s3.amazonaws.com"}), now, keys)
    assert (result.auth_type, result.payload) == ("presigned", sigv4.UNSIGNED_PAYLOAD)
    assert (result.scope, result.signature_version) == ("20130524/us-east-1/s3/aws4_request", 4)


def test_presigned_url_expires() -> None:
    request = presigned("GET", expires=60)
    assert check(request, now=time.time() + 30).auth_type == "presigned"
    with pytest.raises(errors.AccessDenied, match="Request has expired") as caught:
        check(request, now=time.time() + 120)
    assert caught.value.fields["X-Amz-Expires"] == "60"


def test_presigned_url_long_after_signing_is_not_skewed() -> None:
    request = presigned("GET", expires=7 * 24 * 3600)
    assert check(request, now=time.time() + 6 * 24 * 3600).auth_type == "presigned"


def test_presigned_url_from_the_future_is_not_yet_valid() -> None:
    with pytest.raises(errors.AccessDenied, match="not yet valid"):
        check(presigned("GET"), now=time.time() - 3600)


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("604801", "less than a week"),
        ("0", "less than a week"),
        ("-5", "must be non-negative"),
        ("soon", "should be a number"),
    ],
)
def test_presigned_expires_out_of_range(expires: str, message: str) -> None:
    method, path, query, headers = presigned("GET")
    query = query.replace("X-Amz-Expires=3600", f"X-Amz-Expires={expires}")
    with pytest.raises(errors.AuthorizationQueryParametersError, match=message):
        check((method, path, query, headers))


@pytest.mark.parametrize("param", ["X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"])
def test_presigned_missing_parameter(param: str) -> None:
    method, path, query, headers = presigned("GET")
    query = "&".join(part for part in query.split("&") if not part.startswith(param + "="))
    with pytest.raises(errors.AuthorizationQueryParametersError):
        check((method, path, query, headers))


def test_presigned_wrong_algorithm() -> None:
    method, path, query, headers = presigned("GET")
    with pytest.raises(errors.AuthorizationQueryParametersError, match="X-Amz-Algorithm"):
        check((method, path, query.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), headers))


def test_presigned_unknown_access_key() -> None:
    with pytest.raises(errors.InvalidAccessKeyId):
        check(presigned("GET"), keys=Keys({}))


def test_presigned_with_a_payload_hash_header() -> None:
    method, path, query, headers = presigned("PUT")
    headers["x-amz-content-sha256"] = sigv4.EMPTY_SHA256  # sent, but not part of what was presigned
    assert check((method, path, query, headers)).payload == sigv4.UNSIGNED_PAYLOAD
