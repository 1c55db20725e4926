"""Bucket NotificationConfiguration: parse, validate as AWS does, and match events against it.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
and https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
Pure: the XML reader is defusedxml (through ``aerostore.s3.xml``); destinations are checked by a callback.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from aerostore.events.model import EventName
from aerostore.s3 import errors, xml

ROOT = "NotificationConfiguration"
QUEUE_ARN_PREFIXES = ("arn:aws:sqs:", "arn:aws-cn:sqs:", "arn:aws-us-gov:sqs:", "arn:aerostore:sqs:")
UNSUPPORTED = {
    "TopicConfiguration": "SNS topic",
    "CloudFunctionConfiguration": "Lambda function",
    "LambdaFunctionConfiguration": "Lambda function",
}
FILTER_RULE_NAMES = ("prefix", "suffix")

UNSUPPORTED_EVENT = "The event is not supported for notifications"
OVERLAP = "Configurations overlap. Configurations on the same bucket cannot share a common event type."


def _wildcards() -> dict[str, frozenset[EventName]]:
    families: dict[str, set[EventName]] = {}
    for name in EventName:
        if name.family != name.value:
            families.setdefault(f"{name.family}:*", set()).add(name)
    return {wildcard: frozenset(names) for wildcard, names in families.items()}


# "s3:ObjectCreated:*" → every concrete event of that family; a concrete name stands for itself.
WILDCARDS = _wildcards()
EVENT_NAMES = frozenset(name.value for name in EventName)


@dataclass(frozen=True, slots=True)
class FilterRule:
    """One S3Key rule; ``name`` is ``prefix`` or ``suffix`` (AWS accepts either case)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class QueueConfiguration:
    id: str
    queue_arn: str
    events: tuple[str, ...]
    rules: tuple[FilterRule, ...] = ()

    @property
    def prefix(self) -> str:
        return next((rule.value for rule in self.rules if rule.name == "prefix"), "")

    @property
    def suffix(self) -> str:
        return next((rule.value for rule in self.rules if rule.name == "suffix"), "")


@dataclass(frozen=True, slots=True)
class NotificationConfiguration:
    queues: tuple[QueueConfiguration, ...] = ()
    event_bridge: bool = False


# ---- XML → plain structure (boto3's PutBucketNotificationConfiguration shape) ----


def parse_xml(body: bytes) -> dict[str, Any]:
    """Read a NotificationConfiguration body into the plain structure boto3 uses; shape errors only."""
    root = xml.parse(body, ROOT)
    plain: dict[str, Any] = {"QueueConfigurations": []}
    for child in root:
        if child.tag == "QueueConfiguration":
            plain["QueueConfigurations"].append(_queue_from_xml(child))
        elif child.tag in UNSUPPORTED:
            raise _unsupported(child.tag)
        elif child.tag == "EventBridgeConfiguration":
            plain["EventBridgeConfiguration"] = {}
        else:
            raise errors.MalformedXML()
    return plain


def _unsupported(tag: str) -> errors.S3Error:
    return errors.InvalidArgument(
        f"{tag} is not supported: aerostore cannot deliver to a {UNSUPPORTED[tag]}; use a QueueConfiguration",
        ArgumentName=tag,
    )


def _queue_from_xml(element: ET.Element) -> dict[str, Any]:
    arn = xml.text(element, "Queue")
    if arn is None:
        raise errors.MalformedXML()
    queue: dict[str, Any] = {
        "QueueArn": arn.strip(),
        "Events": [(e.text or "").strip() for e in element.findall("Event")],
    }
    if (ident := xml.text(element, "Id")) is not None:
        queue["Id"] = ident
    if (filter_element := element.find("Filter")) is not None:
        rules = [
            {"Name": xml.text(rule, "Name") or "", "Value": xml.text(rule, "Value") or ""}
            for rule in filter_element.findall("S3Key/FilterRule")
        ]
        queue["Filter"] = {"Key": {"FilterRules": rules}}
    return queue


# ---- plain structure → validated configuration ----


def validate(
    plain: Mapping[str, Any], destination_exists: Callable[[str], bool] | None = None
) -> NotificationConfiguration:
    """Validate a plain NotificationConfiguration as AWS does and freeze it.

    ``destination_exists`` (when given) is asked about each queue ARN; AWS refuses unknown destinations.
    """
    for key in UNSUPPORTED:
        if plain.get(f"{key}s"):
            raise _unsupported(key)
    queues = tuple(_queue(raw, destination_exists) for raw in plain.get("QueueConfigurations") or ())
    _check_overlap(queues)
    return NotificationConfiguration(queues=queues, event_bridge="EventBridgeConfiguration" in plain)


def parse(body: bytes, destination_exists: Callable[[str], bool] | None = None) -> NotificationConfiguration:
    """XML body → validated configuration (PutBucketNotificationConfiguration)."""
    return validate(parse_xml(body), destination_exists)


def _queue(raw: Mapping[str, Any], destination_exists: Callable[[str], bool] | None) -> QueueConfiguration:
    arn = raw.get("QueueArn") or ""
    if not arn.startswith(QUEUE_ARN_PREFIXES) or arn.count(":") < 5:
        raise errors.InvalidArgument(
            "The ARN could not be parsed", ArgumentName="QueueArn", ArgumentValue=arn
        )
    if destination_exists is not None and not destination_exists(arn):
        raise errors.InvalidArgument(
            "Unable to validate the following destination configurations",
            ArgumentName=arn,
            ArgumentValue="The destination queue does not exist",
        )
    events = tuple(raw.get("Events") or ())
    if not events:
        raise errors.MalformedXML()
    for event in events:
        if event not in WILDCARDS and event not in EVENT_NAMES:
            raise errors.InvalidArgument(UNSUPPORTED_EVENT, ArgumentName="Event", ArgumentValue=event)
    rules = _rules(((raw.get("Filter") or {}).get("Key") or {}).get("FilterRules") or ())
    return QueueConfiguration(id=raw.get("Id") or _new_id(), queue_arn=arn, events=events, rules=rules)


def _new_id() -> str:
    return str(uuid.uuid4())


def _rules(raw_rules: Iterable[Mapping[str, str]]) -> tuple[FilterRule, ...]:
    rules: list[FilterRule] = []
    for raw in raw_rules:
        name, value = (raw.get("Name") or ""), (raw.get("Value") or "")
        if name.lower() not in FILTER_RULE_NAMES:
            raise errors.InvalidArgument(
                "filter rule name must be either prefix or suffix",
                ArgumentName="FilterRule",
                ArgumentValue=name,
            )
        if any(rule.name == name.lower() for rule in rules):
            raise errors.InvalidArgument(
                f"Cannot specify more than one {name.lower()} rule in a filter.",
                ArgumentName="FilterRule",
                ArgumentValue=name,
            )
        rules.append(FilterRule(name.lower(), value))
    return tuple(rules)


def expand(events: Iterable[str]) -> frozenset[EventName]:
    """Concrete event types named by ``events``, wildcards expanded."""
    out: set[EventName] = set()
    for event in events:
        out |= WILDCARDS.get(event) or {EventName(event)}
    return frozenset(out)


def _affixes_overlap(a: str, b: str, *, suffix: bool) -> bool:
    # Two prefixes overlap when one starts the other (an empty one matches everything); suffixes mirror that.
    if suffix:
        return a.endswith(b) or b.endswith(a)
    return a.startswith(b) or b.startswith(a)


def overlaps(a: QueueConfiguration, b: QueueConfiguration) -> bool:
    """AWS refuses two configurations that one event on one key could both trigger."""
    return (
        bool(expand(a.events) & expand(b.events))
        and _affixes_overlap(a.prefix, b.prefix, suffix=False)
        and _affixes_overlap(a.suffix, b.suffix, suffix=True)
    )


def _check_overlap(queues: tuple[QueueConfiguration, ...]) -> None:
    for a, b in combinations(queues, 2):
        if overlaps(a, b):
            raise errors.InvalidArgument(OVERLAP, ArgumentName="Event", ArgumentValue=", ".join(a.events))


# ---- matching ----


def matching_event(events: Iterable[str], event_name: str) -> bool:
    """Whether ``event_name`` (``s3:ObjectCreated:Put``) is listed directly or through its family wildcard.

    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
    """
    listed = set(events)
    return event_name in listed or f"{EventName(event_name).family}:*" in listed


def matching_filter(queue: QueueConfiguration, key: str) -> bool:
    """Whether the raw (not encoded) key satisfies every prefix/suffix rule; no rules match everything."""
    for rule in queue.rules:
        if rule.name == "prefix" and not key.startswith(rule.value):
            return False
        if rule.name == "suffix" and not key.endswith(rule.value):
            return False
    return True


def matching_configurations(
    config: NotificationConfiguration, event_name: str, key: str
) -> list[QueueConfiguration]:
    """The queue configurations that must receive ``event_name`` for ``key``, in configuration order."""
    return [q for q in config.queues if matching_event(q.events, event_name) and matching_filter(q, key)]
