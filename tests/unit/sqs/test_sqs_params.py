"""Parameter parsing: the query protocol's flattened form, receipt handles, names, attribute rules."""

from __future__ import annotations

from typing import Any

import pytest

from aerostore.sqs import attributes as qa
from aerostore.sqs import errors, names, protocol_query, receipts, validation
from aerostore.sqs.model import Queue


def rebuilt(flat: dict[str, str]) -> dict[str, Any]:
    return protocol_query._rebuild(flat)


def test_query_maps_and_lists_become_the_json_shape() -> None:
    params = rebuilt(
        {
            "QueueName": "q",
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "60",
            "Attribute.2.Name": "DelaySeconds",
            "Attribute.2.Value": "5",
            "Tag.1.Key": "team",
            "Tag.1.Value": "ops",
            "AttributeName.2": "b",
            "AttributeName.1": "a",
        }
    )
    assert params == {
        "QueueName": "q",
        "Attributes": {"VisibilityTimeout": "60", "DelaySeconds": "5"},
        "Tags": {"team": "ops"},
        "AttributeNames": ["a", "b"],
    }


def test_query_batch_entries_with_message_attributes() -> None:
    params = rebuilt(
        {
            "SendMessageBatchRequestEntry.1.Id": "one",
            "SendMessageBatchRequestEntry.1.MessageBody": "body",
            "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "color",
            "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "String",
            "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "red",
            "SendMessageBatchRequestEntry.10.Id": "ten",
            "SendMessageBatchRequestEntry.10.MessageBody": "x",
        }
    )
    assert params["Entries"] == [
        {
            "Id": "one",
            "MessageBody": "body",
            "MessageAttributes": {"color": {"DataType": "String", "StringValue": "red"}},
        },
        {"Id": "ten", "MessageBody": "x"},
    ]


def test_query_result_renders_flattened_xml() -> None:
    attributes = {"k": {"StringValue": "v", "DataType": "String"}}
    message = {"MessageId": "m", "Body": "a<b\r", "Attributes": {"SenderId": "s"}}
    message["MessageAttributes"] = attributes
    result = {"Messages": [message]}
    body = protocol_query.render("ReceiveMessage", result, "rid").body
    assert isinstance(body, bytes)
    text = body.decode()
    assert "<ReceiveMessageResult><Message><MessageId>m</MessageId><Body>a&lt;b&#xD;</Body>" in text
    assert "<Attribute><Name>SenderId</Name><Value>s</Value></Attribute>" in text
    assert "<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue>" in text


def test_receipt_handle_round_trip() -> None:
    nonce = receipts.new_nonce()
    handle = receipts.encode(7, 12345, nonce)
    assert receipts.decode(handle, 7) == receipts.Receipt(7, 12345, nonce)


@pytest.mark.parametrize("handle", ["", "garbage", "AQEB!!!", "AQEB" + "A" * 10], ids=str)
def test_garbage_receipt_handle_is_invalid(handle: str) -> None:
    with pytest.raises(errors.ReceiptHandleIsInvalid):
        receipts.decode(handle, 1)


def test_receipt_handle_of_another_queue_is_invalid() -> None:
    with pytest.raises(errors.ReceiptHandleIsInvalid):
        receipts.decode(receipts.encode(1, 1, receipts.new_nonce()), 2)


@pytest.mark.parametrize("name", ["q", "a-b_C9", "x" * 80, "x" * 75 + ".fifo"], ids=str)
def test_valid_queue_names(name: str) -> None:
    names.check_name(name)


@pytest.mark.parametrize("name", ["", "x" * 81, "x" * 76 + ".fifo", "a.b", "a/b", "é"], ids=repr)
def test_invalid_queue_names(name: str) -> None:
    with pytest.raises(errors.InvalidParameterValue):
        names.check_name(name)


def test_queue_url_parsing() -> None:
    assert names.name_from_url("http://h:1/000000000000/q", "000000000000") == "q"
    with pytest.raises(errors.QueueDoesNotExist):
        names.name_from_url("http://h:1/111111111111/q", "000000000000")
    with pytest.raises(errors.InvalidAddress):
        names.name_from_url("not-a-url", "000000000000")


def test_arn_names_a_queue_only_in_this_region_and_account() -> None:
    assert names.name_from_arn("arn:aws:sqs:us-east-1:000000000000:q", "us-east-1", "000000000000") == "q"
    assert names.name_from_arn("arn:aws:sqs:eu-west-1:000000000000:q", "us-east-1", "000000000000") is None
    assert names.name_from_arn("arn:aws:sqs:us-east-1:000000000000:a/b", "us-east-1", "000000000000") is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VisibilityTimeout", "43201"),
        ("VisibilityTimeout", "x"),
        ("DelaySeconds", "-1"),
        ("MessageRetentionPeriod", "59"),
        ("MaximumMessageSize", "1048577"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("SqsManagedSseEnabled", "yes"),
    ],
    ids=lambda v: str(v),
)
def test_out_of_range_queue_attribute(name: str, value: str) -> None:
    with pytest.raises(errors.InvalidAttributeValue):
        qa.normalize({name: value}, fifo=False, creating=True)


def test_fifo_attributes_on_a_standard_queue_are_unknown() -> None:
    with pytest.raises(errors.InvalidAttributeName):
        qa.normalize({"ContentBasedDeduplication": "true"}, fifo=False, creating=True)


def test_redrive_policy_is_normalized() -> None:
    policy = '{"maxReceiveCount": "3", "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}'
    normalized = qa.normalize({"RedrivePolicy": policy}, fifo=False, creating=True)["RedrivePolicy"]
    queue = Queue(1, "q", 0, 0, {"RedrivePolicy": normalized})
    assert queue.redrive is not None and queue.redrive.max_receive_count == 3
    with pytest.raises(errors.InvalidParameterValue):
        qa.normalize(
            {"RedrivePolicy": '{"deadLetterTargetArn": "x", "maxReceiveCount": 0}'}, fifo=False, creating=True
        )


def test_get_all_attributes_of_a_standard_queue_has_no_fifo_ones() -> None:
    wanted = qa.requested(["All"], fifo=False)
    assert "QueueArn" in wanted and "FifoQueue" not in wanted
    with pytest.raises(errors.InvalidAttributeName):
        qa.requested(["Nope"], fifo=False)


@pytest.mark.parametrize(
    "raw",
    [
        {"AWS.x": {"DataType": "String", "StringValue": "v"}},
        {".x": {"DataType": "String", "StringValue": "v"}},
        {"a b": {"DataType": "String", "StringValue": "v"}},
        {"x": {"DataType": "Strong", "StringValue": "v"}},
        {"x": {"DataType": "String", "StringValue": ""}},
        {"x": {"DataType": "Number", "StringValue": "abc"}},
        {"x": {"DataType": "Binary", "BinaryValue": ""}},
        {f"k{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    ],
    ids=["reserved", "leading-dot", "space", "type", "empty", "not-a-number", "empty-binary", "eleven"],
)
def test_invalid_message_attributes(raw: dict[str, Any]) -> None:
    with pytest.raises(errors.InvalidParameterValue):
        validation.message_attributes(raw)


def test_custom_types_are_accepted() -> None:
    raw = {
        "n": {"DataType": "Number.float", "StringValue": "-1.5e3"},
        "b": {"DataType": "Binary.png", "BinaryValue": "AAE="},
    }
    assert validation.message_attributes(raw) == raw


@pytest.mark.parametrize("body", ["", "a\x00b", "\ud800", "\x08"], ids=repr)
def test_invalid_bodies(body: str) -> None:
    with pytest.raises((errors.InvalidMessageContents, errors.MissingParameter)):
        validation.check_body(body)


def test_select_attributes_by_all_name_and_prefix() -> None:
    attrs = {k: {"DataType": "String", "StringValue": k} for k in ["a.x", "a.y", "b", "c"]}
    assert validation.select_attributes(attrs, ["All"]) == attrs
    assert set(validation.select_attributes(attrs, ["a.*", "c"])) == {"a.x", "a.y", "c"}
    assert validation.select_attributes(attrs, []) == {}
