from __future__ import annotations

import datetime
import hashlib
import hmac

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from .server import ROOT_PASSWORD, ROOT_USER, Server


def error_code(response: requests.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0]


class Signer(S3SigV4Auth):
    """botocore's S3 signer with the x-amz-content-sha256 value of our choosing."""

    def __init__(self, payload_hash: str | None = None) -> None:
        super().__init__(Credentials(ROOT_USER, ROOT_PASSWORD), "s3", "us-east-1")
        self.payload_hash = payload_hash

    def payload(self, request: AWSRequest) -> str:
        return self.payload_hash if self.payload_hash is not None else str(super().payload(request))


def signed(method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None,
           payload_hash: str | None = None) -> requests.PreparedRequest:  # fmt: skip
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    Signer(payload_hash or hashlib.sha256(body).hexdigest()).add_auth(request)
    return request.prepare()


def send(prepared: requests.PreparedRequest) -> requests.Response:
    """Send a botocore-prepared request byte for byte with requests."""
    return requests.request(prepared.method or "GET", prepared.url or "", headers=dict(prepared.headers),
                            data=prepared.body, timeout=30)  # fmt: skip


def test_presigned_get_and_put_with_plain_requests(s3, bucket: str) -> None:
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=60)
    assert requests.put(put_url, data=b"presigned body", timeout=10).status_code == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=60)
    response = requests.get(get_url, timeout=10)
    assert (response.status_code, response.content) == (200, b"presigned body")


def test_presigned_url_tampered_or_expired(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=60)
    tampered = requests.get(url.replace("/p?", "/q?"), timeout=10)
    assert (tampered.status_code, error_code(tampered)) == (403, "SignatureDoesNotMatch")
    expired_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=1)
    import time

    time.sleep(2.1)
    expired = requests.get(expired_url, timeout=10)
    assert (expired.status_code, error_code(expired)) == (403, "AccessDenied")
    assert "expired" in expired.text


def test_anonymous_request_is_refused(server: Server, bucket: str) -> None:
    response = requests.get(f"{server.endpoint}/{bucket}", timeout=10)
    assert (response.status_code, error_code(response)) == (403, "AccessDenied")


def test_unknown_access_key(server: Server) -> None:
    client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id="NOSUCHKEY",
                          aws_secret_access_key="whatever-secret", region_name="us-east-1")  # fmt: skip
    with pytest.raises(ClientError) as exc:
        client.list_buckets()
    assert exc.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_wrong_secret(server: Server) -> None:
    client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=ROOT_USER,
                          aws_secret_access_key="wrong-secret", region_name="us-east-1")  # fmt: skip
    with pytest.raises(ClientError) as exc:
        client.list_buckets()
    assert exc.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_tampered_payload_under_signed_hash(server: Server, s3, bucket: str) -> None:
    body = b"the real body"
    digest = hashlib.sha256(body).hexdigest()
    prepared = signed("PUT", f"{server.endpoint}/{bucket}/signed", body, payload_hash=digest)
    prepared.body = b"the fake body"
    response = send(prepared)
    assert (response.status_code, error_code(response)) == (400, "XAmzContentSHA256Mismatch")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="signed")


def test_clock_skew(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    skewed = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed)
    response = send(signed("GET", f"{server.endpoint}/"))
    assert (response.status_code, error_code(response)) == (403, "RequestTimeTooSkewed")


def _chunk_signature(key: bytes, amz_date: str, scope: str, previous: str, data: bytes) -> str:
    to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous,
                         hashlib.sha256(b"").hexdigest(), hashlib.sha256(data).hexdigest()])  # fmt: skip
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _signing_key(date: str) -> bytes:
    key = ("AWS4" + ROOT_PASSWORD).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def streaming_put(server: Server, url: str, payload: bytes, chunk: int, tamper: bool = False,
                  truncate: bool = False) -> requests.Response:  # fmt: skip
    """Send a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, as the Java/Go SDKs and the aws cli v2 do."""
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(payload))}
    request = AWSRequest(method="PUT", url=url, data=b"", headers=headers)
    Signer("STREAMING-AWS4-HMAC-SHA256-PAYLOAD").add_auth(request)
    seed = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    amz_date = request.context["timestamp"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key, previous, body = _signing_key(amz_date[:8]), seed, bytearray()
    pieces = [payload[i : i + chunk] for i in range(0, len(payload), chunk)] + [b""]
    for piece in pieces:
        signature = _chunk_signature(key, amz_date, scope, previous, piece)
        previous = signature
        sent = piece[:-1] + b"!" if tamper and piece else piece
        body += f"{len(piece):x};chunk-signature={signature}\r\n".encode() + sent + b"\r\n"
    if truncate:
        body = body[: len(body) // 2]
    prepared = request.prepare()
    prepared.body = bytes(body)
    prepared.headers["Content-Length"] = str(len(body))
    return send(prepared)


def test_streaming_signed_chunked_upload(server: Server, s3, bucket: str) -> None:
    payload = bytes(range(256)) * 1000
    response = streaming_put(server, f"{server.endpoint}/{bucket}/chunked", payload, 64 * 1024)
    assert response.status_code == 200, response.text
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == payload


@pytest.mark.parametrize("fault", ["tamper", "truncate"])
def test_streaming_signed_chunked_hostile(server: Server, s3, bucket: str, fault: str) -> None:
    payload = bytes(range(256)) * 1000
    response = streaming_put(server, f"{server.endpoint}/{bucket}/bad", payload, 64 * 1024,
                             tamper=fault == "tamper", truncate=fault == "truncate")  # fmt: skip
    assert response.status_code in (400, 403)
    assert error_code(response) in ("SignatureDoesNotMatch", "IncompleteBody")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad")


def test_boto3_default_https_sends_trailer_checksum(s3_tls) -> None:
    s3_tls.create_bucket(Bucket="tls-bucket")
    body = b"over https" * 1000
    put = s3_tls.put_object(Bucket="tls-bucket", Key="t", Body=body)
    assert "ChecksumCRC32" in put
    head = s3_tls.head_object(Bucket="tls-bucket", Key="t", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == put["ChecksumCRC32"]
    assert s3_tls.get_object(Bucket="tls-bucket", Key="t")["Body"].read() == body


def test_boto3_default_http_sends_crc32_header(s3, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="crc", Body=b"plain http")
    assert "ChecksumCRC32" in put
    head = s3.head_object(Bucket=bucket, Key="crc", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == put["ChecksumCRC32"]


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_checksum_algorithms_on_put(s3, bucket: str, algorithm: str) -> None:
    put = s3.put_object(Bucket=bucket, Key=f"ck-{algorithm}", Body=b"checksummed",
                        ChecksumAlgorithm=algorithm)  # fmt: skip
    head = s3.head_object(Bucket=bucket, Key=f"ck-{algorithm}", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]


@pytest.mark.parametrize(
    ("key", "header"),
    [
        ("wrongsum", {"x-amz-checksum-crc32": "AAAAAA=="}),
        ("wrongmd5", {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}),
    ],
    ids=["checksum-crc32", "content-md5"],
)
def test_wrong_digest_header_is_bad_digest(
    server: Server, s3, bucket: str, key: str, header: dict[str, str]
) -> None:
    body = b"body"
    prepared = signed("PUT", f"{server.endpoint}/{bucket}/{key}", body, headers=header,
                      payload_hash=hashlib.sha256(body).hexdigest())  # fmt: skip
    response = send(prepared)
    assert (response.status_code, error_code(response)) == (400, "BadDigest")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key=key)


def test_virtual_hosted_style(server: Server, bucket: str) -> None:
    client = boto3.client("s3", endpoint_url=f"http://localhost:{server.port}", aws_access_key_id=ROOT_USER,
                          aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "virtual"}))  # fmt: skip
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v"})
    assert url.startswith(f"http://{bucket}.localhost:")
    prepared = signed("PUT", f"http://127.0.0.1:{server.port}/v", b"vhost",
                      headers={"Host": f"{bucket}.localhost:{server.port}"},
                      payload_hash=hashlib.sha256(b"vhost").hexdigest())  # fmt: skip
    response = send(prepared)
    assert response.status_code == 200, response.text
    check = signed("GET", f"http://127.0.0.1:{server.port}/{bucket}/v",
                   payload_hash=hashlib.sha256(b"").hexdigest())  # fmt: skip
    assert send(check).content == b"vhost"
