"""Tag sets: per version, replaced with the version, durable, refused on delete markers; bucket tags."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import NULL_VERSION, ObjectAttrs

from .conftest import UNKNOWN, Body, MiB, put

TAGS = {"zeta": "1", "alpha": "", "mid": "x y"}


async def _bucket(engine: Engine, versioning: str = "") -> None:
    await engine.create_bucket("b", "alice")
    if versioning:
        await engine.set_versioning("b", versioning)


async def test_put_get_delete_object_tags(engine: Engine) -> None:
    await _bucket(engine)
    v = await put(engine, "b", "k", b"data")
    assert engine.get_object_tagging("b", "k").attrs.tags == {}
    tagged = await engine.put_object_tagging("b", "k", None, TAGS)
    assert (tagged.version_id, tagged.seq, tagged.attrs.tags) == (NULL_VERSION, v.seq, TAGS)
    assert list(engine.get_object_tagging("b", "k").attrs.tags.items()) == list(TAGS.items())  # order kept
    assert engine.get_version("b", "k").attrs.tags == TAGS
    cleared = await engine.delete_object_tagging("b", "k")
    assert cleared.attrs.tags == {}
    assert engine.get_version("b", "k").attrs.tags == {}


async def test_tagging_leaves_the_body_and_metadata_alone(engine: Engine) -> None:
    await _bucket(engine)
    attrs = ObjectAttrs(content_type="text/plain", user_meta={"a": "b"})
    before = await engine.put_object("b", "k", Body(b"hello"), attrs)
    await engine.put_object_tagging("b", "k", None, {"t": "v"})
    after = engine.get_version("b", "k")
    assert (after.etag, after.size, after.last_modified, after.inline) == (
        before.etag, before.size, before.last_modified, b"hello",
    )  # fmt: skip
    assert (after.attrs.content_type, after.attrs.user_meta) == ("text/plain", {"a": "b"})


async def test_put_object_attrs_tags_are_stored(engine: Engine) -> None:
    await _bucket(engine)
    for key, declared in (("inline", None), ("blob", UNKNOWN)):
        attrs = ObjectAttrs(tags={"k": "v"})
        await engine.put_object("b", key, Body(b"x", declared=declared), attrs)
        assert engine.get_object_tagging("b", key).attrs.tags == {"k": "v"}


async def test_overwrite_replaces_the_tags(engine: Engine) -> None:
    await _bucket(engine)
    await engine.put_object("b", "k", Body(b"one"), ObjectAttrs(tags={"old": "1"}))
    await put(engine, "b", "k", b"two")
    assert engine.get_object_tagging("b", "k").attrs.tags == {}


async def test_copy_carries_the_tags_it_is_given(engine: Engine) -> None:
    await _bucket(engine)
    await engine.put_object("b", "src", Body(b"x"), ObjectAttrs(tags={"a": "1"}))
    source = engine.get_version("b", "src")
    await engine.copy_object(source, "b", "dst", source.attrs)
    assert engine.get_object_tagging("b", "dst").attrs.tags == {"a": "1"}


async def test_completed_upload_gets_the_upload_tags(engine: Engine) -> None:
    await _bucket(engine)
    upload = await engine.create_upload("b", "big", ObjectAttrs(tags={"Hello": "World", "foo": "bar"}))
    assert engine.get_upload("b", "big", upload.upload_id).attrs.tags == {"Hello": "World", "foo": "bar"}
    part = await engine.put_part(upload, 1, Body(b"p" * MiB))
    await engine.complete_upload(upload, [(1, part.etag)])
    assert list(engine.get_object_tagging("b", "big").attrs.tags) == ["Hello", "foo"]


async def test_versions_have_their_own_tags(engine: Engine) -> None:
    await _bucket(engine, "Enabled")
    one = await engine.put_object("b", "k", Body(b"1"), ObjectAttrs(tags={"v": "1"}))
    two = await put(engine, "b", "k", b"2")
    latest = await engine.put_object_tagging("b", "k", None, {"v": "2"})
    assert latest.version_id == two.version_id
    assert engine.get_object_tagging("b", "k", one.version_id).attrs.tags == {"v": "1"}
    older = await engine.put_object_tagging("b", "k", one.version_id, {"older": "yes"})
    assert older.version_id == one.version_id
    await engine.delete_object_tagging("b", "k")
    assert engine.get_object_tagging("b", "k").attrs.tags == {}
    assert engine.get_object_tagging("b", "k", one.version_id).attrs.tags == {"older": "yes"}


async def test_null_version_by_id(engine: Engine) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"x")
    tagged = await engine.put_object_tagging("b", "k", NULL_VERSION, {"a": "b"})
    assert tagged.version_id == NULL_VERSION
    assert engine.get_object_tagging("b", "k", NULL_VERSION).attrs.tags == {"a": "b"}


async def test_delete_marker_is_method_not_allowed(engine: Engine) -> None:
    await _bucket(engine, "Enabled")
    await put(engine, "b", "k", b"x")
    marker = await engine.delete_object("b", "k")
    assert marker is not None
    for version_id in (None, marker.version_id):
        with pytest.raises(errors.MethodNotAllowed) as exc:
            engine.get_object_tagging("b", "k", version_id)
        assert exc.value.fields == {"Method": "GET", "ResourceType": "DeleteMarker"}
        assert exc.value.headers()["x-amz-delete-marker"] == "true"
        assert exc.value.headers()["x-amz-version-id"] == marker.version_id
        with pytest.raises(errors.MethodNotAllowed) as exc:
            await engine.put_object_tagging("b", "k", version_id, {"a": "b"})
        assert exc.value.fields["Method"] == "PUT"
        with pytest.raises(errors.MethodNotAllowed) as exc:
            await engine.delete_object_tagging("b", "k", version_id)
        assert exc.value.fields["Method"] == "DELETE"


@pytest.mark.parametrize(
    ("bucket", "key", "version_id", "error"),
    [("nope", "k", None, errors.NoSuchBucket), ("b", "missing", None, errors.NoSuchKey),
     ("b", "k", "A" * 32, errors.NoSuchVersion), ("b", "k", "bad id", errors.InvalidArgument),
     ("b", "k", "", errors.InvalidArgument)],
    ids=["no-bucket", "no-key", "no-version", "malformed-id", "empty-id"],
)  # fmt: skip
async def test_missing_targets(
    engine: Engine, bucket: str, key: str, version_id: str | None, error: type[errors.S3Error]
) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"x")
    with pytest.raises(error):
        engine.get_object_tagging(bucket, key, version_id)
    with pytest.raises(error):
        await engine.put_object_tagging(bucket, key, version_id, {"a": "b"})
    with pytest.raises(error):
        await engine.delete_object_tagging(bucket, key, version_id)


async def test_tagging_races_an_overwrite(engine: Engine) -> None:
    """Tags land on whichever version is latest when the write commits; never on a dropped row."""
    await _bucket(engine)
    await put(engine, "b", "k", b"0")
    for i in range(20):
        tagged, written = await asyncio.gather(
            engine.put_object_tagging("b", "k", None, {"round": str(i)}), put(engine, "b", "k", b"%d" % i)
        )
        latest = engine.get_version("b", "k")
        assert latest.seq == written.seq
        assert latest.attrs.tags in ({}, {"round": str(i)})
        assert tagged.seq <= written.seq


async def test_tags_survive_a_restart(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "data")
    await engine.start()
    await _bucket(engine)
    await put(engine, "b", "k", b"x")
    await engine.put_object_tagging("b", "k", None, TAGS)
    await engine.put_bucket_tagging("b", {"team": "ops"})
    await engine.close()
    again = Engine(tmp_path / "data")
    await again.start()
    try:
        assert list(again.get_object_tagging("b", "k").attrs.tags.items()) == list(TAGS.items())
        assert again.get_bucket_tagging("b") == {"team": "ops"}
    finally:
        await again.close()


async def test_bucket_tags(engine: Engine) -> None:
    await _bucket(engine)
    assert engine.get_bucket_tagging("b") is None
    await engine.put_bucket_tagging("b", {"b": "2", "a": "1"})
    assert list(engine.get_bucket_tagging("b") or {}) == ["b", "a"]
    await engine.put_bucket_tagging("b", {"c": "3"})
    assert engine.get_bucket_tagging("b") == {"c": "3"}
    await engine.put_bucket_tagging("b", {})  # the empty set is no tag set, as AWS
    assert engine.get_bucket_tagging("b") is None
    await engine.put_bucket_tagging("b", {"c": "3"})
    await engine.delete_bucket_tagging("b")
    assert engine.get_bucket_tagging("b") is None
    await engine.delete_bucket_tagging("b")  # idempotent


async def test_bucket_tags_need_the_bucket_and_go_with_it(engine: Engine) -> None:
    with pytest.raises(errors.NoSuchBucket):
        engine.get_bucket_tagging("b")
    with pytest.raises(errors.NoSuchBucket):
        await engine.put_bucket_tagging("b", {"a": "1"})
    with pytest.raises(errors.NoSuchBucket):
        await engine.delete_bucket_tagging("b")
    await _bucket(engine)
    await engine.put_bucket_tagging("b", {"a": "1"})
    await engine.delete_bucket("b")
    await _bucket(engine)
    assert engine.get_bucket_tagging("b") is None
