"""ListObjects: UTF-8 byte order, prefixes, delimiters, pagination, large buckets, index use."""

from __future__ import annotations

import sqlite3

import pytest

from aerostore.storage import versions
from aerostore.storage.engine import Engine
from aerostore.storage.listing import successor
from aerostore.storage.model import Conditions, ObjectAttrs, ObjectVersion

from .conftest import put

UTF8_KEYS = ["a", "a/b", "a0", "z", "é", "\uff5e", "\U0001f600"]


async def _fill(engine: Engine, keys: list[str]) -> None:
    """Install zero-byte versions in one transaction: the metadata path PUT uses, minus the blobs."""

    def job(conn: sqlite3.Connection) -> None:
        for key in keys:
            draft = ObjectVersion("b", key, "", 0, True, False, 0, "", 0.0, ObjectAttrs(), {}, ())
            versions.install(conn, draft, Conditions())

    await engine.create_bucket("b", "alice")
    await engine.db.write(job)


def _all_keys(engine: Engine, **kw: object) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    marker, pages = "", 0
    while True:
        page = engine.list_objects("b", start_after=marker, **kw)  # type: ignore[arg-type]
        keys += [o.key for o in page.objects]
        prefixes += page.common_prefixes
        pages += 1
        if not page.is_truncated:
            return keys, prefixes, pages
        assert page.next_marker is not None
        marker = page.next_marker


async def test_utf8_byte_order(engine: Engine) -> None:
    await _fill(engine, list(reversed(UTF8_KEYS)))
    listed = [o.key for o in engine.list_objects("b").objects]
    assert listed == sorted(UTF8_KEYS, key=lambda k: k.encode("utf-8"))
    # UTF-16 would put U+1F600 (a surrogate pair) before U+FF5E; UTF-8 puts it after.
    assert listed.index("\U0001f600") > listed.index("\uff5e")


async def test_prefix_and_start_after(engine: Engine) -> None:
    await _fill(engine, UTF8_KEYS)
    assert [o.key for o in engine.list_objects("b", prefix="a").objects] == ["a", "a/b", "a0"]
    assert [o.key for o in engine.list_objects("b", prefix="a", start_after="a/b").objects] == ["a0"]
    assert [o.key for o in engine.list_objects("b", start_after="a0", max_keys=2).objects] == ["z", "é"]
    assert engine.list_objects("b", prefix="nothing").objects == []


async def test_delimiter_rolls_up_common_prefixes(engine: Engine) -> None:
    await _fill(engine, ["asdf", "boo/bar", "boo/baz/xyzzy", "cquux/thud", "cquux/bla"])
    page = engine.list_objects("b", delimiter="/")
    assert [o.key for o in page.objects] == ["asdf"]
    assert page.common_prefixes == ["boo/", "cquux/"]
    nested = engine.list_objects("b", prefix="boo/", delimiter="/")
    assert ([o.key for o in nested.objects], nested.common_prefixes) == (["boo/bar"], ["boo/baz/"])


async def test_common_prefix_counts_toward_max_keys(engine: Engine) -> None:
    await _fill(engine, ["asdf", "boo/bar", "boo/baz/xyzzy", "cquux/thud", "cquux/bla"])
    pages = []
    marker = ""
    while True:
        page = engine.list_objects("b", delimiter="/", start_after=marker, max_keys=1)
        pages.append(([o.key for o in page.objects], page.common_prefixes, page.next_marker))
        if not page.is_truncated:
            break
        marker = page.next_marker or ""
    assert pages == [(["asdf"], [], "asdf"), ([], ["boo/"], "boo/"), ([], ["cquux/"], None)]


async def test_multichar_delimiter_and_unicode_prefix(engine: Engine) -> None:
    await _fill(engine, ["é::1", "é::2", "é:x", "f"])
    page = engine.list_objects("b", prefix="é", delimiter="::")
    assert ([o.key for o in page.objects], page.common_prefixes) == (["é:x"], ["é::"])


async def test_max_keys_zero(engine: Engine) -> None:
    await _fill(engine, ["a"])
    page = engine.list_objects("b", max_keys=0)
    assert (page.objects, page.common_prefixes, page.is_truncated) == ([], [], False)


async def test_delete_marker_hides_key_from_listing(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    await put(engine, "b", "gone", b"x")
    await put(engine, "b", "kept", b"x")
    await engine.delete_object("b", "gone")
    assert [o.key for o in engine.list_objects("b").objects] == ["kept"]


@pytest.mark.slow
async def test_20000_keys_paginate_exactly(engine: Engine) -> None:
    keys = [f"logs/{d:02}/{i:05}" for d in range(20) for i in range(1000)]
    await _fill(engine, keys)
    listed, _, pages = _all_keys(engine, prefix="logs/")
    assert listed == keys
    assert pages == 20
    rolled, prefixes, _ = _all_keys(engine, prefix="logs/", delimiter="/")
    assert rolled == [] and prefixes == [f"logs/{d:02}/" for d in range(20)]


async def test_delimiter_seeks_past_prefixes(engine: Engine) -> None:
    """10,000 keys under two prefixes cost a handful of queries, not a read of every key."""
    await _fill(engine, [f"dir/{i:05}" for i in range(10_000)] + ["file", "zed/1"])
    statements: list[str] = []
    conn = engine.db.reader()
    conn.set_trace_callback(statements.append)
    page = engine.list_objects("b", delimiter="/")
    conn.set_trace_callback(None)
    assert page.common_prefixes == ["dir/", "zed/"] and [o.key for o in page.objects] == ["file"]
    assert len([s for s in statements if s.startswith("SELECT")]) <= 4


async def test_listing_uses_the_primary_key_range(engine: Engine) -> None:
    """The objects page query is a PK range search joined by rowid: no scans, no sorts."""
    sql = (
        "EXPLAIN QUERY PLAN SELECT v.* FROM objects o JOIN versions v ON v.seq = o.seq "
        "WHERE o.bucket = ? AND o.key > ? AND o.key < ? ORDER BY o.key LIMIT ?"
    )
    steps = [r[3] for r in engine.db.reader().execute(sql, ("b", "a", "b", 10))]
    assert steps[0].startswith("SEARCH o USING PRIMARY KEY")
    assert not any("TEMP B-TREE" in s or s.startswith("SCAN") for s in steps)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("a/", "a0"), ("", None), ("a\U0010ffff", "b"), ("\ud7ff", "\ue000"), ("\U0010ffff", None)],
    ids=["ascii", "empty", "max-char", "surrogate-gap", "only-max"],
)
def test_successor(prefix: str, expected: str | None) -> None:
    assert successor(prefix) == expected
