"""SQS target against a moto_server subprocess (skipped when moto[server] is not installed)."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from aerostore.events.targets import Target, TargetError, load_targets

from ..server import free_port
from .proxy import TcpProxy
from .scenarios import TIMEOUT, down_hung_then_back, make_batch, unique

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None,
    reason="moto[server] is not installed",
)

KEYS = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="module")
def moto_port() -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except requests.RequestException:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def sqs(moto_port: int) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def sqs_target(port: int, queue_url: str) -> Target:
    options = {"queue_url": queue_url, "endpoint": f"http://127.0.0.1:{port}", "timeout": TIMEOUT, **KEYS}
    return load_targets({"sqs": {"aws": options}})["arn:aerostore:sqs::aws:sqs"]


def receive_all(sqs: Any, queue_url: str) -> list[str]:
    bodies: list[str] = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [m["Body"] for m in messages]
    sqs.delete_queue(QueueUrl=queue_url)
    return bodies


def deliver_all(target: Target, *batches: list[Any]) -> None:
    async def scenario() -> None:
        for batch in batches:
            await target.deliver(batch)
        await target.close()

    asyncio.run(scenario())


def test_deliver_batch_sends_in_groups_of_ten(sqs: Any, moto_port: int) -> None:
    queue_url = sqs.create_queue(QueueName=unique("aerostore-test-"))["QueueUrl"]
    batch = make_batch(23)
    deliver_all(sqs_target(moto_port, queue_url), batch)
    assert sorted(receive_all(sqs, queue_url)) == sorted(d.body for d in batch)


def test_fifo_redelivery_is_deduplicated_by_event_id(sqs: Any, moto_port: int) -> None:
    name = unique("aerostore-test-") + ".fifo"
    queue_url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    batch = make_batch(5)
    deliver_all(sqs_target(moto_port, queue_url), batch[:3], batch)
    assert receive_all(sqs, queue_url) == [d.body for d in batch]


def test_missing_queue_is_not_accepted(moto_port: int) -> None:
    target = sqs_target(moto_port, f"http://127.0.0.1:{moto_port}/123456789012/{unique('missing-')}")

    async def scenario() -> None:
        with pytest.raises(TargetError, match="QueueDoesNotExist|NonExistentQueue"):
            await target.deliver(make_batch(1))
        await target.close()

    asyncio.run(scenario())


def test_sqs_down_then_back(sqs: Any, moto_port: int) -> None:
    queue_url = sqs.create_queue(QueueName=unique("aerostore-test-"))["QueueUrl"]

    async def scenario() -> list[str]:
        async with TcpProxy(moto_port) as proxy:
            target = sqs_target(proxy.port, queue_url)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return [d.body for d in expected]

    expected = asyncio.run(scenario())
    assert sorted(receive_all(sqs, queue_url)) == sorted(expected)
