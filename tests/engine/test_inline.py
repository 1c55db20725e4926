"""Small bodies stored inline in SQLite: round trips, the threshold, overwrites, copies, ranges."""

from __future__ import annotations

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.inline import INLINE_MAX
from aerostore.storage.model import ObjectAttrs

from .conftest import ATTRS, UNKNOWN, Body, files, inline_seqs, md5, put, read_all

DATA = bytes(range(256)) * 40  # 10 KiB


async def _bucket(engine: Engine, versioning: str = "") -> None:
    await engine.create_bucket("b", "alice")
    if versioning:
        await engine.set_versioning("b", versioning)


async def test_roundtrip_writes_no_file(engine: Engine) -> None:
    await _bucket(engine)
    v = await engine.put_object("b", "k", Body(DATA[:3000], DATA[3000:]), ATTRS)
    assert (v.size, v.etag, v.segments) == (len(DATA), md5(DATA), ())
    got = engine.get_version("b", "k")
    assert got == v and got.inline == DATA
    assert read_all(engine, "b", "k") == DATA
    assert inline_seqs(engine) == [v.seq]
    assert files(engine.blobs.tmp_dir) == files(engine.blobs.blobs_dir) == []


@pytest.mark.parametrize(
    ("size", "inline"), [(0, True), (INLINE_MAX, True), (INLINE_MAX + 1, False)], ids=["empty", "max", "over"]
)
async def test_threshold(engine: Engine, size: int, inline: bool) -> None:
    await _bucket(engine)
    data = b"t" * size
    v = await put(engine, "b", "k", data)
    assert (engine.get_version("b", "k").inline is not None) is inline
    assert len(files(engine.blobs.blobs_dir)) == int(not inline)
    assert read_all(engine, "b", "k") == data
    assert v.etag == md5(data)


async def test_unknown_length_goes_to_a_blob(engine: Engine) -> None:
    await _bucket(engine)
    await engine.put_object("b", "k", Body(b"small", declared=UNKNOWN), ATTRS)
    assert engine.get_version("b", "k").inline is None
    assert len(files(engine.blobs.blobs_dir)) == 1


async def test_body_longer_than_declared_is_refused(engine: Engine) -> None:
    await _bucket(engine)
    body = Body(b"x" * INLINE_MAX, b"x", declared=10)
    with pytest.raises(errors.IncompleteBody):
        await engine.put_object("b", "k", body, ATTRS)
    with pytest.raises(errors.NoSuchKey):
        engine.get_version("b", "k")


async def test_failing_body_stores_nothing(engine: Engine) -> None:
    await _bucket(engine)
    with pytest.raises(errors.XAmzContentSHA256Mismatch):
        await engine.put_object("b", "k", Body(b"a", b"b", fail_after=1), ATTRS)
    with pytest.raises(errors.NoSuchKey):
        engine.get_version("b", "k")
    assert inline_seqs(engine) == []


@pytest.mark.parametrize(
    ("first_blob", "second_blob"),
    [(False, False), (True, False), (False, True)],
    ids=["inline-over-inline", "inline-over-blob", "blob-over-inline"],
)
async def test_overwrite_frees_the_old_body(engine: Engine, first_blob: bool, second_blob: bool) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"one", blob=first_blob)
    second = await put(engine, "b", "k", b"two", blob=second_blob)
    assert read_all(engine, "b", "k") == b"two"
    await engine.collect_garbage(grace=0)
    assert inline_seqs(engine) == ([] if second_blob else [second.seq])
    assert files(engine.blobs.blobs_dir) == [engine.blobs.path(s.path) for s in second.segments]


async def test_reader_keeps_the_body_it_resolved(engine: Engine) -> None:
    """A GET that resolved a version before an overwrite still serves that version's bytes."""
    await _bucket(engine)
    await put(engine, "b", "k", b"old")
    resolved = engine.get_version("b", "k")
    await put(engine, "b", "k", b"new")
    assert b"".join(engine.open_range(resolved, 0, 2)) == b"old"


async def test_versions_keep_their_bodies(engine: Engine) -> None:
    await _bucket(engine, "Enabled")
    one = await put(engine, "b", "k", b"one")
    two = await put(engine, "b", "k", b"two")
    assert read_all(engine, "b", "k", one.version_id) == b"one"
    await engine.delete_object("b", "k", two.version_id)
    assert inline_seqs(engine) == [one.seq]
    assert read_all(engine, "b", "k") == b"one"


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 9), (3, 3), (5, 9), (0, 0), (9, 20)],
    ids=["all", "one", "tail", "first", "past-end"],
)
async def test_range_reads(engine: Engine, start: int, end: int) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"0123456789")
    v = engine.get_version("b", "k")
    assert b"".join(engine.open_range(v, start, end)) == b"0123456789"[start : end + 1]


async def test_listed_versions_carry_no_body(engine: Engine) -> None:
    """Listings stay small; reading a version loaded without its body fails loudly, never short."""
    await _bucket(engine)
    await put(engine, "b", "k", b"abc")
    listed = engine.list_objects("b").objects[0]
    assert listed.inline is None
    with pytest.raises(RuntimeError):
        engine.open_range(listed, 0, 2)


@pytest.mark.parametrize("source_blob", [False, True], ids=["from-inline", "from-blob"])
async def test_copy_of_a_small_object_is_inline(engine: Engine, source_blob: bool) -> None:
    await _bucket(engine)
    source = await put(engine, "b", "src", DATA, blob=source_blob)
    copy = await engine.copy_object(
        engine.get_version("b", "src"),
        "b",
        "dst",
        ObjectAttrs(content_type="text/plain", checksum_algorithm="CRC32"),
    )
    assert (copy.etag, copy.size, copy.segments) == (source.etag, len(DATA), ())
    assert "CRC32" in copy.checksums
    assert read_all(engine, "b", "dst") == DATA
    assert copy.seq in inline_seqs(engine)
    await engine.delete_object("b", "src")
    assert read_all(engine, "b", "dst") == DATA


async def test_copy_of_an_empty_object(engine: Engine) -> None:
    await _bucket(engine)
    await put(engine, "b", "src", b"")
    copy = await engine.copy_object(engine.get_version("b", "src"), "b", "dst", ATTRS)
    assert (copy.size, copy.etag) == (0, md5(b""))
    assert engine.get_version("b", "dst").inline == b""


async def test_part_copy_from_an_inline_source_is_a_file(engine: Engine) -> None:
    await _bucket(engine)
    await put(engine, "b", "src", DATA)
    upload = await engine.create_upload("b", "big", ATTRS)
    part = await engine.put_part_copy(upload, 1, engine.get_version("b", "src"), 100, 199)
    assert (part.size, part.etag) == (100, md5(DATA[100:200]))
    version = await engine.complete_upload(upload, [(1, part.etag)])
    assert version.segments == (part.segment,)
    assert read_all(engine, "b", "big") == DATA[100:200]


async def test_garbage_collection_ignores_inline_bodies(engine: Engine) -> None:
    await _bucket(engine)
    await put(engine, "b", "k", b"one")
    await put(engine, "b", "k", b"two")
    await engine.delete_object("b", "k")
    assert await engine.collect_garbage(grace=0) == 0
    assert inline_seqs(engine) == []
