"""The media index on tmp_path: idempotent upserts and the queries the CLI and console use."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from aerostore.worker.index import MediaIndex, MediaRecord, captured_bounds, hamming


@pytest.fixture
def index(tmp_path: Path) -> MediaIndex:
    return MediaIndex(tmp_path / "media.sqlite3")


def row(key: str, sha: str, **fields: object) -> MediaRecord:
    values: dict[str, object] = {
        "status": "processed",
        "aircraft": "N123AB",
        "etag": "e-" + sha[:4],
        "phash": "0" * 16,
    }
    values.update(fields)
    return MediaRecord("raw-uploads", key, sha256=sha, **values)  # type: ignore[arg-type]


def test_same_row_twice_changes_nothing(index: MediaIndex) -> None:
    first = index.upsert(row("a.jpg", "aa" * 32, outputs=("x/thumb.webp",)))
    again = index.upsert(row("a.jpg", "aa" * 32, outputs=("x/thumb.webp",)))
    assert again == first
    assert index.find() == [first]


def test_a_later_outcome_replaces_the_row_and_keeps_attempts(index: MediaIndex) -> None:
    index.upsert(row("a.jpg", "", status="failed", reason="error", attempts=3))
    done = index.upsert(row("a.jpg", "", status="processed"))
    [stored] = index.find()
    assert stored == done and stored.status == "processed" and stored.attempts == 3


def test_reopening_keeps_rows(tmp_path: Path) -> None:
    MediaIndex(tmp_path / "m.sqlite3").upsert(row("a.jpg", "aa" * 32))
    assert [r.source_key for r in MediaIndex(tmp_path / "m.sqlite3").find()] == ["a.jpg"]


def test_find_filters(index: MediaIndex) -> None:
    index.upsert(row("a.jpg", "a1" * 32, captured_at="2024-05-01T10:00:00"))
    index.upsert(row("b.jpg", "b1" * 32, captured_at="2024-05-02T23:59:59+02:00", aircraft="G-ABCD"))
    index.upsert(row("c.jpg", "c1" * 32, status="rejected", reason="truncated"))
    assert [r.source_key for r in index.find(aircraft="N123AB")] == ["a.jpg", "c.jpg"]
    since, until = captured_bounds("2024-05-02", "2024-05-02")
    assert [r.source_key for r in index.find(since=since, until=until)] == ["b.jpg"]
    assert [r.source_key for r in index.find(status="rejected")] == ["c.jpg"]
    assert [r.source_key for r in index.find(key="a.jpg")] == ["a.jpg"]


def test_captured_bounds_refuse_what_is_not_iso() -> None:
    with pytest.raises(ValueError):
        captured_bounds("yesterday", None)


def test_sha_prefix_and_key_lookups(index: MediaIndex) -> None:
    index.upsert(row("a.jpg", "abc1" + "0" * 60))
    index.upsert(row("b.jpg", "abc2" + "0" * 60))
    assert len(index.by_sha256("ABC")) == 2
    assert [r.source_key for r in index.by_sha256("abc2")] == ["b.jpg"]
    assert index.by_sha256("%") == []
    assert [r.sha256[:4] for r in index.by_key("a.jpg")] == ["abc1"]


def test_original_of_is_the_first_processed_upload_from_another_key(index: MediaIndex) -> None:
    sha = "dd" * 32
    first = index.upsert(row("first.jpg", sha))
    index.upsert(dataclasses.replace(row("second.jpg", sha), duplicate_of="raw-uploads/first.jpg"))
    assert index.original_of(sha, "raw-uploads", "third.jpg") == first
    assert index.original_of(sha, "raw-uploads", "first.jpg") is None
    assert index.original_of("ee" * 32, "raw-uploads", "third.jpg") is None


def test_near_duplicates_by_hamming_distance(index: MediaIndex) -> None:
    index.upsert(row("same.jpg", "01" * 32, phash="ffffffffffffffff"))
    index.upsert(row("close.jpg", "02" * 32, phash="fffffffffffffff0"))
    index.upsert(row("far.jpg", "03" * 32, phash="0000000000000000"))
    index.upsert(row("bad.jpg", "04" * 32, phash=None, status="rejected"))
    found = index.near_duplicates("ffffffffffffffff", 8, exclude_sha256="01" * 32)
    assert [(d, r.source_key) for d, r in found] == [(4, "close.jpg")]
    assert hamming("ff", "0f") == 4 and hamming(None, "ff") is None and hamming("zz", "ff") is None
