"""SIGKILL during a burst of PUTs: after restart, the events delivered are exactly the committed changes.

Every acknowledged PUT has its event (nothing lost); every event names an object that exists
(nothing invented for a change that did not commit). A PUT cut off by the kill may have
committed or not; either way its event matches what the bucket holds.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.config import Config

from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

CLIENTS = 12


def clients(srv: Server):  # type: ignore[no-untyped-def]
    config = Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
    common = dict(endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER, aws_secret_access_key=ROOT_PASSWORD,
                  region_name="us-east-1", config=config)  # fmt: skip
    return boto3.client("s3", **common), boto3.client("sqs", **common)


def writer(srv: Server, worker: int, acked: set[str], stop: threading.Event) -> None:
    s3, _ = clients(srv)
    n = 0
    while not stop.is_set():
        n += 1
        key = f"w{worker}/img {n}+.jpg"  # spaces and plus signs: the encoding must round-trip
        try:
            s3.put_object(Bucket="burst", Key=key, Body=key.encode() * (1 + n % 50))
            acked.add(key)
        except Exception:
            if stop.is_set():
                return
            time.sleep(0.05)


def drain(sqs, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every object key in the queue's events (deleted as read), until it stays empty."""
    keys: list[str] = []
    empty = 0
    while empty < 2:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = got.get("Messages", [])
        empty = 0 if messages else empty + 1
        for m in messages:
            body = json.loads(m["Body"])
            if "Records" in body:
                keys.append(unquote_plus(body["Records"][0]["s3"]["object"]["key"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return keys


@pytest.mark.slow
def test_sigkill_during_put_burst_events_match_committed_changes(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", free_port()).start()
    s3, sqs = clients(srv)
    s3.create_bucket(Bucket="burst")
    url = sqs.create_queue(QueueName="burst-events")["QueueUrl"]
    arn = "arn:aws:sqs:us-east-1:000000000000:burst-events"
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket="burst", NotificationConfiguration=config)
    acked: set[str] = set()
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(srv, i, acked, stop)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(3)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) > 100, "the load never got going"
    srv.start()
    try:
        s3, sqs = clients(srv)
        delivered = drain(sqs, url)
        stored = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="burst")
                  for o in page.get("Contents", [])}  # fmt: skip
        assert acked <= stored, "an acknowledged PUT was lost"
        assert set(delivered) == stored, "events differ from the committed changes"
        assert len(delivered) == len(set(delivered)), "the embedded queue got an event twice"
    finally:
        srv.stop()
