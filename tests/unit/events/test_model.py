from __future__ import annotations

import json
from urllib.parse import unquote_plus

import pytest

from aerostore.events import model
from aerostore.events.model import EventName, ObjectState, Origin

ORIGIN = Origin(
    region="us-east-1",
    request_id="C3D13FE58DE4C810",
    host_id="FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
    principal_id="AIDAJDPLRKLG7UEXAMPLE",
    owner_id="A3NL1KOZZKExample",
    source_ip="127.0.0.1",
)
EPOCH = 1_700_000_000.123


@pytest.mark.parametrize(
    ("key", "encoded"),
    [("photo.jpg", "photo.jpg"), ("red flower.jpg", "red+flower.jpg"), ("a+b.jpg", "a%2Bb.jpg"),
     ("raw/2026/01/x.jpg", "raw/2026/01/x.jpg"), ("café/日本.png", "caf%C3%A9/%E6%97%A5%E6%9C%AC.png"),
     ("100%.txt", "100%25.txt"), ("a=b&c?d#e", "a%3Db%26c%3Fd%23e"),
     ("l'arrêté (1)!.pdf", "l%27arr%C3%AAt%C3%A9+%281%29%21.pdf"), ("a~b_c-d.e", "a~b_c-d.e"),
     ("star*.txt", "star%2A.txt"), ("a//b/", "a//b/")],
    ids=["plain", "space", "plus", "slash", "unicode", "percent", "reserved", "quote-parens-bang",
         "unreserved", "star", "double-slash"],
)  # fmt: skip
def test_encode_key(key: str, encoded: str) -> None:
    assert model.encode_key(key) == encoded
    assert unquote_plus(encoded) == key


@pytest.mark.parametrize(
    ("seq", "expected"),
    [(0, "0000000000000000"), (1, "0000000000000001"), (255, "00000000000000FF"),
     (2**63, "8000000000000000")],
    ids=["zero", "one", "uppercase-hex", "large"],
)  # fmt: skip
def test_sequencer(seq: int, expected: str) -> None:
    assert model.sequencer(seq) == expected


def test_sequencer_orders_as_string() -> None:
    seqs = [1, 9, 10, 15, 16, 255, 256, 4096, 2**40]
    assert sorted(model.sequencer(s) for s in seqs) == [model.sequencer(s) for s in seqs]


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [(0, "1970-01-01T00:00:00.000Z"), (EPOCH, "2023-11-14T22:13:20.123Z"),
     (1.9995, "1970-01-01T00:00:02.000Z")],
    ids=["epoch", "millis", "rounds-up"],
)  # fmt: skip
def test_event_time(epoch: float, expected: str) -> None:
    assert model.event_time(epoch) == expected


@pytest.mark.parametrize(
    ("name", "family", "record_name"),
    [(EventName.OBJECT_CREATED_PUT, "s3:ObjectCreated", "ObjectCreated:Put"),
     (EventName.OBJECT_REMOVED_DELETE_MARKER_CREATED, "s3:ObjectRemoved",
      "ObjectRemoved:DeleteMarkerCreated"),
     (EventName.LIFECYCLE_TRANSITION, "s3:LifecycleTransition", "LifecycleTransition")],
    ids=["put", "delete-marker", "no-subtype"],
)  # fmt: skip
def test_event_name_parts(name: EventName, family: str, record_name: str) -> None:
    assert (name.family, name.record_name) == (family, record_name)


def test_put_record_matches_aws_example() -> None:
    obj = ObjectState(key="raw/HappyFace.jpg", seq=0x55AED6DCD90281E5, size=1024, etag='"d41d8cd98f00b204"')
    message = model.event_message(
        EventName.OBJECT_CREATED_PUT, "raw-uploads", obj, ORIGIN, configuration_id="cfg-1", epoch=EPOCH
    )
    assert message == {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2023-11-14T22:13:20.123Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AIDAJDPLRKLG7UEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": ORIGIN.request_id, "x-amz-id-2": ORIGIN.host_id},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "cfg-1",
                    "bucket": {
                        "name": "raw-uploads",
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": "arn:aws:s3:::raw-uploads",
                    },
                    "object": {
                        "key": "raw/HappyFace.jpg",
                        "size": 1024,
                        "eTag": "d41d8cd98f00b204",
                        "sequencer": "55AED6DCD90281E5",
                    },
                },
            }
        ]
    }
    assert json.loads(json.dumps(message)) == message


@pytest.mark.parametrize(
    ("name", "version", "fields"),
    [(EventName.OBJECT_CREATED_PUT, "2.1", ["key", "size", "eTag", "sequencer"]),
     (EventName.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD, "2.1", ["key", "size", "eTag", "sequencer"]),
     (EventName.OBJECT_REMOVED_DELETE, "2.1", ["key", "sequencer"]),
     (EventName.OBJECT_REMOVED_DELETE_MARKER_CREATED, "2.1", ["key", "sequencer"]),
     (EventName.OBJECT_RESTORE_POST, "2.1", ["key", "size", "eTag", "sequencer"]),
     (EventName.OBJECT_RESTORE_DELETE, "2.3", ["key", "size", "eTag", "sequencer"]),
     (EventName.OBJECT_TAGGING_PUT, "2.3", ["key", "eTag"]),
     (EventName.OBJECT_ACL_PUT, "2.3", ["key", "eTag"]),
     (EventName.LIFECYCLE_EXPIRATION_DELETE, "2.3", ["key", "sequencer"]),
     (EventName.LIFECYCLE_TRANSITION, "2.3", ["key", "size", "eTag", "sequencer"])],
    ids=["put", "multipart", "delete", "delete-marker", "restore-post", "restore-delete", "tagging", "acl",
         "lifecycle-expiration", "lifecycle-transition"],
)  # fmt: skip
def test_object_fields_per_event(name: EventName, version: str, fields: list[str]) -> None:
    obj = ObjectState(key="k", seq=7, size=3, etag='"abc"')
    record = model.event_record(name, "b", obj, ORIGIN, configuration_id="c", epoch=EPOCH)
    assert (record["eventVersion"], list(record["s3"]["object"])) == (version, fields)


@pytest.mark.parametrize(
    ("version_id", "present"), [(None, False), ("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", True), ("null", True)],
    ids=["unversioned", "versioned", "suspended-null"],
)  # fmt: skip
def test_version_id_only_when_given(version_id: str | None, present: bool) -> None:
    obj = ObjectState(key="k", seq=1, version_id=version_id)
    record = model.event_record(
        EventName.OBJECT_REMOVED_DELETE, "b", obj, ORIGIN, configuration_id="c", epoch=0
    )
    assert ("versionId" in record["s3"]["object"]) is present
    assert record["s3"]["object"].get("versionId") == version_id


def test_record_key_is_encoded() -> None:
    obj = ObjectState(key="my photos/a+b.jpg", seq=1, size=0, etag="e")
    record = model.event_record(
        EventName.OBJECT_CREATED_POST, "b", obj, ORIGIN, configuration_id="c", epoch=0
    )
    assert record["s3"]["object"]["key"] == "my+photos/a%2Bb.jpg"


def test_s3_test_event() -> None:
    message = model.s3_test_event("raw-uploads", request_id="R1", host_id="H1", epoch=EPOCH)
    assert message == {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2023-11-14T22:13:20.123Z",
        "Bucket": "raw-uploads",
        "RequestId": "R1",
        "HostId": "H1",
    }
