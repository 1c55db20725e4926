"""The media index: one SQLite file (``DATA/media.sqlite3``) with a row per upload seen.

A row is keyed by its source: bucket, key, version id ("" in an unversioned bucket) and ETag.
All four are known from the HEAD before a byte is read, so an upload refused for its size
has a row too; within one key, the ETag tells overwritten contents apart. Writing the same
row again changes nothing (not even ``updated_at``): a redelivered event leaves the index as
it was.

Near-duplicates are a linear scan over the perceptual hashes (``hamming`` registered as an
SQL function): at tens of thousands of images that is milliseconds. A much larger index
would want a BK-tree or multi-index hashing.

Writes go through one connection under a lock (one writer, as datasette's); readers open
their own. WAL and a busy timeout let several worker processes share the file.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

FILE_NAME = "media.sqlite3"
STATUSES = ("processed", "rejected", "failed")
BUSY_TIMEOUT_MS = 10_000
DATE_LENGTH = len("YYYY-MM-DD")

# Named, append-only migrations; ``PRAGMA user_version`` counts the ones applied.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_media",
        """
        CREATE TABLE media (
            id INTEGER PRIMARY KEY,
            source_bucket TEXT NOT NULL,
            source_key TEXT NOT NULL,
            source_version TEXT NOT NULL DEFAULT '',
            etag TEXT NOT NULL DEFAULT '',
            sha256 TEXT NOT NULL DEFAULT '',  -- '' when refused before it was read
            status TEXT NOT NULL CHECK (status IN ('processed', 'rejected', 'failed')),
            reason TEXT,
            detail TEXT,
            aircraft TEXT NOT NULL,
            aircraft_note TEXT,
            format TEXT,
            width INTEGER,
            height INTEGER,
            size INTEGER,
            captured_at TEXT,  -- ISO 8601 as EXIF gives it (camera local time, no zone)
            make TEXT,
            model TEXT,
            lens TEXT,
            gps_lat REAL,
            gps_lon REAL,
            phash TEXT,
            orientation INTEGER,
            prefix TEXT,
            manifest_key TEXT,
            outputs TEXT NOT NULL DEFAULT '[]',  -- JSON list of output keys
            duplicate_of TEXT,  -- "bucket/key" of the first upload with the same bytes
            attempts INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            UNIQUE (source_bucket, source_key, source_version, etag)
        );
        CREATE INDEX media_sha256 ON media (sha256);
        CREATE INDEX media_aircraft ON media (aircraft, captured_at);
        CREATE INDEX media_captured ON media (captured_at);
        CREATE INDEX media_key ON media (source_key);
        """,
    ),
]


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """One upload and what became of it."""

    source_bucket: str
    source_key: str
    status: str
    aircraft: str
    source_version: str = ""
    etag: str = ""
    sha256: str = ""
    reason: str | None = None
    detail: str | None = None
    aircraft_note: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    captured_at: str | None = None
    make: str | None = None
    model: str | None = None
    lens: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    phash: str | None = None
    orientation: int | None = None
    prefix: str | None = None
    manifest_key: str | None = None
    outputs: tuple[str, ...] = ()
    duplicate_of: str | None = None
    attempts: int = 1
    created_at: float = 0.0
    updated_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["outputs"] = list(self.outputs)
        return data


_FIELDS = [f.name for f in dataclasses.fields(MediaRecord)]
_CONTENT = [f for f in _FIELDS if f not in ("attempts", "created_at", "updated_at")]
_SOURCE = ("source_bucket", "source_key", "source_version", "etag")


def captured_bounds(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """``find``'s bounds from ISO dates or times; a date-only ``until`` takes in that whole day.

    Raises ValueError for a value that is not ISO 8601.
    """
    for value in (since, until):
        if value is not None:
            datetime.fromisoformat(value)
    if until is not None and len(until) == DATE_LENGTH:
        until += "~"  # sorts after every "YYYY-MM-DDTHH:MM:SS..." of that day, before the next day
    return since, until


def hamming(a: str | None, b: str | None) -> int | None:
    """Bits that differ between two hex perceptual hashes (SQL function ``hamming``)."""
    if not a or not b:
        return None
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.create_function("hamming", 2, hamming, deterministic=True)
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        applied = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for number, (_, script) in enumerate(MIGRATIONS[applied:], start=applied + 1):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _record(values: dict[str, Any]) -> MediaRecord:
    values.pop("id", None)
    values["outputs"] = tuple(json.loads(values["outputs"] or "[]"))
    return MediaRecord(**values)


class MediaIndex:
    """The media index file; creates it (and its schema) on first open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._writer = _connect(path)
        self._writer.execute("PRAGMA synchronous = FULL")
        _migrate(self._writer)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> MediaIndex:
        return cls(data_dir / FILE_NAME)

    def close(self) -> None:
        with self._lock:
            self._writer.close()

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        with closing(_connect(self.path)) as conn:
            conn.execute("PRAGMA query_only = 1")
            yield conn

    # ---- writes ----

    def upsert(self, record: MediaRecord) -> MediaRecord:
        """Insert or update the row of ``record``'s source; identical content is left untouched."""
        with self._lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored = self._write(conn, record)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return stored

    def _write(self, conn: sqlite3.Connection, record: MediaRecord) -> MediaRecord:
        where = " AND ".join(f"{name} = ?" for name in _SOURCE)
        source = [getattr(record, name) for name in _SOURCE]
        row = conn.execute(f"SELECT * FROM media WHERE {where}", source).fetchone()
        now = time.time()
        if row is None:
            fresh = dataclasses.replace(record, created_at=now, updated_at=now)
            values = [_column(getattr(fresh, name)) for name in _FIELDS]
            marks = ", ".join("?" for _ in _FIELDS)
            conn.execute(f"INSERT INTO media ({', '.join(_FIELDS)}) VALUES ({marks})", values)
            return fresh
        stored = _record(dict(row))
        if all(getattr(stored, name) == getattr(record, name) for name in _CONTENT):
            return stored
        changed = dataclasses.replace(
            record,
            attempts=max(record.attempts, stored.attempts),
            created_at=stored.created_at,
            updated_at=now,
        )
        sets = ", ".join(f"{name} = ?" for name in _FIELDS)
        values = [_column(getattr(changed, name)) for name in _FIELDS]
        conn.execute(f"UPDATE media SET {sets} WHERE {where}", values + source)
        return changed

    # ---- queries ----

    def find(
        self,
        *,
        aircraft: str | None = None,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        key: str | None = None,
        limit: int | None = None,
    ) -> list[MediaRecord]:
        """Rows matching every filter given; ``since``/``until`` bound ``captured_at`` (inclusive)."""
        clauses, args = [], []
        for column, op, value in (
            ("aircraft", "=", aircraft),
            ("captured_at", ">=", since),
            ("captured_at", "<=", until),
            ("status", "=", status),
            ("source_key", "=", key),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        sql = "SELECT * FROM media" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY captured_at IS NULL, captured_at, created_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._query(sql, args)

    def get(self, bucket: str, key: str, version: str, etag: str) -> MediaRecord | None:
        """The row of one source, if any."""
        where = " AND ".join(f"{name} = ?" for name in _SOURCE)
        rows = self._query(f"SELECT * FROM media WHERE {where}", [bucket, key, version, etag])
        return rows[0] if rows else None

    def by_sha256(self, prefix: str) -> list[MediaRecord]:
        """Rows whose SHA-256 starts with ``prefix`` (hex)."""
        if not prefix:
            return []
        escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql = "SELECT * FROM media WHERE sha256 LIKE ? ESCAPE '\\' ORDER BY created_at, id"
        return self._query(sql, [escaped + "%"])

    def by_key(self, key: str) -> list[MediaRecord]:
        """Every row of a source key, newest first (one per version or overwritten content)."""
        return self._query(
            "SELECT * FROM media WHERE source_key = ? ORDER BY updated_at DESC, id DESC", [key]
        )

    def original_of(self, sha256: str, bucket: str, key: str) -> MediaRecord | None:
        """The first processed upload of these bytes from another key, if any (duplicate detection)."""
        sql = (
            "SELECT * FROM media WHERE sha256 = ? AND status = 'processed' AND duplicate_of IS NULL"
            " AND NOT (source_bucket = ? AND source_key = ?) ORDER BY created_at, id LIMIT 1"
        )
        rows = self._query(sql, [sha256, bucket, key])
        return rows[0] if rows else None

    def near_duplicates(
        self, phash: str, max_distance: int, *, exclude_sha256: str = ""
    ) -> list[tuple[int, MediaRecord]]:
        """Processed rows within ``max_distance`` bits of ``phash``, closest first (a linear scan)."""
        sql = (
            "SELECT *, hamming(phash, ?) AS distance FROM media WHERE status = 'processed'"
            " AND sha256 != ? AND hamming(phash, ?) <= ? ORDER BY distance, created_at, id"
        )
        with self._reader() as conn:
            rows = conn.execute(sql, [phash, exclude_sha256, phash, max_distance]).fetchall()
        found = []
        for row in rows:
            values = dict(row)
            distance = int(values.pop("distance"))
            found.append((distance, _record(values)))
        return found

    def _query(self, sql: str, args: Sequence[Any]) -> list[MediaRecord]:
        with self._reader() as conn:
            return [_record(dict(row)) for row in conn.execute(sql, args).fetchall()]


def _column(value: Any) -> Any:
    return json.dumps(list(value)) if isinstance(value, tuple) else value
