"""SQS message actions through boto3 (JSON protocol) against a real `aerostore serve`."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import sqs_client_for
from .server import Server


def md5_of_attributes(attributes: dict[str, dict[str, object]]) -> str:
    """The SDKs' own recomputation (as botocore hands values back: binary as bytes)."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type = str(value["DataType"])
        binary = data_type.startswith("Binary")
        raw = value["BinaryValue"] if binary else str(value["StringValue"]).encode()
        assert isinstance(raw, bytes)
        for part in (name.encode(), data_type.encode()):
            digest.update(struct.pack(">I", len(part)) + part)
        digest.update(bytes([2 if binary else 1]) + struct.pack(">I", len(raw)) + raw)
    return digest.hexdigest()


def receive_one(sqs, url: str, **kwargs: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    messages = sqs.receive_message(QueueUrl=url, **{"WaitTimeSeconds": 2, **kwargs}).get("Messages", [])
    assert len(messages) == 1, messages
    return messages[0]  # type: ignore[no-any-return]


ATTRIBUTES = {
    "color": {"DataType": "String", "StringValue": "blue ünïcode"},
    "count": {"DataType": "Number", "StringValue": "-12.5"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffbinary"},
    "kind.custom": {"DataType": "String.custom", "StringValue": "x"},
}


def test_send_and_receive_with_attributes_and_digests(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    body = "héllo wörld 🎉"
    sent = sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=ATTRIBUTES)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(ATTRIBUTES)  # type: ignore[arg-type]
    got = receive_one(sqs, queue_url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])
    assert (got["MessageId"], got["Body"], got["MD5OfBody"]) == (
        sent["MessageId"],
        body,
        sent["MD5OfMessageBody"],
    )
    assert got["MessageAttributes"] == ATTRIBUTES
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    system = got["Attributes"]
    assert isinstance(system, dict)
    assert system["ApproximateReceiveCount"] == "1" and system["SenderId"]
    assert abs(int(system["SentTimestamp"]) / 1000 - time.time()) < 60
    assert int(system["ApproximateFirstReceiveTimestamp"]) >= int(system["SentTimestamp"])


def test_receive_selects_attributes_by_name_and_prefix(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message(QueueUrl=queue_url, MessageBody="x", MessageAttributes=ATTRIBUTES)
    got = receive_one(
        sqs, queue_url, MessageAttributeNames=["kind.*", "color"], AttributeNames=["SentTimestamp"]
    )
    assert set(got["MessageAttributes"]) == {"kind.custom", "color"}  # type: ignore[arg-type]
    selected = {k: ATTRIBUTES[k] for k in ("kind.custom", "color")}
    assert got["MD5OfMessageAttributes"] == md5_of_attributes(selected)  # type: ignore[arg-type]
    assert set(got["Attributes"]) == {"SentTimestamp"}  # type: ignore[arg-type]


def test_receive_without_names_returns_no_attributes(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message(QueueUrl=queue_url, MessageBody="x", MessageAttributes=ATTRIBUTES)
    got = receive_one(sqs, queue_url)
    assert "MessageAttributes" not in got and "Attributes" not in got and "MD5OfMessageAttributes" not in got


def test_unacknowledged_message_reappears_after_visibility_timeout(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message(QueueUrl=queue_url, MessageBody="again")
    first = receive_one(sqs, queue_url, VisibilityTimeout=1)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)
    second = receive_one(sqs, queue_url, AttributeNames=["ApproximateReceiveCount"])
    assert second["MessageId"] == first["MessageId"] and second["ReceiptHandle"] != first["ReceiptHandle"]
    assert second["Attributes"] == {"ApproximateReceiveCount": "2"}


def test_delete_with_stale_handle_succeeds_but_keeps_the_message(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message(QueueUrl=queue_url, MessageBody="x")
    first = receive_one(sqs, queue_url, VisibilityTimeout=1)
    second = receive_one(sqs, queue_url, VisibilityTimeout=1)
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=first["ReceiptHandle"])
    third = receive_one(sqs, queue_url)
    assert third["MessageId"] == second["MessageId"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=third["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)


def test_delete_with_garbage_handle(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid) as exc:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle="not-a-handle")
    assert exc.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"


def test_change_message_visibility(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message(QueueUrl=queue_url, MessageBody="x")
    got = receive_one(sqs, queue_url, VisibilityTimeout=30)
    sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=got["ReceiptHandle"], VisibilityTimeout=0)
    again = receive_one(sqs, queue_url)
    assert again["MessageId"] == got["MessageId"]
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=got["ReceiptHandle"], VisibilityTimeout=5
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_delay_seconds_per_message(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message(QueueUrl=queue_url, MessageBody="late", DelaySeconds=2)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)
    started = time.monotonic()
    got = receive_one(sqs, queue_url, WaitTimeSeconds=5)
    assert got["Body"] == "late" and 0.5 < time.monotonic() - started < 3.5


def test_long_poll_returns_when_a_message_arrives(sqs, server: Server, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    other = sqs_client_for(server)
    timer = threading.Timer(1.0, lambda: other.send_message(QueueUrl=queue_url, MessageBody="wake"))  # type: ignore[attr-defined]
    started = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)["Messages"]
    assert got[0]["Body"] == "wake" and time.monotonic() - started < 3


def test_long_poll_times_out_empty(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)
    assert 0.9 < time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"MaxNumberOfMessages": 11}, "InvalidParameterValue"),
        ({"WaitTimeSeconds": 21}, "InvalidParameterValue"),
        ({"VisibilityTimeout": 43201}, "InvalidParameterValue"),
    ],
    ids=["max-messages", "wait", "visibility"],
)
def test_receive_invalid_parameters(sqs, queue_url: str, kwargs: dict[str, int], code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=queue_url, **kwargs)
    assert exc.value.response["Error"]["Code"] == code


def test_send_invalid_contents_and_oversize(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=queue_url, MessageBody="bad\x00char")
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"MaximumMessageSize": "1024"})
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue_url, MessageBody="x" * 1025)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "1024 bytes" in exc.value.response["Error"]["Message"]


def test_send_invalid_message_attribute(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody="x",
            MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}},
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_send_message_batch_partial_failure(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    result = sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {
                "Id": "ok",
                "MessageBody": "fine",
                "MessageAttributes": {"a": {"DataType": "String", "StringValue": "b"}},
            },
            {"Id": "bad", "MessageBody": "nul\x00"},
            {"Id": "late", "MessageBody": "later", "DelaySeconds": 1},
        ],
    )
    assert {e["Id"] for e in result["Successful"]} == {"ok", "late"}
    ok = next(e for e in result["Successful"] if e["Id"] == "ok")
    assert ok["MD5OfMessageBody"] == hashlib.md5(b"fine").hexdigest() and "MD5OfMessageAttributes" in ok
    (failed,) = result["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == ("bad", "InvalidMessageContents", True)


@pytest.mark.parametrize(
    ("entries", "error"),
    [
        ([], "EmptyBatchRequest"),
        ([{"Id": str(i), "MessageBody": "x"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        (
            [{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}],
            "BatchEntryIdsNotDistinct",
        ),
        ([{"Id": "bad id!", "MessageBody": "x"}], "InvalidBatchEntryId"),
        (
            [{"Id": "a", "MessageBody": "x" * 600_000}, {"Id": "b", "MessageBody": "y" * 600_000}],
            "BatchRequestTooLong",
        ),
    ],
    ids=["empty", "too-many", "not-distinct", "bad-id", "too-long"],
)
def test_send_message_batch_request_errors(
    sqs, queue_url: str, entries: list[dict[str, object]], error: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(getattr(sqs.exceptions, error)) as exc:
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert exc.value.response["Error"]["Code"] == f"AWS.SimpleQueueService.{error}"


def test_delete_and_change_visibility_batches(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message_batch(
        QueueUrl=queue_url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(4)]
    )
    messages = []
    while len(messages) < 4:
        messages += sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)[
            "Messages"
        ]
    handles = [m["ReceiptHandle"] for m in messages]
    changed = sqs.change_message_visibility_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": "a", "ReceiptHandle": handles[0], "VisibilityTimeout": 0},
            {"Id": "b", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
        ],
    )
    assert [e["Id"] for e in changed["Successful"]] == ["a"]
    assert [(e["Id"], e["Code"]) for e in changed["Failed"]] == [("b", "ReceiptHandleIsInvalid")]
    deleted = sqs.delete_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": f"d{i}", "ReceiptHandle": h} for i, h in enumerate(handles[1:])]
        + [{"Id": "junk", "ReceiptHandle": "junk"}],
    )
    assert len(deleted["Successful"]) == 3 and deleted["Failed"][0]["Id"] == "junk"
    assert receive_one(sqs, queue_url)["MessageId"] == messages[0]["MessageId"]


def test_purge_queue(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.send_message_batch(QueueUrl=queue_url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(5)])
    sqs.purge_queue(QueueUrl=queue_url)
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_dead_letter_redrive(sqs) -> None:  # type: ignore[no-untyped-def]
    dlq = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    src = sqs.create_queue(
        QueueName=f"src-{uuid.uuid4().hex[:10]}",
        Attributes={"RedrivePolicy": policy, "VisibilityTimeout": "1"},
    )["QueueUrl"]
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        assert receive_one(sqs, src)["MessageId"] == sent["MessageId"]
    assert "Messages" not in sqs.receive_message(QueueUrl=src, WaitTimeSeconds=2)
    dead = receive_one(sqs, dlq, MessageSystemAttributeNames=["All"])
    assert dead["MessageId"] == sent["MessageId"] and dead["Body"] == "poison"
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == src_arn  # type: ignore[index]
    sqs.delete_queue(QueueUrl=src)
    sqs.delete_queue(QueueUrl=dlq)


def test_concurrent_receivers_get_each_message_once(sqs, server: Server, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, 100, 10):
        sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(start, start + 10)],
        )
    seen: list[str] = []
    lock = threading.Lock()

    def drain() -> None:
        client = sqs_client_for(server)
        while messages := client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):  # type: ignore[attr-defined]
            with lock:
                seen.extend(m["Body"] for m in messages)

    threads = [threading.Thread(target=drain) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen, key=int) == [str(i) for i in range(100)]


def test_binary_attribute_round_trips_exactly(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    data = bytes(range(256))
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody="b",
        MessageAttributes={"raw": {"DataType": "Binary", "BinaryValue": data}},
    )
    got = receive_one(sqs, queue_url, MessageAttributeNames=["raw"])
    assert got["MessageAttributes"]["raw"]["BinaryValue"] == data  # type: ignore[index]
    assert base64.b64encode(data)  # sanity: botocore decoded the base64 for us


# ---- FIFO ----


def test_fifo_queue_order_groups_and_deduplication(sqs) -> None:  # type: ignore[no-untyped-def]
    url = sqs.create_queue(
        QueueName=f"f-{uuid.uuid4().hex[:10]}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="a")
    duplicate = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="a")
    assert duplicate["MessageId"] == first["MessageId"] and first["SequenceNumber"]
    sqs.send_message(QueueUrl=url, MessageBody="a2", MessageGroupId="a")
    sqs.send_message(QueueUrl=url, MessageBody="b1", MessageGroupId="b", MessageDeduplicationId="d-b1")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == ["a1"] and got[0]["Attributes"]["MessageGroupId"] == "a"
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in rest] == ["b1"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]] == ["a2"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["FifoQueue"], attrs["ContentBasedDeduplication"]) == ("true", "true")
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert exc.value.response["Error"]["Code"] == "MissingParameter"
    sqs.delete_queue(QueueUrl=url)
