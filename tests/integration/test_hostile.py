"""Hostile input: each is answered with AWS's error code and leaves the store unchanged."""

from __future__ import annotations

import hashlib
import socket
from urllib.parse import urlsplit

import pytest
import requests
from botocore.exceptions import ClientError

from .server import Server
from .test_auth import error_code, send, signed

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Delete><Object><Key>&lol3;</Key></Object></Delete>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>"""


def post_delete(server: Server, bucket: str, body: bytes) -> requests.Response:
    md5 = __import__("base64").b64encode(hashlib.md5(body).digest()).decode()
    return send(signed("POST", f"{server.endpoint}/{bucket}?delete", body, headers={"Content-MD5": md5}))


@pytest.mark.parametrize(
    "body",
    [b"<Delete><Object><Key>k</Key></Object>", b"not xml at all",
     b"<Wrong><Object><Key>k</Key></Object></Wrong>", b"", BILLION_LAUGHS, EXTERNAL_ENTITY,
     b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>"],
    ids=["truncated", "garbage", "wrong-root", "empty", "entity-expansion", "external-entity", "1001-keys"],
)  # fmt: skip
def test_malformed_delete_objects_xml(server: Server, s3, bucket: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"keep me")
    response = post_delete(server, bucket, body)
    assert (response.status_code, error_code(response)) == (400, "MalformedXML")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"keep me"


def test_oversized_xml_body(server: Server, s3, bucket: str) -> None:
    body = b"<Delete>" + b" " * (3 * 1024 * 1024) + b"</Delete>"
    response = post_delete(server, bucket, body)
    assert response.status_code == 400
    assert error_code(response) in ("MaxMessageLengthExceeded", "MalformedXML")


def test_malformed_complete_multipart_xml(server: Server, s3, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"part")
    url = f"{server.endpoint}/{bucket}/mp?uploadId={upload_id}"
    response = send(signed("POST", url, b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber>"))
    assert (response.status_code, error_code(response)) == (400, "MalformedXML")
    assert len(s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]) == 1
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="mp")


def test_malformed_create_bucket_xml(server: Server, s3) -> None:
    response = send(signed("PUT", f"{server.endpoint}/hostile-create", b"<CreateBucketConfiguration><Loc"))
    assert (response.status_code, error_code(response)) == (400, "MalformedXML")
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket="hostile-create")


def test_body_shorter_than_content_length(server: Server, s3, bucket: str) -> None:
    prepared = signed("PUT", f"{server.endpoint}/{bucket}/short", b"x" * 100, payload_hash="UNSIGNED-PAYLOAD")
    parts = urlsplit(prepared.url or "")
    head = f"PUT {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in prepared.headers.items())
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + b"x" * 50)
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="short")


def test_missing_content_length_on_put(server: Server, s3, bucket: str) -> None:
    prepared = signed("PUT", f"{server.endpoint}/{bucket}/nolen", b"", payload_hash="UNSIGNED-PAYLOAD")
    parts = urlsplit(prepared.url or "")
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    head = f"PUT {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode())
        reply = b""
        while b"</Error>" not in reply and (chunk := sock.recv(65536)):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 411")
    assert b"MissingContentLength" in reply


def test_internal_errors_never_leak_tracebacks(server: Server, bucket: str) -> None:
    response = send(signed("GET", f"{server.endpoint}/{bucket}?list-type=2&max-keys=notanumber"))
    assert (response.status_code, error_code(response)) == (400, "InvalidArgument")
    assert "Traceback" not in response.text
