from __future__ import annotations

from typing import Any

import pytest

from aerostore.events import filters
from aerostore.events.filters import FilterRule, NotificationConfiguration, QueueConfiguration
from aerostore.events.model import EventName
from aerostore.s3 import errors

ARN = "arn:aws:sqs:us-east-1:000000000000:image-processing"
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def queue(
    events: list[str], prefix: str | None = None, suffix: str | None = None, **extra: Any
) -> dict[str, Any]:
    raw: dict[str, Any] = {"QueueArn": ARN, "Events": events, **extra}
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v is not None]
    if rules:
        raw["Filter"] = {"Key": {"FilterRules": rules}}
    return raw


def test_parse_xml_queue_configuration() -> None:
    body = f"""<NotificationConfiguration {NS}>
      <QueueConfiguration>
        <Id>images</Id>
        <Filter><S3Key>
          <FilterRule><Name>Prefix</Name><Value>raw/</Value></FilterRule>
          <FilterRule><Name>suffix</Name><Value>.jpg</Value></FilterRule>
        </S3Key></Filter>
        <Queue>{ARN}</Queue>
        <Event>s3:ObjectCreated:*</Event>
        <Event>s3:ObjectRemoved:Delete</Event>
      </QueueConfiguration>
    </NotificationConfiguration>""".encode()
    assert filters.parse(body) == NotificationConfiguration(
        queues=(
            QueueConfiguration(
                id="images",
                queue_arn=ARN,
                events=("s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"),
                rules=(FilterRule("prefix", "raw/"), FilterRule("suffix", ".jpg")),
            ),
        )
    )


@pytest.mark.parametrize(
    "body",
    [
        b"<NotificationConfiguration/>",
        f"<NotificationConfiguration {NS}></NotificationConfiguration>".encode(),
    ],
    ids=["bare", "namespaced"],
)
def test_parse_xml_empty_configuration_clears(body: bytes) -> None:
    assert filters.parse(body) == NotificationConfiguration()


def test_parse_xml_generates_missing_id() -> None:
    body = f"<QueueConfiguration><Queue>{ARN}</Queue><Event>s3:ObjectCreated:Put</Event></QueueConfiguration>"
    config = filters.parse(f"<NotificationConfiguration>{body}</NotificationConfiguration>".encode())
    assert len(config.queues[0].id) == 36


def test_parse_xml_event_bridge_flag() -> None:
    body = b"<NotificationConfiguration><EventBridgeConfiguration/></NotificationConfiguration>"
    assert filters.parse(body) == NotificationConfiguration(event_bridge=True)


@pytest.mark.parametrize(
    "body",
    [b"", b"<NotificationConfiguration>", b"<Other/>",
     b"<NotificationConfiguration><Bogus/></NotificationConfiguration>",
     b"<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:Put</Event></QueueConfiguration>"
     b"</NotificationConfiguration>",
     f"<NotificationConfiguration><QueueConfiguration><Queue>{ARN}</Queue></QueueConfiguration>"
     "</NotificationConfiguration>".encode(),
     b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><NotificationConfiguration>&e;'
     b"</NotificationConfiguration>"],
    ids=["empty", "unclosed", "wrong-root", "unknown-element", "no-queue", "no-event", "entity"],
)  # fmt: skip
def test_parse_xml_malformed(body: bytes) -> None:
    with pytest.raises(errors.MalformedXML):
        filters.parse(body)


@pytest.mark.parametrize(
    "tag", ["TopicConfiguration", "LambdaFunctionConfiguration", "CloudFunctionConfiguration"],
    ids=["topic", "lambda", "cloud-function"],
)  # fmt: skip
def test_parse_xml_refuses_other_destinations(tag: str) -> None:
    body = f"<{tag}><Event>s3:ObjectCreated:*</Event></{tag}>"
    with pytest.raises(errors.InvalidArgument, match="not supported") as caught:
        filters.parse(f"<NotificationConfiguration>{body}</NotificationConfiguration>".encode())
    assert caught.value.fields["ArgumentName"] == tag


@pytest.mark.parametrize(
    "key", ["TopicConfigurations", "LambdaFunctionConfigurations"], ids=["topic", "lambda"]
)
def test_validate_refuses_other_destinations(key: str) -> None:
    with pytest.raises(errors.InvalidArgument, match="not supported"):
        filters.validate({key: [{"Events": ["s3:ObjectCreated:*"]}]})


@pytest.mark.parametrize(
    "event",
    ["s3:ObjectCreated:Bogus", "ObjectCreated:Put", "s3:*", "s3:ObjectCreated", "s3:objectcreated:put"],
    ids=["unknown-subtype", "no-s3-prefix", "global-wildcard", "family-without-wildcard", "wrong-case"],
)  # fmt: skip
def test_validate_unknown_event(event: str) -> None:
    with pytest.raises(
        errors.InvalidArgument, match="The event is not supported for notifications"
    ) as caught:
        filters.validate({"QueueConfigurations": [queue([event])]})
    assert caught.value.fields == {"ArgumentName": "Event", "ArgumentValue": event}


@pytest.mark.parametrize("arn", ["", "not-an-arn", "arn:aws:sns:us-east-1:1:topic", "arn:aws:sqs"],
                         ids=["empty", "garbage", "sns", "truncated"])  # fmt: skip
def test_validate_bad_queue_arn(arn: str) -> None:
    with pytest.raises(errors.InvalidArgument, match="The ARN could not be parsed"):
        filters.validate({"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})


def test_validate_aerostore_queue_arn() -> None:
    arn = "arn:aerostore:sqs::webhook1:webhook"
    config = filters.validate({"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    assert config.queues[0].queue_arn == arn


def test_validate_unknown_destination() -> None:
    with pytest.raises(errors.InvalidArgument, match="Unable to validate") as caught:
        filters.validate(
            {"QueueConfigurations": [queue(["s3:ObjectCreated:*"])]}, destination_exists=lambda a: False
        )
    assert caught.value.fields == {
        "ArgumentName": ARN,
        "ArgumentValue": "The destination queue does not exist",
    }


@pytest.mark.parametrize(
    ("rules", "message"),
    [([{"Name": "prefix", "Value": "a"}, {"Name": "Prefix", "Value": "b"}], "more than one prefix rule"),
     ([{"Name": "suffix", "Value": "a"}, {"Name": "suffix", "Value": "b"}], "more than one suffix rule"),
     ([{"Name": "contains", "Value": "a"}], "must be either prefix or suffix")],
    ids=["duplicate-prefix", "duplicate-suffix", "unknown-name"],
)  # fmt: skip
def test_validate_bad_filter_rules(rules: list[dict[str, str]], message: str) -> None:
    raw = queue(["s3:ObjectCreated:*"], Filter={"Key": {"FilterRules": rules}})
    with pytest.raises(errors.InvalidArgument, match=message):
        filters.validate({"QueueConfigurations": [raw]})


@pytest.mark.parametrize(
    ("a", "b"),
    [(queue(["s3:ObjectCreated:*"]), queue(["s3:ObjectCreated:Put"])),
     (queue(["s3:ObjectCreated:Put"]), queue(["s3:ObjectCreated:Put"])),
     (queue(["s3:ObjectCreated:*"], prefix="raw/"), queue(["s3:ObjectCreated:*"], prefix="raw/2026/")),
     (queue(["s3:ObjectCreated:*"], prefix="raw/"), queue(["s3:ObjectCreated:*"])),
     (queue(["s3:ObjectCreated:*"], suffix=".jpg"), queue(["s3:ObjectCreated:*"], suffix="a.jpg")),
     (queue(["s3:ObjectCreated:*"], prefix="a/"), queue(["s3:ObjectCreated:*"], suffix=".jpg")),
     (queue(["s3:LifecycleExpiration:*"]), queue(["s3:LifecycleExpiration:Delete"]))],
    ids=["wildcard-vs-member", "same-event", "nested-prefix", "prefix-vs-none", "nested-suffix",
         "prefix-vs-suffix", "lifecycle-wildcard"],
)  # fmt: skip
def test_validate_overlap(a: dict[str, Any], b: dict[str, Any]) -> None:
    with pytest.raises(
        errors.InvalidArgument, match=r"Configurations overlap\. Configurations on the same bucket"
    ):
        filters.validate({"QueueConfigurations": [a, b]})


@pytest.mark.parametrize(
    ("a", "b"),
    [(queue(["s3:ObjectCreated:*"]), queue(["s3:ObjectRemoved:*"])),
     (queue(["s3:ObjectCreated:Put"]), queue(["s3:ObjectCreated:Copy"])),
     (queue(["s3:ObjectCreated:*"], prefix="raw/"), queue(["s3:ObjectCreated:*"], prefix="thumbs/")),
     (queue(["s3:ObjectCreated:*"], suffix=".jpg"), queue(["s3:ObjectCreated:*"], suffix=".png")),
     (queue(["s3:ObjectCreated:*"], prefix="a/", suffix=".jpg"),
      queue(["s3:ObjectCreated:*"], prefix="a/", suffix=".png")),
     (queue(["s3:ObjectRemoved:Delete"]), queue(["s3:LifecycleExpiration:Delete"]))],
    ids=["different-family", "different-member", "disjoint-prefix", "disjoint-suffix",
         "same-prefix-disjoint-suffix", "removed-vs-lifecycle"],
)  # fmt: skip
def test_validate_no_overlap(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert len(filters.validate({"QueueConfigurations": [a, b]}).queues) == 2


@pytest.mark.parametrize(
    ("events", "event", "expected"),
    [(["s3:ObjectCreated:*"], EventName.OBJECT_CREATED_PUT, True),
     (["s3:ObjectCreated:*"], EventName.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD, True),
     (["s3:ObjectCreated:Put"], EventName.OBJECT_CREATED_PUT, True),
     (["s3:ObjectCreated:Put"], EventName.OBJECT_CREATED_COPY, False),
     (["s3:ObjectCreated:*"], EventName.OBJECT_REMOVED_DELETE, False),
     (["s3:ObjectRemoved:*"], EventName.OBJECT_REMOVED_DELETE_MARKER_CREATED, True),
     (["s3:LifecycleTransition"], EventName.LIFECYCLE_TRANSITION, True),
     (["s3:LifecycleExpiration:*"], EventName.OBJECT_REMOVED_DELETE, False)],
    ids=["wildcard", "wildcard-multipart", "exact", "exact-other", "other-family", "removed-wildcard",
         "no-subtype", "lifecycle-is-not-removed"],
)  # fmt: skip
def test_matching_event(events: list[str], event: EventName, expected: bool) -> None:
    assert filters.matching_event(events, event) is expected


@pytest.mark.parametrize(
    ("prefix", "suffix", "key", "expected"),
    [(None, None, "anything", True), ("raw/", None, "raw/a.jpg", True), ("raw/", None, "thumbs/a.jpg", False),
     (None, ".jpg", "raw/a.jpg", True), (None, ".jpg", "raw/a.JPG", False),
     ("raw/", ".jpg", "raw/a.png", False), ("raw/", ".jpg", "raw/a.jpg", True),
     ("my photos/", None, "my photos/x", True), ("a+b", None, "a+b/x", True)],
    ids=["no-rules", "prefix", "prefix-miss", "suffix", "suffix-case-sensitive", "both-suffix-miss", "both",
         "raw-key-space", "raw-key-plus"],
)  # fmt: skip
def test_matching_filter(prefix: str | None, suffix: str | None, key: str, expected: bool) -> None:
    config = filters.validate({"QueueConfigurations": [queue(["s3:ObjectCreated:*"], prefix, suffix)]})
    assert filters.matching_filter(config.queues[0], key) is expected


def test_matching_configurations() -> None:
    config = filters.validate({"QueueConfigurations": [
        queue(["s3:ObjectCreated:*"], prefix="raw/", Id="raw"),
        queue(["s3:ObjectCreated:Put"], prefix="thumbs/", Id="thumbs"),
        queue(["s3:ObjectRemoved:*"], Id="removed"),
    ]})  # fmt: skip

    def ids(event: EventName, key: str) -> list[str]:
        return [q.id for q in filters.matching_configurations(config, event, key)]

    assert ids(EventName.OBJECT_CREATED_PUT, "raw/a.jpg") == ["raw"]
    assert ids(EventName.OBJECT_CREATED_COPY, "thumbs/a.jpg") == []
    assert ids(EventName.OBJECT_REMOVED_DELETE, "raw/a.jpg") == ["removed"]
    assert ids(EventName.OBJECT_TAGGING_PUT, "raw/a.jpg") == []
