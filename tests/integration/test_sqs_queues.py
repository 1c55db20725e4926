"""SQS queue actions through boto3 (JSON protocol) against a real `aerostore serve`."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from .server import Server


def unique(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_queue_returns_a_url_at_the_endpoint(sqs, server: Server) -> None:  # type: ignore[no-untyped-def]
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server.endpoint}/000000000000/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    sqs.delete_queue(QueueUrl=url)


def test_create_queue_same_attributes_is_idempotent(sqs) -> None:  # type: ignore[no-untyped-def]
    name = unique()
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    sqs.delete_queue(QueueUrl=url)


def test_create_queue_different_attributes_is_queue_already_exists(sqs) -> None:  # type: ignore[no-untyped-def]
    name = unique()
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"]
    with pytest.raises(sqs.exceptions.QueueNameExists) as exc:
        sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "2"})
    assert error_of(exc) == ("QueueAlreadyExists", 400)
    assert "DelaySeconds" in exc.value.response["Error"]["Message"]
    sqs.delete_queue(QueueUrl=url)


def test_get_queue_url_of_a_missing_queue(sqs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as exc:
        sqs.get_queue_url(QueueName=unique("missing"))
    assert error_of(exc) == ("AWS.SimpleQueueService.NonExistentQueue", 400)
    assert exc.value.response["Error"]["Message"] == "The specified queue does not exist."


@pytest.mark.parametrize("name", ["has space", "x" * 81, "dot.name", "plain.fifo"], ids=str)
def test_create_queue_invalid_name(sqs, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name)
    assert error_of(exc) == ("InvalidParameterValue", 400)


def test_list_queues_by_prefix_with_pagination(sqs) -> None:  # type: ignore[no-untyped-def]
    prefix = unique("list")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)]
    assert sorted(sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]) == sorted(urls)
    pages = list(sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix, MaxResults=2))
    assert [len(p["QueueUrls"]) for p in pages] == [2, 2, 1]
    assert [u for p in pages for u in p["QueueUrls"]] == sorted(urls)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique("none"))
    for url in urls:
        sqs.delete_queue(QueueUrl=url)


def test_delete_queue_then_it_does_not_exist(sqs) -> None:  # type: ignore[no-untyped-def]
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.delete_queue(QueueUrl=url)


def test_get_queue_attributes_all(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    before = int(time.time())
    sqs.send_message(QueueUrl=queue_url, MessageBody="a")
    sqs.send_message(QueueUrl=queue_url, MessageBody="b", DelaySeconds=60)
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    name = queue_url.rsplit("/", 1)[1]
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert (attrs["VisibilityTimeout"], attrs["MessageRetentionPeriod"], attrs["DelaySeconds"]) == (
        "30",
        "345600",
        "0",
    )
    assert (attrs["MaximumMessageSize"], attrs["ReceiveMessageWaitTimeSeconds"]) == ("1048576", "0")
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert abs(int(attrs["CreatedTimestamp"]) - before) <= 60
    assert "FifoQueue" not in attrs


def test_get_queue_attributes_some_and_unknown(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attrs == {"VisibilityTimeout": "30"}
    with pytest.raises(sqs.exceptions.InvalidAttributeName) as exc:
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Bogus"])
    assert error_of(exc) == ("InvalidAttributeName", 400)


def test_set_queue_attributes(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "5", "DelaySeconds": "2"})
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["DelaySeconds"]) == ("5", "2")


@pytest.mark.parametrize(
    ("attributes", "code"),
    [
        ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue"),
        ({"MessageRetentionPeriod": "10"}, "InvalidAttributeValue"),
        ({"Bogus": "1"}, "InvalidAttributeName"),
        ({"FifoQueue": "true"}, "InvalidAttributeName"),
    ],
    ids=["visibility", "retention", "unknown", "fifo-on-standard"],
)
def test_set_queue_attributes_invalid(sqs, queue_url: str, attributes: dict[str, str], code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes=attributes)
    assert error_of(exc) == (code, 400)


def test_tags(sqs) -> None:  # type: ignore[no-untyped-def]
    url = sqs.create_queue(QueueName=unique(), tags={"team": "ops"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test", "team": "data"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "data", "env": "test"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}
    sqs.delete_queue(QueueUrl=url)


def test_redrive_policy_and_dead_letter_source_queues(sqs) -> None:  # type: ignore[no-untyped-def]
    dlq = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    source = sqs.create_queue(QueueName=unique("src"), Attributes={"RedrivePolicy": policy})["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(got["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]
    sqs.delete_queue(QueueUrl=source)
    sqs.delete_queue(QueueUrl=dlq)


def test_redrive_policy_to_a_missing_queue_is_refused(sqs) -> None:  # type: ignore[no-untyped-def]
    policy = json.dumps(
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:nope", "maxReceiveCount": 1}
    )
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"RedrivePolicy": policy})
    assert error_of(exc) == ("InvalidParameterValue", 400)


def test_unsupported_action(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sqs.exceptions.UnsupportedOperation):
        sqs.add_permission(
            QueueUrl=queue_url, Label="l", AWSAccountIds=["123456789012"], Actions=["SendMessage"]
        )
