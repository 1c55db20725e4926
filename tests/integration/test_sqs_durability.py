"""Queue state survives restarts and SIGKILL: what a send acknowledged is never lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.config import Config

from .conftest import sqs_client_for
from .server import Server, free_port


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data", free_port()).start()
    yield srv
    srv.stop()


def drain(sqs, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    bodies: list[str] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages"
    ):
        bodies += [m["Body"] for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    return bodies


def test_queues_and_messages_survive_a_restart(own_server: Server) -> None:
    sqs = sqs_client_for(own_server)
    url = sqs.create_queue(QueueName="keep", Attributes={"VisibilityTimeout": "2"}, tags={"t": "1"})[
        "QueueUrl"
    ]  # type: ignore[attr-defined]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)])  # type: ignore[attr-defined]
    in_flight = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]  # type: ignore[attr-defined]
    own_server.stop()
    own_server.start()
    sqs = sqs_client_for(own_server)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]  # type: ignore[attr-defined]
    assert attrs["VisibilityTimeout"] == "2"
    assert (
        attrs["ApproximateNumberOfMessages"] == "3" and attrs["ApproximateNumberOfMessagesNotVisible"] == "2"
    )
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"t": "1"}  # type: ignore[attr-defined]
    time.sleep(2)
    assert sorted(drain(sqs, url)) == [f"m{i}" for i in range(5)]
    assert {m["Body"] for m in in_flight} <= {f"m{i}" for i in range(5)}


def test_acknowledged_sends_survive_sigkill(own_server: Server) -> None:
    config = Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
    url = sqs_client_for(own_server).create_queue(QueueName="crash")["QueueUrl"]  # type: ignore[attr-defined]
    acked: list[str] = []
    stop = threading.Event()

    def sender(worker: int) -> None:
        client = sqs_client_for(own_server, config=config)
        n = 0
        while not stop.is_set():
            n += 1
            body = f"w{worker}-{n}"
            try:
                client.send_message(QueueUrl=url, MessageBody=body)  # type: ignore[attr-defined]
            except Exception:
                return
            acked.append(body)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    own_server.kill()
    stop.set()
    for thread in threads:
        thread.join()
    assert acked
    own_server.start()
    received = drain(sqs_client_for(own_server), url)
    assert set(acked) <= set(received)
    assert len(received) == len(set(received))
