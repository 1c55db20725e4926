"""The values the queue store takes and returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aerostore.sqs import attributes as qa

WireAttributes = dict[str, dict[str, str]]  # name -> {"DataType", "StringValue" | "BinaryValue"(base64)}


@dataclass(frozen=True, slots=True)
class Redrive:
    """A parsed RedrivePolicy: where a message goes after ``max_receive_count`` receives."""

    target_arn: str
    max_receive_count: int


@dataclass(frozen=True, slots=True)
class Queue:
    id: int
    name: str
    created: float
    modified: float
    attributes: dict[str, str]  # the settable attributes, normalized strings
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def fifo(self) -> bool:
        return self.attributes.get(qa.FIFO_QUEUE) == "true"

    def int_attribute(self, name: str) -> int:
        return int(self.attributes.get(name, qa.DEFAULTS[name]))

    @property
    def redrive(self) -> Redrive | None:
        text = self.attributes.get(qa.REDRIVE_POLICY)
        if not text:
            return None
        doc = json.loads(text)
        return Redrive(doc["deadLetterTargetArn"], int(doc["maxReceiveCount"]))

    @property
    def content_based_deduplication(self) -> bool:
        return self.attributes.get(qa.CONTENT_BASED_DEDUPLICATION) == "true"

    @property
    def dedup_per_group(self) -> bool:
        return self.attributes.get(qa.DEDUPLICATION_SCOPE) == "messageGroup"

    @classmethod
    def from_row(cls, row: Any) -> Queue:
        return cls(
            id=row["id"],
            name=row["name"],
            created=row["created"],
            modified=row["modified"],
            attributes=json.loads(row["attributes"]),
            tags=json.loads(row["tags"]),
        )


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A validated SendMessage (or batch entry): everything but what depends on the queue."""

    body: str
    md5_body: str
    attributes: WireAttributes
    system: WireAttributes
    sender: str
    delay: int | None = None
    group_id: str | None = None
    dedup_id: str | None = None

    @property
    def size(self) -> int:
        """The size SQS limits: body plus each attribute's name, type and value, in bytes."""
        return len(self.body.encode("utf-8")) + attributes_size(self.attributes)


def attributes_size(attributes: WireAttributes) -> int:
    total = 0
    for name, value in attributes.items():
        total += len(name.encode("utf-8")) + sum(len(v.encode("utf-8")) for v in value.values())
    return total


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    sequence: int | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """A message as one receive handed it out, with the receipt handle of that receive."""

    message_id: str
    receipt_handle: str
    body: str
    md5_body: str
    attributes: WireAttributes
    system: WireAttributes
    sender: str
    sent: float
    receive_count: int
    first_received: float
    group_id: str | None
    dedup_id: str | None
    sequence: int | None
    source_arn: str | None


@dataclass(frozen=True, slots=True)
class Counts:
    visible: int
    in_flight: int
    delayed: int
