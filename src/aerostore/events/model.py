"""S3 event notification messages, shaped exactly as AWS S3 sends them to SQS.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
Pure: callers pass in the clock reading, ids and object state; nothing here does I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote_plus

EVENT_VERSION = "2.1"
# AWS marks lifecycle, tagging, ACL and restore-delete events with 2.3 (same schema, extra fields).
EVENT_VERSION_EXTENDED = "2.3"
EVENT_SOURCE = "aws:s3"
S3_SCHEMA_VERSION = "1.0"
SEQUENCER_DIGITS = 16
TEST_EVENT = "s3:TestEvent"


class EventName(StrEnum):
    """Event types as written in a NotificationConfiguration (the record's eventName drops ``s3:``).

    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
    """

    OBJECT_CREATED_PUT = "s3:ObjectCreated:Put"
    OBJECT_CREATED_POST = "s3:ObjectCreated:Post"
    OBJECT_CREATED_COPY = "s3:ObjectCreated:Copy"
    OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD = "s3:ObjectCreated:CompleteMultipartUpload"
    OBJECT_REMOVED_DELETE = "s3:ObjectRemoved:Delete"
    OBJECT_REMOVED_DELETE_MARKER_CREATED = "s3:ObjectRemoved:DeleteMarkerCreated"
    OBJECT_RESTORE_POST = "s3:ObjectRestore:Post"
    OBJECT_RESTORE_COMPLETED = "s3:ObjectRestore:Completed"
    OBJECT_RESTORE_DELETE = "s3:ObjectRestore:Delete"
    OBJECT_TAGGING_PUT = "s3:ObjectTagging:Put"
    OBJECT_TAGGING_DELETE = "s3:ObjectTagging:Delete"
    OBJECT_ACL_PUT = "s3:ObjectAcl:Put"
    LIFECYCLE_EXPIRATION_DELETE = "s3:LifecycleExpiration:Delete"
    LIFECYCLE_EXPIRATION_DELETE_MARKER_CREATED = "s3:LifecycleExpiration:DeleteMarkerCreated"
    LIFECYCLE_TRANSITION = "s3:LifecycleTransition"
    REDUCED_REDUNDANCY_LOST_OBJECT = "s3:ReducedRedundancyLostObject"

    @property
    def family(self) -> str:
        """``s3:ObjectCreated`` for ``s3:ObjectCreated:Put``; the name itself when it has no sub-type."""
        head, sep, _ = self.value.rpartition(":")
        return head if sep and head != "s3" else self.value

    @property
    def record_name(self) -> str:
        """The eventName inside a record: AWS leaves out the ``s3:`` prefix there."""
        return self.value.removeprefix("s3:")


# Which object fields each family carries, after AWS's recorded messages (LocalStack snapshots agree):
# removals have no size/eTag, tagging and ACL changes have an eTag but neither size nor sequencer.
_SIZED = frozenset({"s3:ObjectCreated", "s3:ObjectRestore", "s3:LifecycleTransition"})
_TAGGED = frozenset({"s3:ObjectCreated", "s3:ObjectRestore", "s3:LifecycleTransition", "s3:ObjectTagging",
                     "s3:ObjectAcl"})  # fmt: skip
_UNSEQUENCED = frozenset({"s3:ObjectTagging", "s3:ObjectAcl"})
_EXTENDED = frozenset(
    {"s3:ObjectTagging", "s3:ObjectAcl", "s3:LifecycleExpiration", "s3:LifecycleTransition"}
)


@dataclass(frozen=True, slots=True)
class ObjectState:
    """The object version an event is about. ``version_id`` is None unless the bucket is versioned."""

    key: str
    seq: int
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    storage_class: str | None = None  # for lifecycleEventData / glacierEventData
    restore_expiry: float | None = None  # a completed restore's expiry (epoch seconds)


@dataclass(frozen=True, slots=True)
class Origin:
    """Who asked, from where, and which request: the non-object part of a record."""

    region: str
    request_id: str
    host_id: str
    principal_id: str
    owner_id: str
    source_ip: str


def encode_key(key: str) -> str:
    """The object key as AWS writes it in a record: form-encoded, ``/`` kept.

    AWS documents the key as application/x-www-form-urlencoded ("red flower.jpg" becomes "red+flower.jpg"),
    so a space is ``+``, a literal ``+`` is ``%2B``, non-ASCII is UTF-8 percent-encoded and ``/`` stays.
    ``quote_plus(key, safe="/")`` does exactly that. Two characters are not pinned by any AWS recording we
    could find: Python leaves ``~`` bare and encodes ``*`` as ``%2A``, whereas Java's URLEncoder (and
    WHATWG form encoding) do the opposite. Both spellings decode to the same key with ``unquote_plus``,
    which is what AWS tells consumers to use. LocalStack uses ``quote`` (space → ``%20``), which is wrong.
    """
    return quote_plus(key, safe="/")


def sequencer(seq: int) -> str:
    """A fixed-width uppercase hex string, so later changes of one key compare greater as strings."""
    return f"{seq:0{SEQUENCER_DIGITS}X}"


def event_time(epoch: float) -> str:
    """ISO 8601 with milliseconds in UTC: ``2026-01-02T03:04:05.678Z``."""
    millis = int(round(epoch * 1000))
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def _event_version(name: EventName) -> str:
    extended = name.family in _EXTENDED or name is EventName.OBJECT_RESTORE_DELETE
    return EVENT_VERSION_EXTENDED if extended else EVENT_VERSION


def _object_fields(name: EventName, obj: ObjectState) -> dict[str, Any]:
    fields: dict[str, Any] = {"key": encode_key(obj.key)}
    family = name.family
    if family in _SIZED and obj.size is not None:
        fields["size"] = obj.size
    if family in _TAGGED and obj.etag is not None:
        fields["eTag"] = obj.etag.strip('"')
    if obj.version_id is not None:
        fields["versionId"] = obj.version_id
    if family not in _UNSEQUENCED:
        fields["sequencer"] = sequencer(obj.seq)
    return fields


def event_record(
    name: EventName, bucket: str, obj: ObjectState, origin: Origin, *, configuration_id: str, epoch: float
) -> dict[str, Any]:
    """One entry of ``Records`` for ``name`` on ``bucket``/``obj``, ready for ``json.dumps``."""
    return {
        "eventVersion": _event_version(name),
        "eventSource": EVENT_SOURCE,
        "awsRegion": origin.region,
        "eventTime": event_time(epoch),
        "eventName": name.record_name,
        "userIdentity": {"principalId": origin.principal_id},
        "requestParameters": {"sourceIPAddress": origin.source_ip},
        "responseElements": {"x-amz-request-id": origin.request_id, "x-amz-id-2": origin.host_id},
        "s3": {
            "s3SchemaVersion": S3_SCHEMA_VERSION,
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": origin.owner_id},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": _object_fields(name, obj),
        },
        **_archive_fields(name, obj),
    }


def _archive_fields(name: EventName, obj: ObjectState) -> dict[str, Any]:
    """``lifecycleEventData`` of a transition, ``glacierEventData`` of a completed restore (AWS's record)."""
    if name is EventName.LIFECYCLE_TRANSITION and obj.storage_class is not None:
        return {"lifecycleEventData": {"transitionEventData": {"destinationStorageClass": obj.storage_class}}}
    if name is EventName.OBJECT_RESTORE_COMPLETED and obj.restore_expiry is not None:
        restore = {"lifecycleRestorationExpiryTime": event_time(obj.restore_expiry),
                   "lifecycleRestoreStorageClass": obj.storage_class}  # fmt: skip
        return {"glacierEventData": {"restoreEventData": restore}}
    return {}


def event_message(
    name: EventName, bucket: str, obj: ObjectState, origin: Origin, *, configuration_id: str, epoch: float
) -> dict[str, Any]:
    """The whole message body S3 sends for one event: ``{"Records": [record]}``."""
    record = event_record(name, bucket, obj, origin, configuration_id=configuration_id, epoch=epoch)
    return {"Records": [record]}


def s3_test_event(bucket: str, *, request_id: str, host_id: str, epoch: float) -> dict[str, str]:
    """The ``s3:TestEvent`` message S3 sends to each destination when a configuration is saved."""
    return {
        "Service": "Amazon S3",
        "Event": TEST_EVENT,
        "Time": event_time(epoch),
        "Bucket": bucket,
        "RequestId": request_id,
        "HostId": host_id,
    }
