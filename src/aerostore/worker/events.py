"""S3 event messages as an SQS consumer receives them: parse, keep the object-created records.

The format is AWS's (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html):
``{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name"}, "object": {"key", ...}}}]}``,
or ``{"Event": "s3:TestEvent", ...}`` when a configuration is saved. Keys are form-encoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

TEST_EVENT = "s3:TestEvent"
CREATED_PREFIX = "ObjectCreated:"


class BadMessage(ValueError):
    """A message that is not an S3 event: it stays on the queue and ends in the dead-letter queue."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One created object, as its event names it."""

    bucket: str
    key: str
    version_id: str = ""
    etag: str = ""
    size: int = 0
    event_name: str = ""
    sequencer: str = ""

    @property
    def source(self) -> str:
        return f"{self.bucket}/{self.key}"


def parse_message(body: str) -> list[Upload]:
    """The object-created uploads a message announces; ``[]`` for test events and other event types."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BadMessage("not a JSON object")
    if doc.get("Event") == TEST_EVENT:
        return []
    records = doc.get("Records")
    if not isinstance(records, list):
        raise BadMessage("no Records list")
    return [upload for record in records if (upload := _upload(record)) is not None]


def _upload(record: Any) -> Upload | None:
    try:
        name = str(record.get("eventName", "")).removeprefix("s3:")
        if not name.startswith(CREATED_PREFIX):
            return None
        s3 = record["s3"]
        obj = s3["object"]
        return Upload(
            bucket=str(s3["bucket"]["name"]),
            key=unquote_plus(str(obj["key"])),
            version_id=str(obj.get("versionId") or ""),
            etag=str(obj.get("eTag") or ""),
            size=int(obj.get("size") or 0),
            event_name=name,
            sequencer=str(obj.get("sequencer") or ""),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise BadMessage(f"malformed record: {exc!r}") from None
