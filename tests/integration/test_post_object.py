"""PostObject: browser form uploads signed with POST policies (boto3's generate_presigned_post)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from botocore.config import Config

from .conftest import client_for
from .server import ROOT_PASSWORD, ROOT_USER, Server
from .test_notifications import receive


@pytest.fixture(scope="module")
def s3(server: Server) -> Any:
    """Presigned POSTs signed with SigV4 (boto3 signs them with SigV2 by default)."""
    return client_for(server, config=Config(signature_version="s3v4"))


def _post(s3: Any, bucket: str, key: str, file: bytes = b"hello", *, fields: dict[str, str] | None = None,
          conditions: list[Any] | None = None, expires: int = 300, extra: dict[str, str] | None = None,
          filename: str = "photo.jpg") -> requests.Response:  # fmt: skip
    post = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires)
    data = {**post["fields"], **(extra or {})}
    return requests.post(post["url"], data=data, files={"file": (filename, file)})


def _code(r: requests.Response) -> tuple[str, str]:
    root = ET.fromstring(r.content)
    return root.findtext("Code") or "", root.findtext("Message") or ""


def test_post_object_default_204(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    r = _post(s3, bucket, "a/photo.jpg", b"form bytes")
    assert r.status_code == 204, r.content
    assert r.headers["ETag"] == f'"{hashlib.md5(b"form bytes").hexdigest()}"'
    assert r.headers["Location"].endswith(f"/{bucket}/a/photo.jpg")
    assert s3.get_object(Bucket=bucket, Key="a/photo.jpg")["Body"].read() == b"form bytes"


def test_post_object_success_action_status_201(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    fields = {"success_action_status": "201"}
    r = _post(s3, bucket, "k", fields=fields, conditions=[fields])
    assert r.status_code == 201
    root = ET.fromstring(r.content)
    assert root.tag == "PostResponse"
    assert root.findtext("Bucket") == bucket and root.findtext("Key") == "k"
    assert root.findtext("ETag") == r.headers["ETag"]


def test_post_object_success_action_status_200(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    fields = {"success_action_status": "200"}
    r = _post(s3, bucket, "k", fields=fields, conditions=[fields])
    assert r.status_code == 200 and r.content == b""


def test_post_object_success_action_redirect(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    fields = {"success_action_redirect": "http://localhost:5173/done"}
    post = s3.generate_presigned_post(bucket, "k", Fields=fields, Conditions=[fields])
    r = requests.post(post["url"], data=post["fields"], files={"file": b"x"}, allow_redirects=False)
    assert r.status_code == 303
    etag = hashlib.md5(b"x").hexdigest()
    assert r.headers["Location"] == f"http://localhost:5173/done?bucket={bucket}&key=k&etag=%22{etag}%22"


def test_post_object_filename_variable(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    r = _post(s3, bucket, "uploads/${filename}", filename="wing.png")
    assert r.status_code == 204, r.content
    assert s3.get_object(Bucket=bucket, Key="uploads/wing.png")["Body"].read() == b"hello"


def test_post_object_metadata_and_content_type(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    fields = {"Content-Type": "image/jpeg", "x-amz-meta-aircraft": "F-GKXA", "Cache-Control": "max-age=60"}
    conditions: list[Any] = [{"x-amz-meta-aircraft": "F-GKXA"}, ["starts-with", "$Content-Type", "image/"],
                             {"Cache-Control": "max-age=60"}]  # fmt: skip
    r = _post(s3, bucket, "k", fields=fields, conditions=conditions)
    assert r.status_code == 204, r.content
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["ContentType"] == "image/jpeg"
    assert head["Metadata"] == {"aircraft": "F-GKXA"}
    assert head["CacheControl"] == "max-age=60"


def test_post_object_tagging(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    tagging = "<Tagging><TagSet><Tag><Key>src</Key><Value>browser</Value></Tag></TagSet></Tagging>"
    r = _post(s3, bucket, "k", fields={"tagging": tagging}, conditions=[{"tagging": tagging}])
    assert r.status_code == 204, r.content
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "src", "Value": "browser"}]


def test_post_object_checksum_field(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    good = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()
    fields = {"x-amz-checksum-sha256": good}
    r = _post(s3, bucket, "k", fields=fields, conditions=[fields])
    assert r.status_code == 204, r.content
    assert s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")["ChecksumSHA256"] == good
    bad = {"x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(b"other").digest()).decode()}
    r = _post(s3, bucket, "k2", fields=bad, conditions=[bad])
    assert r.status_code == 400 and _code(r)[0] == "BadDigest"


@pytest.mark.parametrize(
    ("conditions", "extra", "condition"),
    [
        ([["starts-with", "$key", "uploads/"]], {}, '["starts-with", "$key", "uploads/"]'),
        ([{"Content-Type": "image/png"}], {"Content-Type": "text/html"},
         '["eq", "$content-type", "image/png"]'),
        ([["starts-with", "$Content-Type", "image/"]], {"Content-Type": "text/html"},
         '["starts-with", "$content-type", "image/"]'),
        ([{"x-amz-meta-aircraft": "F-GKXA"}], {}, '["eq", "$x-amz-meta-aircraft", "F-GKXA"]'),
        ([{"bucket": "another-bucket"}], {}, '["eq", "$bucket", "another-bucket"]'),
    ],
    ids=["key-prefix", "content-type-eq", "content-type-prefix", "missing-meta", "bucket"],
)  # fmt: skip
def test_post_object_condition_failed(s3, bucket: str, conditions: list[Any], extra: dict[str, str],
                                      condition: str) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    r = _post(s3, bucket, "elsewhere/k", conditions=conditions, extra=extra)
    assert r.status_code == 403
    assert _code(r) == ("AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_post_object_extra_field(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    r = _post(s3, bucket, "k", extra={"x-amz-meta-sneaky": "1", "x-ignore-this": "ok"})
    assert r.status_code == 403
    assert _code(r) == ("AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky")


def test_post_object_expired_policy(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    r = _post(s3, bucket, "k", expires=-60)
    assert r.status_code == 403
    assert _code(r) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_post_object_bad_signature(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    post = s3.generate_presigned_post(bucket, "k")
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    fields = {**post["fields"], "x-amz-signature": "0" * 64}
    r = requests.post(post["url"], data=fields, files={"file": b"x"})
    assert r.status_code == 403 and _code(r)[0] == "SignatureDoesNotMatch"


def test_post_object_unknown_access_key(s3, server: Server, bucket: str) -> None:  # type: ignore[no-untyped-def]
    import boto3

    other = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id="NOSUCHKEY",
                         aws_secret_access_key="x" * 20, region_name="us-east-1",
                         config=Config(signature_version="s3v4"))  # fmt: skip
    post = other.generate_presigned_post(bucket, "k")
    r = requests.post(post["url"], data=post["fields"], files={"file": b"x"})
    assert r.status_code == 403 and _code(r)[0] == "InvalidAccessKeyId"


@pytest.mark.parametrize(("size", "code"), [(11, "EntityTooLarge"), (4, "EntityTooSmall")])
def test_post_object_content_length_range(s3, bucket: str, size: int, code: str) -> None:  # type: ignore[no-untyped-def]
    r = _post(s3, bucket, "k", b"x" * size, conditions=[["content-length-range", 5, 10]])
    assert r.status_code == 400 and _code(r)[0] == code
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_post_object_without_policy_is_anonymous(server: Server, bucket: str) -> None:
    r = requests.post(f"{server.endpoint}/{bucket}", data={"key": "k"}, files={"file": b"x"})
    assert r.status_code == 403 and _code(r)[0] == "AccessDenied"


def test_post_object_missing_key_and_file(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    post = s3.generate_presigned_post(bucket, "k")
    fields = {n: v for n, v in post["fields"].items() if n != "key"}
    r = requests.post(post["url"], data=fields, files={"file": b"x"})
    assert r.status_code == 400 and _code(r)[0] == "InvalidArgument"
    r = requests.post(post["url"], data=post["fields"], files={"other": ("x", b"x")})
    assert r.status_code == 400 and "exactly one file" in _code(r)[1]


def test_post_object_sigv2_by_hand(server: Server, s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    document = {"expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "conditions": [{"bucket": bucket}, ["starts-with", "$key", "v2/"]]}  # fmt: skip
    policy = base64.b64encode(json.dumps(document).encode())
    signature = base64.b64encode(hmac.new(ROOT_PASSWORD.encode(), policy, hashlib.sha1).digest())
    data = {"key": "v2/k", "AWSAccessKeyId": ROOT_USER, "policy": policy, "signature": signature}
    r = requests.post(f"{server.endpoint}/{bucket}", data=data, files={"file": b"v2"})
    assert r.status_code == 204, r.content
    assert s3.get_object(Bucket=bucket, Key="v2/k")["Body"].read() == b"v2"


def test_post_object_boto3_default_sigv2(server: Server, bucket: str) -> None:
    post = client_for(server).generate_presigned_post(bucket, "k")  # type: ignore[attr-defined]
    assert "signature" in post["fields"]
    assert requests.post(post["url"], data=post["fields"], files={"file": b"x"}).status_code == 204


def test_post_object_large_file_streamed(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    data = uuid.uuid4().bytes * (20 * 1024 * 1024 // 16)
    r = _post(s3, bucket, "big", data, conditions=[["content-length-range", 0, 32 * 1024 * 1024]])
    assert r.status_code == 204, r.content
    assert r.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == len(data)


def test_post_object_event_is_object_created_post(s3, sqs, bucket: str, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    config = {"QueueConfigurations": [{"Id": "post", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    receive(sqs, queue_url, 1)  # the s3:TestEvent
    assert _post(s3, bucket, "evented").status_code == 204
    deadline, records = time.monotonic() + 10, []
    while not records and time.monotonic() < deadline:
        records = [b["Records"][0] for b in receive(sqs, queue_url, 1, wait=2) if "Records" in b]
    assert records[0]["eventName"] == "ObjectCreated:Post"
    assert records[0]["s3"]["object"]["key"] == "evented"
    assert records[0]["userIdentity"]["principalId"] == ROOT_USER
