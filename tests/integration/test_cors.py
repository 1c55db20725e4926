"""Put/Get/DeleteBucketCors with boto3, preflights and the CORS headers of actual answers."""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from .server import Server

RULES = [
    {
        "ID": "uploads",
        "AllowedOrigins": ["http://localhost:*", "https://console.example.com"],
        "AllowedMethods": ["PUT", "POST", "GET"],
        "AllowedHeaders": ["content-type", "x-amz-meta-*"],
        "ExposeHeaders": ["ETag", "x-amz-request-id"],
        "MaxAgeSeconds": 600,
    },
    {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
]


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err.get("Message", "")


@pytest.fixture
def cors_bucket(s3, bucket: str) -> str:  # type: ignore[no-untyped-def]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    return bucket


def test_get_bucket_cors_round_trip(s3, cors_bucket: str) -> None:  # type: ignore[no-untyped-def]
    rules = s3.get_bucket_cors(Bucket=cors_bucket)["CORSRules"]
    assert rules == RULES


def test_get_bucket_cors_none(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_cors(Bucket=bucket)
    assert _error(excinfo) == ("NoSuchCORSConfiguration", "The CORS configuration does not exist")


def test_delete_bucket_cors(s3, cors_bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.delete_bucket_cors(Bucket=cors_bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket=cors_bucket)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]},
         "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"),
        ({"AllowedOrigins": ["http://*.*.example"], "AllowedMethods": ["GET"]},
         'AllowedOrigin "http://*.*.example" can not have more than one wildcard.'),
        ({"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["x-*-*"]},
         'AllowedHeader "x-*-*" can not have more than one wildcard.'),
        ({"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ExposeHeaders": ["x-*"]},
         'ExposeHeader "x-*" contains wildcard. We currently do not support wildcard for ExposeHeader.'),
    ],
    ids=["method", "origin-wildcards", "header-wildcards", "expose-wildcard"],
)  # fmt: skip
def test_put_bucket_cors_invalid(s3, bucket: str, rule: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    assert _error(excinfo) == ("InvalidRequest", message)


def test_put_bucket_cors_too_many_rules(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    rules = [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert _error(excinfo)[0] == "MalformedXML"


def test_put_bucket_cors_needs_content_md5(server: Server, bucket: str) -> None:
    body = (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
            b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>")  # fmt: skip
    r = _signed(server, "PUT", f"/{bucket}?cors", body)
    assert r.status_code == 400 and b"Content-Md5" in r.content


def _signed(server: Server, method: str, path: str, body: bytes) -> requests.Response:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from .server import ROOT_PASSWORD, ROOT_USER

    request = AWSRequest(method=method, url=server.endpoint + path, data=body)
    S3SigV4Auth(Credentials(ROOT_USER, ROOT_PASSWORD), "s3", "us-east-1").add_auth(request)
    return requests.request(method, server.endpoint + path, data=body, headers=dict(request.headers))


def _preflight(server: Server, path: str, headers: dict[str, str]) -> requests.Response:
    return requests.options(server.endpoint + path, headers=headers)


def test_preflight_allowed(server: Server, cors_bucket: str) -> None:
    r = _preflight(server, f"/{cors_bucket}/photo.jpg", {
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Content-Type, X-Amz-Meta-Aircraft",
    })  # fmt: skip
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert r.headers["Access-Control-Allow-Methods"] == "PUT, POST, GET"
    assert r.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-aircraft"
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Access-Control-Expose-Headers"] == "ETag, x-amz-request-id"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert r.headers["Vary"] == "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def test_preflight_wildcard_rule_answers_star(server: Server, cors_bucket: str) -> None:
    r = _preflight(server, f"/{cors_bucket}", {"Origin": "https://elsewhere.example",
                                               "Access-Control-Request-Method": "HEAD"})  # fmt: skip
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"},
        {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "DELETE"},
        {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT",
         "Access-Control-Request-Headers": "x-amz-acl"},
    ],
    ids=["origin", "method", "header"],
)  # fmt: skip
def test_preflight_refused(server: Server, cors_bucket: str, headers: dict[str, str]) -> None:
    r = _preflight(server, f"/{cors_bucket}/k", headers)
    assert r.status_code == 403
    assert b"<Code>CORSResponse</Code>" in r.content
    assert "Access-Control-Allow-Origin" not in r.headers


def test_preflight_without_cors_configuration(server: Server, bucket: str) -> None:
    headers = {"Origin": "http://localhost:1", "Access-Control-Request-Method": "GET"}
    r = _preflight(server, f"/{bucket}/k", headers)
    assert r.status_code == 403
    assert b"CORS is not enabled for this bucket" in r.content


@pytest.mark.parametrize("headers", [{"Access-Control-Request-Method": "GET"}, {"Origin": "http://localhost:1"}],
                         ids=["no-origin", "no-method"])  # fmt: skip
def test_preflight_incomplete(server: Server, cors_bucket: str, headers: dict[str, str]) -> None:
    assert _preflight(server, f"/{cors_bucket}/k", headers).status_code == 400


def test_actual_response_headers(s3, server: Server, cors_bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=cors_bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": cors_bucket, "Key": "k"})
    r = requests.get(url, headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert r.headers["Access-Control-Expose-Headers"] == "ETag, x-amz-request-id"
    assert "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Origin" not in requests.get(url).headers


def test_actual_error_response_headers(server: Server, cors_bucket: str) -> None:
    r = requests.get(f"{server.endpoint}/{cors_bucket}/missing", headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 403  # anonymous
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    r = requests.get(f"{server.endpoint}/{cors_bucket}/missing", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
