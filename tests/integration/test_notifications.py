"""Bucket notifications through real clients: boto3's s3 client configures, its sqs client receives.

The record is compared field by field with the example in AWS's documentation
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .server import ROOT_PASSWORD, ROOT_USER, Server

REGION = "us-east-1"
ACCOUNT = "000000000000"

# AWS's documented example record, with the values that are by nature per-request left out.
AWS_EXAMPLE = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "awsRegion": str,
    "eventTime": str,
    "eventName": "ObjectCreated:Put",
    "userIdentity": {"principalId": str},
    "requestParameters": {"sourceIPAddress": str},
    "responseElements": {"x-amz-request-id": str, "x-amz-id-2": str},
    "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": str,
        "bucket": {"name": str, "ownerIdentity": {"principalId": str}, "arn": str},
        "object": {"key": str, "size": int, "eTag": str, "sequencer": str},
    },
}


def assert_shape(actual: Any, expected: Any, path: str = "") -> None:
    """Same keys at every level, each value the expected literal or of the expected type."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), f"{path}: {actual}"
        for key, value in expected.items():
            assert_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, type):
        assert isinstance(actual, expected), f"{path}: {actual!r}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


@pytest.fixture(scope="module")
def sqs(server: Server):  # type: ignore[no-untyped-def]
    return boto3.client("sqs", endpoint_url=server.endpoint, aws_access_key_id=ROOT_USER,
                        aws_secret_access_key=ROOT_PASSWORD, region_name=REGION)  # fmt: skip


@pytest.fixture
def queue(sqs) -> Any:  # type: ignore[no-untyped-def]
    name = f"events-{uuid.uuid4().hex[:12]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    yield url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    sqs.delete_queue(QueueUrl=url)


def receive(sqs, url: str, count: int, wait: float = 10.0) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """``count`` message bodies (deleted once read), or fewer if ``wait`` seconds pass."""
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while len(bodies) < count and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in got.get("Messages", []):
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def _config(arn: str, events: list[str], prefix: str = "", suffix: str = "", ident: str = "cfg",
            ) -> dict[str, Any]:  # fmt: skip
    q: dict[str, Any] = {"Id": ident, "QueueArn": arn, "Events": events}
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    if rules:
        q["Filter"] = {"Key": {"FilterRules": rules}}
    return {"QueueConfigurations": [q]}


def test_default_architecture_raw_uploads_to_image_processing(s3, sqs) -> None:  # type: ignore[no-untyped-def]
    url = sqs.get_queue_url(QueueName="image-processing")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":image-processing-dlq")
    assert int(redrive["maxReceiveCount"]) == 5
    key = f"uploads/{uuid.uuid4().hex}.jpg"
    put = s3.put_object(Bucket="raw-uploads", Key=key, Body=b"x" * 1024)
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not found and time.monotonic() < deadline:  # other tests may have left events there
        found = [b for b in receive(sqs, url, 10, wait=1) if b["Records"][0]["s3"]["object"]["key"] == key]
    assert len(found) == 1
    record = found[0]["Records"][0]
    assert_shape(record, AWS_EXAMPLE)
    assert record["awsRegion"] == REGION
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["eventTime"])
    assert record["userIdentity"]["principalId"] == ROOT_USER
    assert record["requestParameters"]["sourceIPAddress"] == "127.0.0.1"
    assert record["responseElements"]["x-amz-request-id"] == put["ResponseMetadata"]["RequestId"]
    assert record["responseElements"]["x-amz-id-2"] == put["ResponseMetadata"]["HostId"]
    assert record["s3"]["bucket"] | {"ownerIdentity": None} == {
        "name": "raw-uploads", "arn": "arn:aws:s3:::raw-uploads", "ownerIdentity": None}  # fmt: skip
    assert record["s3"]["object"]["size"] == 1024
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["configurationId"] == "raw-uploads-to-image-processing"


def test_configuration_round_trip_and_test_event(s3, sqs, bucket, queue) -> None:  # type: ignore[no-untyped-def]
    url, arn = queue
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    config = _config(arn, ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], prefix="in/", suffix=".jpg")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    [q] = got["QueueConfigurations"]
    assert q["Id"] == "cfg" and q["QueueArn"] == arn
    assert q["Events"] == ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"]
    rules = {r["Name"]: r["Value"] for r in q["Filter"]["Key"]["FilterRules"]}
    assert rules == {"Prefix": "in/", "Suffix": ".jpg"}  # capitalised on the way out, as AWS
    [test_event] = receive(sqs, url, 1)
    assert test_event["Event"] == "s3:TestEvent" and test_event["Bucket"] == bucket
    assert test_event["Service"] == "Amazon S3"


def test_filters_and_event_types(s3, sqs, bucket, queue) -> None:  # type: ignore[no-untyped-def]
    url, arn = queue
    config = _config(arn, ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"], prefix="in/", suffix=".jpg")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    receive(sqs, url, 1)  # the test event
    for key in ("in/a.jpg", "in/a.png", "out/a.jpg"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    s3.copy_object(Bucket=bucket, Key="in/copy.jpg", CopySource={"Bucket": bucket, "Key": "in/a.jpg"})
    s3.delete_object(Bucket=bucket, Key="in/a.jpg")
    bodies = receive(sqs, url, 2)
    assert receive(sqs, url, 1, wait=1.5) == []  # the copy is ObjectCreated:Copy, not configured
    names = [(b["Records"][0]["eventName"], b["Records"][0]["s3"]["object"]["key"]) for b in bodies]
    assert names == [("ObjectCreated:Put", "in/a.jpg"), ("ObjectRemoved:Delete", "in/a.jpg")]


def test_key_is_form_encoded_as_aws_does(s3, sqs, bucket, queue) -> None:  # type: ignore[no-untyped-def]
    url, arn = queue
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=_config(arn, ["s3:ObjectCreated:*"])
    )
    receive(sqs, url, 1)
    s3.put_object(Bucket=bucket, Key="dir/red flower+1 ü.jpg", Body=b"1")
    [body] = receive(sqs, url, 1)
    assert body["Records"][0]["s3"]["object"]["key"] == "dir/red+flower%2B1+%C3%BC.jpg"


def test_versioned_events_carry_version_ids(s3, sqs, bucket, queue) -> None:  # type: ignore[no-untyped-def]
    url, arn = queue
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=_config(arn, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])
    )
    receive(sqs, url, 1)
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    marker = s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_object(Bucket=bucket, Key="k", VersionId=put["VersionId"])
    objects = [(b["Records"][0]["eventName"], b["Records"][0]["s3"]["object"]) for b in receive(sqs, url, 3)]
    assert [(name, o["versionId"]) for name, o in objects] == [
        ("ObjectCreated:Put", put["VersionId"]),
        ("ObjectRemoved:DeleteMarkerCreated", marker["VersionId"]),
        ("ObjectRemoved:Delete", put["VersionId"]),
    ]
    sequencers = [o["sequencer"] for _, o in objects]
    assert sequencers == sorted(sequencers)


def test_multipart_and_tagging_events(s3, sqs, bucket, queue) -> None:  # type: ignore[no-untyped-def]
    url, arn = queue
    config = _config(arn, ["s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectTagging:*"])
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    receive(sqs, url, 1)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p" * 100)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts)
    s3.put_object_tagging(Bucket=bucket, Key="mp", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="mp")
    records = [b["Records"][0] for b in receive(sqs, url, 3)]
    assert [r["eventName"] for r in records] == [
        "ObjectCreated:CompleteMultipartUpload", "ObjectTagging:Put", "ObjectTagging:Delete"]  # fmt: skip
    assert records[0]["s3"]["object"]["eTag"] == done["ETag"].strip('"')
    assert records[0]["s3"]["object"]["size"] == 100


TOPIC = {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Events": ["s3:ObjectCreated:*"]}
LAMBDA = {"LambdaFunctionArn": "arn:aws:lambda:us-east-1:1:function:f", "Events": ["s3:ObjectCreated:*"]}
MISSING_QUEUE = "arn:aws:sqs:us-east-1:000000000000:no-such-queue"


def _two(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {"QueueConfigurations": first["QueueConfigurations"] + second["QueueConfigurations"]}


@pytest.mark.parametrize(
    "configuration",
    [
        _config(MISSING_QUEUE, ["s3:ObjectCreated:*"]),
        _config("arn:aerostore:sqs::nothere:webhook", ["s3:ObjectCreated:*"]),
        _config("not-an-arn", ["s3:ObjectCreated:*"]),
        _config("QUEUE", ["s3:ObjectCreated:Nope"]),
        {"TopicConfigurations": [TOPIC]},
        {"LambdaFunctionConfigurations": [LAMBDA]},
        # overlapping: both match ObjectCreated:Put on keys starting "ab"
        _two(_config("QUEUE", ["s3:ObjectCreated:*"], prefix="a"),
             _config("QUEUE", ["s3:ObjectCreated:Put"], prefix="ab", ident="two")),
    ],
    ids=["unknown-queue", "unknown-target", "bad-arn", "bad-event", "topic", "lambda", "overlap"],
)  # fmt: skip
def test_invalid_configurations_change_nothing(s3, bucket, queue, configuration) -> None:  # type: ignore[no-untyped-def]
    _, arn = queue
    text = json.dumps(configuration).replace('"QUEUE"', json.dumps(arn))
    with pytest.raises(ClientError) as info:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=json.loads(text))
    assert info.value.response["Error"]["Code"] == "InvalidArgument"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)


def test_empty_configuration_turns_notifications_off(s3, sqs, bucket, queue) -> None:  # type: ignore[no-untyped-def]
    url, arn = queue
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=_config(arn, ["s3:ObjectCreated:*"])
    )
    receive(sqs, url, 1)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    assert receive(sqs, url, 1, wait=1.5) == []


def test_no_such_bucket(s3) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        s3.get_bucket_notification_configuration(Bucket="no-such-bucket-here")
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
