"""The whole cold path through a running server: a lifecycle rule archives an object, GET refuses
it, RestoreObject brings back the same bytes for a while, then the object is cold again.

Each step is announced by its event (s3:LifecycleTransition, s3:ObjectRestore:Post, :Completed,
:Delete) in an embedded queue. The lifecycle day lasts 2 s; an Expedited restore takes no time.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

DAY = 2.0
BODY = bytes(range(256)) * 4096  # 1 MiB: stored as a blob file, not inline


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("lc-archive")
    config = base / "aerostore.toml"
    config.write_text("[archive]\nrestore_delay_expedited = 0\n")
    args = ["--lifecycle-day-seconds", str(DAY), "--config", str(config)]
    server = Server(base / "data", free_port(), extra_args=args).start()
    yield server
    server.stop()


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return result


def get_error(s3: Any, bucket: str, key: str) -> str | None:
    try:
        s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return None


def archive_files(data_dir: Path) -> list[Path]:
    root = data_dir / "archive"
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]


def test_transition_restore_and_cold_again(srv: Server) -> None:
    s3, sqs = (boto3.client(service, endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                            aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1")
               for service in ("s3", "sqs"))  # fmt: skip
    bucket = f"cold-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    queue = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:LifecycleTransition", "s3:ObjectRestore:*"]}]
    })  # fmt: skip
    s3.put_object(Bucket=bucket, Key="logs/old.parquet", Body=BODY)
    s3.put_object(Bucket=bucket, Key="keep/new.parquet", Body=b"stays hot")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "archive-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
    ]})  # fmt: skip

    wait_for(lambda: s3.head_object(Bucket=bucket, Key="logs/old.parquet").get("StorageClass") == "GLACIER")
    assert get_error(s3, bucket, "logs/old.parquet") == "InvalidObjectState"
    assert s3.get_object(Bucket=bucket, Key="keep/new.parquet")["Body"].read() == b"stays hot"
    head = s3.head_object(Bucket=bucket, Key="logs/old.parquet")
    assert head["ContentLength"] == len(BODY) and "Restore" not in head
    assert len(archive_files(srv.data_dir)) == 1  # the bytes left the hot store for the archive tier

    s3.delete_bucket_lifecycle(Bucket=bucket)
    request = {"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}}
    answer = s3.restore_object(Bucket=bucket, Key="logs/old.parquet", RestoreRequest=request)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    wait_for(lambda: 'ongoing-request="false"' in s3.head_object(Bucket=bucket, Key="logs/old.parquet").get(
        "Restore", ""))  # fmt: skip
    got = s3.get_object(Bucket=bucket, Key="logs/old.parquet")
    assert hashlib.sha256(got["Body"].read()).digest() == hashlib.sha256(BODY).digest()
    assert got["StorageClass"] == "GLACIER"  # a restore is a temporary copy: the class stays

    # The copy expires a lifecycle day after the restore completed (rounded up to "midnight").
    cold = lambda: "Restore" not in s3.head_object(Bucket=bucket, Key="logs/old.parquet")  # noqa: E731
    wait_for(cold, timeout=4 * DAY + 10)
    assert get_error(s3, bucket, "logs/old.parquet") == "InvalidObjectState"
    assert len(archive_files(srv.data_dir)) == 1  # still archived, once

    names: list[str] = []

    def received() -> bool:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in got.get("Messages", []):
            names.extend(r["eventName"] for r in json.loads(m["Body"]).get("Records", []))
        return len(names) >= 4

    wait_for(received)
    assert names == ["LifecycleTransition", "ObjectRestore:Post", "ObjectRestore:Completed",
                     "ObjectRestore:Delete"]  # fmt: skip
