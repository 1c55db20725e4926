"""`aerostore worker images` as its own process, pointed at a server only through S3 and SQS URLs.

Each test builds its own lane (a source bucket, a queue fed by its notifications, a versioned
processed bucket), so nothing else consumes the queue and any duplicate write would show as
an extra version.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import empty_bucket
from .imaging import jpeg, queue_empty, versions, wait_for, wait_row
from .server import ROOT_PASSWORD, ROOT_USER, Server

ACCOUNT_ARN = "arn:aws:sqs:us-east-1:000000000000:"


@dataclass
class Lane:
    raw: str
    processed: str
    queue_url: str
    index: Path


@pytest.fixture
def make_lane(s3: Any, sqs: Any, tmp_path: Path) -> Iterator[Callable[..., Lane]]:
    """Lanes whose uploads go to a fresh queue created with the given attributes; removed afterwards."""
    made: list[Lane] = []

    def make(**attributes: str) -> Lane:
        name = uuid.uuid4().hex[:12]
        raw, processed = f"lane-raw-{name}", f"lane-out-{name}"
        for bucket in (raw, processed):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=processed, VersioningConfiguration={"Status": "Enabled"})
        url = sqs.create_queue(QueueName=f"lane-{name}", Attributes=attributes)["QueueUrl"]
        target = {"QueueArn": ACCOUNT_ARN + f"lane-{name}", "Events": ["s3:ObjectCreated:*"]}
        s3.put_bucket_notification_configuration(
            Bucket=raw, NotificationConfiguration={"QueueConfigurations": [target]}
        )
        made.append(Lane(raw, processed, url, tmp_path / "media.sqlite3"))
        return made[-1]

    yield make
    for lane in made:
        sqs.delete_queue(QueueUrl=lane.queue_url)
        for bucket in (lane.raw, lane.processed):
            empty_bucket(s3, bucket)


def start_worker(
    server: Server, lane: Lane, *extra: str, processed: str | None = None
) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "aerostore",
        "worker",
        "images",
        "--queue-url",
        lane.queue_url,
        "--s3-endpoint",
        server.endpoint,
        "--processed-bucket",
        processed or lane.processed,
        "--index",
        str(lane.index),
        "--wait-seconds",
        "1",
        *extra,
    ]
    env = server.env() | {
        "AWS_ACCESS_KEY_ID": ROOT_USER,
        "AWS_SECRET_ACCESS_KEY": ROOT_PASSWORD,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(lane.index.parent / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(lane.index.parent / "no-creds"),
    }
    log = open(lane.index.parent / "worker.log", "ab")  # noqa: SIM115 - owned by the child process
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(30)


def in_flight(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"])


def test_worker_killed_mid_processing_finishes_once_after_restart(
    server: Server, s3: Any, sqs: Any, make_lane: Callable[..., Lane]
) -> None:
    lane = make_lane(VisibilityTimeout="3")
    keys = [f"aircraft/N{100 + i}AB/shot.jpg" for i in range(3)]
    for i, key in enumerate(keys):
        s3.put_object(Bucket=lane.raw, Key=key, Body=jpeg(4000, 3000, seed=100 + i))  # 12 MP
    worker = start_worker(server, lane, "--concurrency", "1")

    def holding_a_message_after_some_output() -> bool:
        written = len(versions(s3, lane.processed))
        return 0 < written < 21 and in_flight(sqs, lane.queue_url) > 0

    wait_for(holding_a_message_after_some_output, 60, "the worker to hold a message after writing something")
    worker.kill()
    worker.wait()
    assert len(versions(s3, lane.processed)) < 21, "killed too late: everything was written"
    worker = start_worker(server, lane, "--concurrency", "2")
    try:
        rows = [wait_row(lane.index, key, "processed", timeout=60) for key in keys]
        wait_for(lambda: queue_empty(sqs, lane.queue_url), 30, "the queue to drain")
    finally:
        assert stop(worker) == 0
    stored = versions(s3, lane.processed)
    assert (
        len(stored) == 21 and len({key for key, _ in stored}) == 21
    )  # 3 x (6 renditions + manifest), once each
    assert {key for key, _ in stored} == {k for row in rows for k in (*row.outputs, row.manifest_key)}


def test_upload_over_max_bytes_is_refused_before_it_is_read(
    server: Server, s3: Any, sqs: Any, make_lane: Callable[..., Lane]
) -> None:
    lane = make_lane()
    worker = start_worker(server, lane, "--max-bytes", "10000")
    try:
        s3.put_object(Bucket=lane.raw, Key="big.jpg", Body=jpeg(1200, 900, seed=5))
        row = wait_row(lane.index, "big.jpg", "rejected")
        wait_for(lambda: queue_empty(sqs, lane.queue_url), 30, "the queue to drain")
    finally:
        assert stop(worker) == 0
    assert row.reason == "too-large" and row.sha256 == ""  # never downloaded, so never hashed
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=lane.raw, Key="big.jpg")["TagSet"]}
    assert tags == {"aerostore-status": "rejected", "aerostore-reason": "too-large"}


@pytest.fixture
def dead_letters(sqs: Any) -> Iterator[tuple[str, str]]:
    name = f"lane-dlq-{uuid.uuid4().hex[:12]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    yield url, ACCOUNT_ARN + name
    sqs.delete_queue(QueueUrl=url)


def test_message_that_keeps_failing_ends_in_the_dead_letter_queue_with_its_reason(
    server: Server, s3: Any, sqs: Any, make_lane: Callable[..., Lane], dead_letters: tuple[str, str]
) -> None:
    lane = make_lane()
    dlq_url, dlq_arn = dead_letters
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    sqs.set_queue_attributes(
        QueueUrl=lane.queue_url, Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": "1"}
    )
    worker = start_worker(server, lane, processed=f"no-such-bucket-{uuid.uuid4().hex[:8]}")
    try:
        s3.put_object(Bucket=lane.raw, Key="aircraft/D-AIMA/doomed.jpg", Body=jpeg(600, 400, seed=9))
        wait_for(lambda: not queue_empty(sqs, dlq_url), 60, "the dead-letter queue to get the message")
    finally:
        assert stop(worker) == 0
    row = wait_row(lane.index, "aircraft/D-AIMA/doomed.jpg", "failed")
    assert row.attempts == 2 and "NoSuchBucket" in (row.detail or "") and row.aircraft == "D-AIMA"
    tags = s3.get_object_tagging(Bucket=lane.raw, Key="aircraft/D-AIMA/doomed.jpg")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"aerostore-status": "failed", "aerostore-reason": "error"}
    [dead] = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)["Messages"]
    assert "doomed.jpg" in dead["Body"]
