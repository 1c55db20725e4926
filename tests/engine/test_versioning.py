"""Version stacks: Enabled and Suspended buckets, delete markers, deleting versions, listing them."""

from __future__ import annotations

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import NULL_VERSION

from .conftest import files, inline_seqs, put, read_all


async def _versioned(engine: Engine, status: str = "Enabled") -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", status)


async def test_enabled_keeps_every_version(engine: Engine) -> None:
    await _versioned(engine)
    one = await put(engine, "b", "k", b"one")
    two = await put(engine, "b", "k", b"two")
    assert one.version_id != two.version_id != NULL_VERSION
    assert read_all(engine, "b", "k") == b"two"
    assert read_all(engine, "b", "k", one.version_id) == b"one"
    assert engine.get_version("b", "k", one.version_id).is_latest is False


async def test_delete_marker_hides_the_key(engine: Engine) -> None:
    await _versioned(engine)
    one = await put(engine, "b", "k", b"one")
    marker = await engine.delete_object("b", "k")
    assert marker is not None and marker.delete_marker and marker.version_id != one.version_id
    latest = engine.get_version("b", "k")
    assert (latest.delete_marker, latest.version_id) == (True, marker.version_id)
    assert engine.list_objects("b").objects == []
    assert read_all(engine, "b", "k", one.version_id) == b"one"


async def test_deleting_the_marker_restores_the_object(engine: Engine) -> None:
    await _versioned(engine)
    one = await put(engine, "b", "k", b"one")
    marker = await engine.delete_object("b", "k")
    assert marker is not None
    deleted = await engine.delete_object("b", "k", marker.version_id)
    assert deleted is not None and deleted.delete_marker
    assert engine.get_version("b", "k").version_id == one.version_id
    assert [o.key for o in engine.list_objects("b").objects] == ["k"]


async def test_deleting_latest_version_repoints(engine: Engine) -> None:
    await _versioned(engine)
    one = await put(engine, "b", "k", b"one")
    two = await put(engine, "b", "k", b"two")
    await engine.delete_object("b", "k", two.version_id)
    latest = engine.get_version("b", "k")
    assert (latest.version_id, latest.is_latest) == (one.version_id, True)
    assert engine.list_objects("b").objects[0].version_id == one.version_id
    await engine.collect_garbage(grace=0)
    assert inline_seqs(engine) == [one.seq]
    assert files(engine.blobs.blobs_dir) == []


async def test_deleting_last_version_removes_the_key(engine: Engine) -> None:
    await _versioned(engine)
    one = await put(engine, "b", "k", b"one")
    await engine.delete_object("b", "k", one.version_id)
    with pytest.raises(errors.NoSuchKey):
        engine.get_version("b", "k")
    assert await engine.delete_object("b", "k", one.version_id) is None


async def test_null_version_survives_enabling(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    null = await put(engine, "b", "k", b"null")
    await engine.set_versioning("b", "Enabled")
    new = await put(engine, "b", "k", b"new")
    assert [v.version_id for v in engine.list_versions("b").versions] == [new.version_id, NULL_VERSION]
    assert read_all(engine, "b", "k", NULL_VERSION) == b"null"
    assert null.version_id == NULL_VERSION


async def test_suspended_replaces_only_the_null_version(engine: Engine) -> None:
    await _versioned(engine)
    kept = await put(engine, "b", "k", b"kept")
    await engine.set_versioning("b", "Suspended")
    await put(engine, "b", "k", b"null 1")
    null2 = await put(engine, "b", "k", b"null 2")
    versions = engine.list_versions("b").versions
    assert [v.version_id for v in versions] == [NULL_VERSION, kept.version_id]
    assert versions[0].seq == null2.seq
    assert inline_seqs(engine) == [kept.seq, null2.seq]


async def test_suspended_delete_writes_a_null_marker(engine: Engine) -> None:
    await _versioned(engine, "Suspended")
    await put(engine, "b", "k", b"null")
    marker = await engine.delete_object("b", "k")
    assert marker is not None and (marker.delete_marker, marker.version_id) == (True, NULL_VERSION)
    assert [v.delete_marker for v in engine.list_versions("b").versions] == [True]


async def test_list_versions_order_and_pages(engine: Engine) -> None:
    await _versioned(engine)
    made = {}
    for key in ["b", "a", "c"]:
        made[key] = [await put(engine, "b", key, b"%d" % i) for i in range(3)]
    await engine.delete_object("b", "b")
    expected = [(v.key, v.version_id) for v in reversed(made["a"])]
    marker = engine.get_version("b", "b")
    expected += [("b", marker.version_id)] + [(v.key, v.version_id) for v in reversed(made["b"])]
    expected += [(v.key, v.version_id) for v in reversed(made["c"])]
    whole = engine.list_versions("b")
    assert [(v.key, v.version_id) for v in whole.versions] == expected
    assert [v.is_latest for v in whole.versions].count(True) == 3

    got, key_marker, vid_marker = [], "", ""
    while True:
        page = engine.list_versions("b", key_marker=key_marker, version_id_marker=vid_marker, max_keys=2)
        got += [(v.key, v.version_id) for v in page.versions]
        if not page.is_truncated:
            break
        key_marker, vid_marker = page.next_key_marker or "", page.next_version_id_marker or ""
    assert got == expected


async def test_list_versions_with_delimiter(engine: Engine) -> None:
    await _versioned(engine)
    for key in ["dir/a", "dir/b", "top"]:
        await put(engine, "b", key, b"1")
        await put(engine, "b", key, b"2")
    page = engine.list_versions("b", delimiter="/")
    assert page.common_prefixes == ["dir/"]
    assert [v.key for v in page.versions] == ["top", "top"]


async def test_version_id_marker_needs_key_marker(engine: Engine) -> None:
    await _versioned(engine)
    with pytest.raises(errors.InvalidArgument):
        engine.list_versions("b", version_id_marker=NULL_VERSION)


async def test_suspended_before_ever_enabled(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    assert (await engine.set_versioning("b", "Suspended")).versioning == "Suspended"
    await put(engine, "b", "k", b"1")
    await put(engine, "b", "k", b"2")
    assert [v.version_id for v in engine.list_versions("b").versions] == [NULL_VERSION]
    with pytest.raises(errors.MalformedXML):
        await engine.set_versioning("b", "")  # never back to unversioned


async def test_list_versions_pages_inside_one_key(engine: Engine) -> None:
    await _versioned(engine)
    made = [await put(engine, "b", "k", b"%d" % i) for i in range(5)]
    marker = await engine.delete_object("b", "k")
    assert marker is not None
    await put(engine, "b", "z", b"z")
    expected = [marker.version_id] + [v.version_id for v in reversed(made)]
    pages, key_marker, vid_marker = [], "", ""
    while True:
        page = engine.list_versions("b", "", "", key_marker, vid_marker, max_keys=2)
        pages.append([(v.key, v.version_id, v.is_latest, v.delete_marker) for v in page.versions])
        if not page.is_truncated:
            break
        last = page.versions[-1]
        assert (page.next_key_marker, page.next_version_id_marker) == (last.key, last.version_id)
        key_marker, vid_marker = page.next_key_marker or "", page.next_version_id_marker or ""
    flat = [entry for page in pages for entry in page]
    assert [e[1] for e in flat if e[0] == "k"] == expected
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [e[2] for e in flat if e[0] == "k"] == [True] + [False] * 5
    assert flat[0][3] is True and flat[-1][0] == "z"


async def test_list_versions_from_the_null_version(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "a", b"null")
    await engine.set_versioning("b", "Enabled")
    newer = await put(engine, "b", "a", b"new")
    after = await put(engine, "b", "b", b"b")
    page = engine.list_versions("b", key_marker="a", version_id_marker=newer.version_id)
    assert [(v.key, v.version_id) for v in page.versions] == [("a", NULL_VERSION), ("b", after.version_id)]
    page = engine.list_versions("b", key_marker="a", version_id_marker=NULL_VERSION)
    assert [(v.key, v.version_id) for v in page.versions] == [("b", after.version_id)]
