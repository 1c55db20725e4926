"""S3 event messages as the worker reads them: AWS's record format, form-encoded keys."""

from __future__ import annotations

import json

import pytest

from aerostore.worker.events import BadMessage, Upload, parse_message


def record(name: str = "ObjectCreated:Put", key: str = "a.jpg", **obj: object) -> dict[str, object]:
    return {"eventName": name, "s3": {"bucket": {"name": "raw-uploads"}, "object": {"key": key, **obj}}}


def test_created_record_becomes_an_upload() -> None:
    body = json.dumps({"Records": [record(size=12, eTag="abc", versionId="v1", sequencer="0A")]})
    assert parse_message(body) == [Upload("raw-uploads", "a.jpg", "v1", "abc", 12, "ObjectCreated:Put", "0A")]


@pytest.mark.parametrize(
    ("wire", "key"),
    [
        ("red+flower%2B1+%C3%BC.jpg", "red flower+1 ü.jpg"),
        ("dir/a%25b.jpg", "dir/a%b.jpg"),
        ("a/b c", "a/b c"),
    ],
    ids=["space-plus-unicode", "percent", "plain-space"],
)
def test_key_is_form_decoded(wire: str, key: str) -> None:
    [upload] = parse_message(json.dumps({"Records": [record(key=wire)]}))
    assert upload.key == key


def test_test_event_and_other_event_types_announce_nothing() -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "raw-uploads"}
    assert parse_message(json.dumps(test_event)) == []
    removed = {"Records": [record("ObjectRemoved:Delete"), record("ObjectTagging:Put")]}
    assert parse_message(json.dumps(removed)) == []


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"Message": "hello"}),
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}),
    ],
    ids=["not-json", "not-object", "no-records", "no-s3"],
)
def test_malformed_messages_are_refused(body: str) -> None:
    with pytest.raises(BadMessage):
        parse_message(body)
