"""Outbox rows are written in the transaction of the change they describe: never lost, never invented."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aerostore.events import filters
from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import Conditions

from .conftest import ATTRS, Body, MiB, put

QUEUE = "arn:aws:sqs:us-east-1:000000000000:events"
OTHER = "arn:aws:sqs:us-east-1:000000000000:other"


def rows(engine: Engine) -> list[dict[str, Any]]:
    found = engine.db.reader().execute("SELECT target, event_name, payload FROM outbox ORDER BY id")
    return [{"target": r[0], "name": r[1], "message": json.loads(r[2])} for r in found]


def records(engine: Engine) -> list[dict[str, Any]]:
    return [r["message"]["Records"][0] for r in rows(engine) if "Records" in r["message"]]


async def _configured(engine: Engine, *queues: dict[str, Any], versioned: bool = False) -> None:
    await engine.create_bucket("b", "alice")
    if versioned:
        await engine.set_versioning("b", "Enabled")
    config = filters.validate({"QueueConfigurations": list(queues)})
    await engine.notifier.put_configuration("b", config, test_event=False)


def _queue(arn: str = QUEUE, events: tuple[str, ...] = ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"),
           prefix: str = "", suffix: str = "", ident: str = "cfg") -> dict[str, Any]:  # fmt: skip
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    q: dict[str, Any] = {"Id": ident, "QueueArn": arn, "Events": list(events)}
    if rules:
        q["Filter"] = {"Key": {"FilterRules": rules}}
    return q


async def test_no_configuration_no_rows(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "k", b"x")
    assert rows(engine) == []


async def test_put_record_fields(engine: Engine) -> None:
    await _configured(engine, _queue())
    version = await put(engine, "b", "red flower+1.jpg", b"hello")
    [row] = rows(engine)
    assert row["target"] == QUEUE and row["name"] == "s3:ObjectCreated:Put"
    record = row["message"]["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["configurationId"] == "cfg"
    obj = record["s3"]["object"]
    assert obj["key"] == "red+flower%2B1.jpg"
    assert obj["size"] == 5 and obj["eTag"] == version.etag
    assert "versionId" not in obj  # unversioned bucket
    assert len(obj["sequencer"]) == 16
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::b"
    assert record["s3"]["bucket"]["ownerIdentity"]["principalId"]  # the owner's canonical id


async def test_filters_select_keys(engine: Engine) -> None:
    await _configured(engine, _queue(prefix="images/", suffix=".jpg"))
    for key in ("images/a.jpg", "images/a.png", "docs/a.jpg", "images/sub/b.jpg"):
        await put(engine, "b", key, b"x")
    assert [r["s3"]["object"]["key"] for r in records(engine)] == ["images/a.jpg", "images/sub/b.jpg"]


async def test_each_matching_configuration_gets_a_row(engine: Engine) -> None:
    jpg, png = _queue(QUEUE, suffix=".jpg", ident="a"), _queue(OTHER, suffix=".png", ident="b")
    await _configured(engine, jpg, png)
    await put(engine, "b", "x.jpg", b"1")
    await put(engine, "b", "x.png", b"2")
    assert [(r["target"], r["message"]["Records"][0]["s3"]["configurationId"]) for r in rows(engine)] == [
        (QUEUE, "a"),
        (OTHER, "b"),
    ]


async def test_failed_write_writes_no_event(engine: Engine) -> None:
    await _configured(engine, _queue())
    await put(engine, "b", "k", b"one")
    with pytest.raises(errors.PreconditionFailed):
        await put(engine, "b", "k", b"two", conditions=Conditions(if_none_match="*"))
    with pytest.raises(errors.NoSuchBucket):
        await put(engine, "nope", "k", b"x")
    assert len(rows(engine)) == 1


async def test_blob_put_copy_and_multipart_events(engine: Engine) -> None:
    await _configured(engine, _queue())
    source = await put(engine, "b", "big", b"b" * (MiB + 1), blob=True)
    await engine.copy_object(source, "b", "copy", ATTRS)
    await engine.copy_object(await put(engine, "b", "small", b"s"), "b", "small-copy", ATTRS)
    upload = await engine.create_upload("b", "mp", ATTRS)
    part = await engine.put_part(upload, 1, Body(b"p" * 10))
    done = await engine.complete_upload(upload, [(1, part.etag)])
    names = [r["eventName"] for r in records(engine)]
    assert names == ["ObjectCreated:Put", "ObjectCreated:Copy", "ObjectCreated:Put", "ObjectCreated:Copy",
                     "ObjectCreated:CompleteMultipartUpload"]  # fmt: skip
    assert records(engine)[-1]["s3"]["object"]["eTag"] == done.etag
    assert records(engine)[1]["s3"]["object"]["size"] == MiB + 1


async def test_removals(engine: Engine) -> None:
    await _configured(engine, _queue(), versioned=True)
    one = await put(engine, "b", "k", b"one")
    marker = await engine.delete_object("b", "k")
    assert marker is not None
    await engine.delete_object("b", "k", one.version_id)
    await engine.delete_object("b", "never-there", None)  # a marker, even here: S3 stacks one
    names = [(r["eventName"], r["s3"]["object"].get("versionId")) for r in records(engine)]
    assert names == [
        ("ObjectCreated:Put", one.version_id),
        ("ObjectRemoved:DeleteMarkerCreated", marker.version_id),
        ("ObjectRemoved:Delete", one.version_id),
        ("ObjectRemoved:DeleteMarkerCreated", names[3][1]),
    ]
    assert "size" not in records(engine)[1]["s3"]["object"]


async def test_unversioned_delete_of_nothing_is_no_event(engine: Engine) -> None:
    await _configured(engine, _queue())
    await engine.delete_object("b", "missing")
    await put(engine, "b", "k", b"x")
    results = await engine.delete_objects("b", [("k", None), ("missing", None)])
    assert len(results) == 2
    assert [r["eventName"] for r in records(engine)] == ["ObjectCreated:Put", "ObjectRemoved:Delete"]


async def test_tagging_events(engine: Engine) -> None:
    await _configured(engine, _queue(events=("s3:ObjectTagging:*",)))
    await put(engine, "b", "k", b"x")
    await engine.put_object_tagging("b", "k", None, {"a": "1"})
    await engine.delete_object_tagging("b", "k")
    assert [r["eventName"] for r in records(engine)] == ["ObjectTagging:Put", "ObjectTagging:Delete"]
    assert records(engine)[0]["eventVersion"] == "2.3"


async def test_sequencer_orders_changes_of_a_key(engine: Engine) -> None:
    await _configured(engine, _queue())
    for i in range(20):
        await put(engine, "b", "k", str(i).encode())
    sequencers = [r["s3"]["object"]["sequencer"] for r in records(engine)]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 20


async def test_test_event_on_save(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    config = filters.validate({"QueueConfigurations": [_queue(QUEUE, ident="a"), _queue(OTHER, ident="b",
                                                       events=("s3:ObjectTagging:*",))]})  # fmt: skip
    await engine.notifier.put_configuration("b", config)
    messages = [(r["target"], r["message"]["Event"], r["message"]["Bucket"]) for r in rows(engine)]
    assert messages == [(QUEUE, "s3:TestEvent", "b"), (OTHER, "s3:TestEvent", "b")]
    assert [q.id for q in engine.notifier.get_configuration("b").queues] == ["a", "b"]


async def test_full_backlog_refuses_the_change(engine: Engine) -> None:
    await _configured(engine, _queue())
    engine.notifier.backlog.limits[QUEUE] = 2
    await put(engine, "b", "a", b"1")
    await put(engine, "b", "b", b"2")
    with pytest.raises(errors.SlowDown):
        await put(engine, "b", "c", b"3")
    with pytest.raises(errors.SlowDown):
        await put(engine, "b", "d", b"4" * (MiB + 1), blob=True)
    assert len(rows(engine)) == 2
    assert [o.key for o in engine.list_objects("b").objects] == ["a", "b"]  # nothing half-done
