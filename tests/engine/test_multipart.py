"""Multipart uploads: complete without rewriting bytes, validation errors, abort, listing, expiry."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import zlib

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import Conditions, ObjectAttrs, Upload

from .conftest import ATTRS, Body, MiB, files, md5, put, read_all

FIVE = 5 * MiB


async def _upload(engine: Engine, key: str = "big", attrs: ObjectAttrs = ATTRS) -> Upload:
    await engine.create_bucket("b", "alice")
    return await engine.create_upload("b", key, attrs)


def _part(n: int, size: int) -> bytes:
    return bytes([n]) * size


async def test_complete_uses_part_files_as_segments(engine: Engine) -> None:
    upload = await _upload(engine)
    parts = [await engine.put_part(upload, n, Body(_part(n, FIVE if n < 3 else 1000))) for n in (1, 2, 3)]
    version = await engine.complete_upload(upload, [(p.number, f'"{p.etag}"') for p in parts])
    assert version.segments == tuple(p.segment for p in parts)  # the bytes were not rewritten
    assert version.multipart and version.parts_count == 3
    assert version.size == 2 * FIVE + 1000
    binary = b"".join(bytes.fromhex(p.etag) for p in parts)
    assert version.etag == f"{hashlib.md5(binary).hexdigest()}-3"
    assert read_all(engine, "b", "big") == _part(1, FIVE) + _part(2, FIVE) + _part(3, 1000)
    across = b"".join(engine.blobs.open_range(version.segments, 2 * FIVE - 2, 2 * FIVE + 1))
    assert across == _part(2, 2) + _part(3, 2)
    with pytest.raises(errors.NoSuchUpload):
        engine.get_upload("b", "big", upload.upload_id)
    assert engine.list_uploads("b")[0] == []


async def test_unlisted_parts_become_garbage(engine: Engine) -> None:
    upload = await _upload(engine)
    p1 = await engine.put_part(upload, 1, Body(b"one"))
    p2 = await engine.put_part(upload, 2, Body(b"two"))
    version = await engine.complete_upload(upload, [(1, p1.etag)])
    await engine.collect_garbage(grace=0)
    assert files(engine.blobs.blobs_dir) == [engine.blobs.path(version.segments[0].path)]
    assert not engine.blobs.path(p2.segment.path).exists()


async def test_part_upload_again_replaces_it(engine: Engine) -> None:
    upload = await _upload(engine)
    old = await engine.put_part(upload, 1, Body(b"old"))
    new = await engine.put_part(upload, 1, Body(b"new"))
    parts, truncated = engine.list_parts(upload)
    assert (parts, truncated) == ([new], False)
    await engine.collect_garbage(grace=0)
    assert not engine.blobs.path(old.segment.path).exists()
    with pytest.raises(errors.InvalidPart):
        await engine.complete_upload(upload, [(1, old.etag)])


@pytest.mark.parametrize(
    ("listed", "error"),
    [
        ([(2, "e2"), (1, "e1")], errors.InvalidPartOrder),
        ([(1, "e1"), (1, "e1")], errors.InvalidPartOrder),
        ([(1, "e1"), (3, "e3")], errors.InvalidPart),
        ([(1, "wrong")], errors.InvalidPart),
        ([(1, "e1"), (2, "e2")], errors.EntityTooSmall),
        ([], errors.MalformedXML),
    ],
    ids=["descending", "repeated", "unknown-number", "wrong-etag", "too-small", "empty"],
)
async def test_complete_errors(
    engine: Engine, listed: list[tuple[int, str]], error: type[errors.S3Error]
) -> None:
    upload = await _upload(engine)
    etags = {f"e{n}": (await engine.put_part(upload, n, Body(b"%d" % n))).etag for n in (1, 2)}
    listed = [(n, etags.get(e, e)) for n, e in listed]
    with pytest.raises(error):
        await engine.complete_upload(upload, listed)
    assert len(engine.list_parts(upload)[0]) == 2  # the upload is untouched


async def test_complete_condition(engine: Engine) -> None:
    upload = await _upload(engine)
    await put(engine, "b", "big", b"exists")
    part = await engine.put_part(upload, 1, Body(b"x"))
    with pytest.raises(errors.PreconditionFailed):
        await engine.complete_upload(upload, [(1, part.etag)], Conditions(if_none_match="*"))
    assert read_all(engine, "b", "big") == b"exists"


async def test_abort_removes_parts(engine: Engine) -> None:
    upload = await _upload(engine)
    await engine.put_part(upload, 1, Body(b"x"))
    await engine.abort_upload(upload)
    await engine.collect_garbage(grace=0)
    assert files(engine.blobs.blobs_dir) == []
    with pytest.raises(errors.NoSuchUpload):
        await engine.abort_upload(upload)
    with pytest.raises(errors.NoSuchUpload):
        await engine.put_part(upload, 2, Body(b"x"))


async def test_part_after_abort_leaves_no_blob(engine: Engine) -> None:
    """An abort that commits while a part streams: the part's commit fails and its blob goes."""
    upload = await _upload(engine)
    gate = asyncio.Event()

    class SlowBody(Body):
        async def __aiter__(self):  # type: ignore[no-untyped-def, override]  # noqa: ANN204
            await gate.wait()
            yield b"late"
            self._done = True

    task = asyncio.create_task(engine.put_part(upload, 1, SlowBody(b"late")))
    await asyncio.sleep(0.01)
    await engine.abort_upload(upload)
    gate.set()
    with pytest.raises(errors.NoSuchUpload):
        await task
    assert files(engine.blobs.blobs_dir) == [] and files(engine.blobs.tmp_dir) == []


@pytest.mark.parametrize("number", [0, 10_001])
async def test_part_number_range(engine: Engine, number: int) -> None:
    upload = await _upload(engine)
    with pytest.raises(errors.InvalidArgument):
        await engine.put_part(upload, number, Body(b"x"))


async def test_list_parts_pages(engine: Engine) -> None:
    upload = await _upload(engine)
    for n in range(1, 6):
        await engine.put_part(upload, n, Body(b"%d" % n))
    first, more = engine.list_parts(upload, max_parts=2)
    assert [p.number for p in first] == [1, 2] and more
    rest, more = engine.list_parts(upload, marker=2, max_parts=10)
    assert [p.number for p in rest] == [3, 4, 5] and not more


async def test_list_uploads(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    a1 = await engine.create_upload("b", "a", ATTRS)
    a2 = await engine.create_upload("b", "a", ATTRS)
    await engine.create_upload("b", "dir/x", ATTRS)
    c = await engine.create_upload("b", "c", ATTRS)
    uploads, prefixes, truncated = engine.list_uploads("b", delimiter="/")
    assert [u.upload_id for u in uploads] == [a1.upload_id, a2.upload_id, c.upload_id]
    assert (prefixes, truncated) == (["dir/"], False)
    page, _, truncated = engine.list_uploads("b", max_uploads=1)
    assert [u.upload_id for u in page] == [a1.upload_id] and truncated
    page, _, _ = engine.list_uploads("b", key_marker="a", upload_id_marker=a1.upload_id, max_uploads=1)
    assert [u.upload_id for u in page] == [a2.upload_id]
    page, _, _ = engine.list_uploads("b", key_marker="a")
    assert [u.key for u in page] == ["c", "dir/x"]


async def test_part_copy(engine: Engine) -> None:
    upload = await _upload(engine)
    source = await put(engine, "b", "src", b"0123456789")
    part = await engine.put_part_copy(upload, 1, source, 2, 5)
    assert (part.size, part.etag) == (4, md5(b"2345"))
    version = await engine.complete_upload(upload, [(1, part.etag)])
    assert read_all(engine, "b", "big") == b"2345"
    assert version.segments == (part.segment,)
    with pytest.raises(errors.InvalidArgument):
        await engine.put_part_copy(await engine.create_upload("b", "k", ATTRS), 1, source, 5, 10)


async def test_sweep_expires_old_uploads(engine: Engine) -> None:
    upload = await _upload(engine)
    await engine.put_part(upload, 1, Body(b"x"))
    assert (await engine.sweep()).uploads == 0
    engine.housekeeper.upload_max_age = 0
    report = await engine.sweep()
    assert (report.uploads, report.blobs) == (1, 1)
    assert files(engine.blobs.blobs_dir) == []


async def test_composite_checksum(engine: Engine) -> None:
    checksums = pytest.importorskip("aerostore.auth.checksums")
    upload = await _upload(engine, attrs=ObjectAttrs(checksum_algorithm="CRC32"))
    p1 = await engine.put_part(upload, 1, Body(_part(1, FIVE), crc32=True))
    p2 = await engine.put_part(upload, 2, Body(b"tail", crc32=True))
    version = await engine.complete_upload(upload, [(1, p1.etag), (2, p2.etag)])
    expected = checksums.composite("CRC32", [p1.checksums["CRC32"], p2.checksums["CRC32"]])
    assert version.checksums == {"CRC32": expected} and expected.endswith("-2")
    assert version.attrs.checksum_type == "COMPOSITE"


async def test_full_object_checksum(engine: Engine) -> None:
    pytest.importorskip("aerostore.auth.checksums")
    upload = await _upload(engine, attrs=ObjectAttrs(checksum_algorithm="CRC32", checksum_type="FULL_OBJECT"))
    data = _part(1, FIVE) + b"tail"
    p1 = await engine.put_part(upload, 1, Body(data[:FIVE], crc32=True))
    p2 = await engine.put_part(upload, 2, Body(data[FIVE:], crc32=True))
    version = await engine.complete_upload(upload, [(1, p1.etag), (2, p2.etag)])
    whole = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert version.checksums == {"CRC32": whole}
    assert version.attrs.checksum_type == "FULL_OBJECT"
