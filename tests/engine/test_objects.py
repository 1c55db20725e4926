"""Objects in an unversioned bucket: CRUD, overwrite, conditions, failures, concurrency, copy."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from aerostore.s3 import errors
from aerostore.storage.blobs import READ_CHUNK
from aerostore.storage.engine import Engine
from aerostore.storage.model import NULL_VERSION, Conditions, ObjectAttrs

from .conftest import ATTRS, UNKNOWN, Body, MiB, files, inline_seqs, md5, put, read_all


async def _bucket(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")


async def test_put_get_roundtrip(engine: Engine) -> None:
    await _bucket(engine)
    attrs = ObjectAttrs(
        content_type="image/jpeg", headers={"Cache-Control": "no-cache"}, user_meta={"tail": "n1"}
    )
    v = await engine.put_object("b", "photos/1.jpg", Body(b"hello ", b"world"), attrs)
    assert (v.version_id, v.is_latest, v.size, v.etag) == (NULL_VERSION, True, 11, md5(b"hello world"))
    got = engine.get_version("b", "photos/1.jpg")
    assert got == v
    assert got.attrs == attrs
    assert read_all(engine, "b", "photos/1.jpg") == b"hello world"


async def test_empty_object(engine: Engine) -> None:
    await _bucket(engine)
    v = await put(engine, "b", "empty", b"")
    assert (v.size, v.etag) == (0, md5(b""))
    assert list(engine.blobs.open_range(v.segments, 0, -1)) == []


async def test_large_object_streams_in_chunks(engine: Engine) -> None:
    await _bucket(engine)
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB, sent in 64 KiB chunks
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    v = await engine.put_object("b", "big", Body(*chunks), ATTRS)
    pieces = list(engine.blobs.open_range(v.segments, 0, v.size - 1))
    assert max(len(p) for p in pieces) <= READ_CHUNK
    assert b"".join(pieces) == data
    assert b"".join(engine.blobs.open_range(v.segments, 5, 1_000_004)) == data[5:1_000_005]


@pytest.mark.parametrize(("declared", "expected"), [(None, 0), (UNKNOWN, 2)], ids=["inline", "blob"])
async def test_small_object_thread_hops(engine: Engine, declared: int | None, expected: int) -> None:
    """Inline: none. A blob: write+fsync+link in one hop, then dropping the temp name after commit."""
    await _bucket(engine)
    hops = 0
    run = engine.blobs.run

    async def counting(fn, *args):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        nonlocal hops
        hops += 1
        return await run(fn, *args)

    engine.blobs.run = counting  # type: ignore[method-assign]
    await engine.put_object("b", "small", Body(*[b"x" * 512] * 8, declared=declared), ATTRS)
    assert hops == expected


async def test_overwrite_replaces_null_version_and_frees_its_blob(engine: Engine) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"one", blob=True)
    second = await put(engine, "b", "k", b"two", blob=True)
    assert read_all(engine, "b", "k") == b"two"
    page = engine.list_versions("b")
    assert [v.seq for v in page.versions] == [second.seq]
    await engine.collect_garbage(grace=0)
    assert files(engine.blobs.blobs_dir) == [engine.blobs.path(second.segments[0].path)]


async def test_no_bucket_is_checked_before_the_body(engine: Engine) -> None:
    body = Body(b"never read")
    with pytest.raises(errors.NoSuchBucket):
        await engine.put_object("nope", "k", body, ATTRS)
    assert body.consumed == 0


async def test_failing_body_leaves_nothing(engine: Engine) -> None:
    await _bucket(engine)
    body = Body(*[b"x" * MiB] * 4, fail_after=3)  # fails after 3 MiB, with one write in flight
    with pytest.raises(errors.XAmzContentSHA256Mismatch):
        await engine.put_object("b", "k", body, ATTRS)
    with pytest.raises(errors.NoSuchKey):
        engine.get_version("b", "k")
    assert files(engine.blobs.tmp_dir) == []
    assert files(engine.blobs.blobs_dir) == []


@pytest.mark.parametrize("blob", [False, True], ids=["inline", "blob"])
async def test_failed_condition_leaves_nothing(engine: Engine, blob: bool) -> None:
    await _bucket(engine)
    first = await put(engine, "b", "k", b"one", blob=blob)
    with pytest.raises(errors.PreconditionFailed):
        await put(engine, "b", "k", b"two", blob=blob, conditions=Conditions(if_none_match="*"))
    assert engine.get_version("b", "k") == first
    assert files(engine.blobs.tmp_dir) == []
    assert len(files(engine.blobs.blobs_dir)) == int(blob)
    assert inline_seqs(engine) == ([] if blob else [first.seq])


async def test_if_match(engine: Engine) -> None:
    await _bucket(engine)
    first = await put(engine, "b", "k", b"one")
    with pytest.raises(errors.PreconditionFailed):
        await put(engine, "b", "k", b"two", conditions=Conditions(if_match='"0123"'))
    second = await put(engine, "b", "k", b"two", conditions=Conditions(if_match=f'"{first.etag}"'))
    assert engine.get_version("b", "k") == second


async def test_if_match_on_missing_key_is_no_such_key(engine: Engine) -> None:
    await _bucket(engine)
    with pytest.raises(errors.NoSuchKey):
        await put(engine, "b", "k", b"x", conditions=Conditions(if_match="*"))


async def test_if_none_match_creates_when_absent(engine: Engine) -> None:
    await _bucket(engine)
    v = await put(engine, "b", "k", b"x", conditions=Conditions(if_none_match="*"))
    assert engine.get_version("b", "k") == v


async def test_get_missing(engine: Engine) -> None:
    await _bucket(engine)
    with pytest.raises(errors.NoSuchKey):
        engine.get_version("b", "k")
    with pytest.raises(errors.NoSuchBucket):
        engine.get_version("nope", "k")


@pytest.mark.parametrize(
    ("version_id", "error"),
    [("bad id!", errors.InvalidArgument), ("", errors.InvalidArgument), ("A" * 32, errors.NoSuchVersion)],
    ids=["malformed", "empty", "unknown"],
)
async def test_get_bad_version_id(engine: Engine, version_id: str, error: type[errors.S3Error]) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"x")
    with pytest.raises(error):
        engine.get_version("b", "k", version_id)


async def test_get_null_version_by_id(engine: Engine) -> None:
    await _bucket(engine)
    v = await put(engine, "b", "k", b"x")
    assert engine.get_version("b", "k", NULL_VERSION) == v


@pytest.mark.parametrize("blob", [False, True], ids=["inline", "blob"])
async def test_delete_unversioned(engine: Engine, blob: bool) -> None:
    await _bucket(engine)
    v = await put(engine, "b", "k", b"x", blob=blob)
    deleted = await engine.delete_object("b", "k")
    assert deleted == replace(v, inline=None)  # what was removed, without its body
    assert await engine.delete_object("b", "k") is None  # a missing key is no error
    with pytest.raises(errors.NoSuchKey):
        engine.get_version("b", "k")
    await engine.collect_garbage(grace=0)
    assert files(engine.blobs.blobs_dir) == []
    assert inline_seqs(engine) == []


async def test_delete_objects_reports_each_item(engine: Engine) -> None:
    await _bucket(engine)
    await put(engine, "b", "a", b"1")
    results = await engine.delete_objects("b", [("a", None), ("missing", None), ("a", "not a version")])
    assert results[0] is not None and results[0].key == "a"
    assert results[1] is None
    assert isinstance(results[2], errors.InvalidArgument)
    assert engine.list_objects("b").objects == []


@pytest.mark.parametrize("blob", [False, True], ids=["inline", "blob"])
async def test_concurrent_puts_last_writer_wins(engine: Engine, blob: bool) -> None:
    await _bucket(engine)
    results = await asyncio.gather(*(put(engine, "b", "same", b"v%d" % i, blob=blob) for i in range(32)))
    last = max(results, key=lambda v: v.seq)
    assert engine.get_version("b", "same") == last
    assert read_all(engine, "b", "same") == b"v%d" % results.index(last)
    await engine.collect_garbage(grace=0)
    assert files(engine.blobs.blobs_dir) == [engine.blobs.path(s.path) for s in last.segments]
    assert inline_seqs(engine) == ([] if blob else [last.seq])
    assert files(engine.blobs.tmp_dir) == []


async def test_64_concurrent_puts_group_commit(engine: Engine) -> None:
    """Correctness under batching; test_db proves deterministically that jobs share commits."""
    await _bucket(engine)
    results = await asyncio.gather(*(put(engine, "b", f"k{i:02}", b"%d" % i) for i in range(64)))
    assert sorted(v.key for v in results) == [f"k{i:02}" for i in range(64)]
    assert len({v.seq for v in results}) == 64
    page = engine.list_objects("b")
    assert [o.key for o in page.objects] == [f"k{i:02}" for i in range(64)]
    assert all(read_all(engine, "b", f"k{i:02}") == b"%d" % i for i in range(64))


async def test_copy_object(engine: Engine) -> None:
    await _bucket(engine)
    data = b"0123456789" * 300_000  # 3 MB: several copy chunks
    source = await put(engine, "b", "src", data)
    attrs = ObjectAttrs(content_type="text/plain")
    copy = await engine.copy_object(source, "b", "dst", attrs)
    assert (copy.etag, copy.size, copy.attrs.content_type) == (md5(data), len(data), "text/plain")
    assert copy.segments[0].path != source.segments[0].path
    assert read_all(engine, "b", "dst") == data


async def test_copy_computes_requested_checksum(engine: Engine) -> None:
    checksums = pytest.importorskip("aerostore.auth.checksums")
    await _bucket(engine)
    source = await put(engine, "b", "src", b"abc")
    copy = await engine.copy_object(source, "b", "dst", ObjectAttrs(checksum_algorithm="CRC32"))
    hasher = checksums.new_hasher("CRC32")
    hasher.update(b"abc")
    assert copy.checksums == {"CRC32": hasher.digest_b64()}
    assert copy.attrs.checksum_type == "FULL_OBJECT"


async def test_put_stores_body_checksums(engine: Engine) -> None:
    await _bucket(engine)
    v = await engine.put_object("b", "k", Body(b"abc", crc32=True), ATTRS)
    assert v.checksums == {"CRC32": "NSRBwg=="}
    assert engine.get_version("b", "k").attrs.checksum_algorithm == "CRC32"
