"""Listing pages as index range scans: objects, versions, multipart uploads, parts.

S3 lists keys in UTF-8 byte order, which is SQLite's BINARY collation on TEXT and also
Python's code-point order on ``str``, so comparisons agree on both sides.

With a delimiter, keys roll up into CommonPrefixes. A common prefix counts toward max-keys
like a key, and once emitted the scan seeks past every key that shares it with one indexed
query, instead of reading them.
See https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aerostore.s3 import errors
from aerostore.storage.meta import rows
from aerostore.storage.model import ListPage, ObjectVersion, Part, Upload, VersionsPage
from aerostore.storage.versions import check_version_id

_MAX_CHAR = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a scan resumes: after ``key`` (or at it, if inclusive), or within it after ``tie``."""

    key: str
    inclusive: bool = False
    tie: int | str | None = None  # versions: seq of the last version; uploads: last upload id


Fetch = Callable[[Cursor, str | None, int], list[sqlite3.Row]]
Entry = sqlite3.Row | str


def successor(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix``; None if unbounded."""
    stem = prefix.rstrip(_MAX_CHAR)
    if not stem:
        return None
    code = ord(stem[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:  # surrogates never occur in UTF-8 keys
        code = 0xE000
    return stem[:-1] + chr(code)


def rollup(key: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix ``key`` rolls up into, or None if it is listed as itself."""
    if not delimiter:
        return None
    found = key.find(delimiter, len(prefix))
    return None if found < 0 else key[: found + len(delimiter)]


def start(prefix: str, marker: str) -> Cursor:
    return Cursor(marker) if marker and marker >= prefix else Cursor(prefix, inclusive=True)


def walk(
    fetch: Fetch,
    after: Callable[[sqlite3.Row], Cursor],
    prefix: str,
    delimiter: str,
    cursor: Cursor,
    marker: str,
    limit: int,
) -> tuple[list[Entry], bool]:
    """Collect up to ``limit`` rows and common prefixes from ``cursor``; say if more remain.

    A common prefix at or before the marker is not repeated: a client resuming from
    NextMarker = "photos/" must not get "photos/" again.
    """
    if limit <= 0:
        return [], False
    hi = successor(prefix) if prefix else None
    out: list[Entry] = []
    while True:
        want = limit - len(out) + 1
        batch = fetch(cursor, hi, want)
        seek = None
        for row in batch:
            if len(out) == limit:
                return out, True
            common = rollup(row["key"], prefix, delimiter)
            if common is None:
                out.append(row)
                cursor = after(row)
                continue
            if common > marker:
                out.append(common)
            seek = successor(common)
            break
        else:
            if len(batch) < want:
                return out, False
            continue
        if seek is None:
            return out, False
        cursor = Cursor(seek, inclusive=True)


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction, so a page is consistent across its seeks."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def _range(column: str, cursor: Cursor, hi: str | None) -> tuple[str, list[str]]:
    op = ">=" if cursor.inclusive else ">"
    if hi is None:
        return f"{column} {op} ?", [cursor.key]
    return f"{column} {op} ? AND {column} < ?", [cursor.key, hi]


def list_objects(
    conn: sqlite3.Connection, bucket: str, prefix: str, delimiter: str, start_after: str, max_keys: int
) -> ListPage:
    """Current objects under ``prefix`` after ``start_after``: a range scan of ``objects``."""

    def fetch(cursor: Cursor, hi: str | None, n: int) -> list[sqlite3.Row]:
        where, args = _range("o.key", cursor, hi)
        sql = (
            "SELECT v.* FROM objects o JOIN versions v ON v.seq = o.seq "
            f"WHERE o.bucket = ? AND {where} ORDER BY o.key LIMIT ?"
        )
        return conn.execute(sql, [bucket, *args, n]).fetchall()

    with snapshot(conn):
        entries, truncated = walk(
            fetch,
            lambda r: Cursor(r["key"]),
            prefix,
            delimiter,
            start(prefix, start_after),
            start_after,
            max_keys,
        )
    versions, prefixes, next_key, _ = _page(entries, truncated)
    return ListPage(objects=versions, common_prefixes=prefixes, is_truncated=truncated, next_marker=next_key)


def list_versions(
    conn: sqlite3.Connection,
    bucket: str,
    prefix: str,
    delimiter: str,
    key_marker: str,
    version_id_marker: str,
    max_keys: int,
) -> VersionsPage:
    """All versions and delete markers: keys ascending, each key's versions newest first."""

    def fetch(cursor: Cursor, hi: str | None, n: int) -> list[sqlite3.Row]:
        found: list[sqlite3.Row] = []
        if cursor.tie is not None:
            sql = "SELECT * FROM versions WHERE bucket = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
            found = conn.execute(sql, (bucket, cursor.key, cursor.tie, n)).fetchall()
        where, args = _range("key", cursor, hi)
        sql = f"SELECT * FROM versions WHERE bucket = ? AND {where} ORDER BY key, seq DESC LIMIT ?"
        return found + conn.execute(sql, [bucket, *args, n - len(found)]).fetchall()

    with snapshot(conn):
        cursor = _versions_start(conn, bucket, prefix, key_marker, version_id_marker)
        entries, truncated = walk(
            fetch, lambda r: Cursor(r["key"], tie=r["seq"]), prefix, delimiter, cursor, key_marker, max_keys
        )
    versions, prefixes, next_key, next_version_id = _page(entries, truncated)
    return VersionsPage(
        versions=versions,
        common_prefixes=prefixes,
        is_truncated=truncated,
        next_key_marker=next_key,
        next_version_id_marker=next_version_id,
    )


def _page(
    entries: list[sqlite3.Row | str], truncated: bool
) -> tuple[list[ObjectVersion], list[str], str | None, str | None]:
    """Split walked entries into versions and common prefixes, with the markers of a truncated page."""
    versions = [rows.to_version(e) for e in entries if not isinstance(e, str)]
    prefixes = [e for e in entries if isinstance(e, str)]
    last = entries[-1] if truncated else None
    if last is None:
        return versions, prefixes, None, None
    if isinstance(last, str):
        return versions, prefixes, last, None
    return versions, prefixes, last["key"], last["version_id"]


def _versions_start(
    conn: sqlite3.Connection, bucket: str, prefix: str, key_marker: str, version_id_marker: str
) -> Cursor:
    if not version_id_marker:
        return start(prefix, key_marker)
    if not key_marker:
        raise errors.InvalidArgument(
            "A version-id marker cannot be specified without a key marker.", ArgumentName="version-id-marker"
        )
    check_version_id(version_id_marker)
    sql = "SELECT seq FROM versions WHERE bucket = ? AND key = ? AND version_id = ?"
    row = conn.execute(sql, (bucket, key_marker, version_id_marker)).fetchone()
    return Cursor(key_marker) if row is None else Cursor(key_marker, tie=row["seq"])


def list_uploads(
    conn: sqlite3.Connection,
    bucket: str,
    prefix: str,
    delimiter: str,
    key_marker: str,
    upload_id_marker: str,
    max_uploads: int,
) -> tuple[list[Upload], list[str], bool]:
    """In-progress uploads by key, then by upload id (which sorts by initiation time)."""

    def fetch(cursor: Cursor, hi: str | None, n: int) -> list[sqlite3.Row]:
        found: list[sqlite3.Row] = []
        if cursor.tie is not None:
            sql = (
                "SELECT * FROM uploads WHERE bucket = ? AND key = ? AND upload_id > ? "
                "ORDER BY upload_id LIMIT ?"
            )
            found = conn.execute(sql, (bucket, cursor.key, cursor.tie, n)).fetchall()
        where, args = _range("key", cursor, hi)
        sql = f"SELECT * FROM uploads WHERE bucket = ? AND {where} ORDER BY key, upload_id LIMIT ?"
        return found + conn.execute(sql, [bucket, *args, n - len(found)]).fetchall()

    cursor = start(prefix, key_marker)
    if key_marker and upload_id_marker and key_marker >= prefix:  # AWS ignores the id without a key marker
        cursor = Cursor(key_marker, tie=upload_id_marker)
    with snapshot(conn):
        entries, truncated = walk(
            fetch,
            lambda r: Cursor(r["key"], tie=r["upload_id"]),
            prefix,
            delimiter,
            cursor,
            key_marker,
            max_uploads,
        )
    uploads = [rows.to_upload(e) for e in entries if not isinstance(e, str)]
    return uploads, [e for e in entries if isinstance(e, str)], truncated


def list_parts(
    conn: sqlite3.Connection, upload_id: str, marker: int, max_parts: int
) -> tuple[list[Part], bool]:
    """Parts after part number ``marker``, ascending; and whether more follow."""
    sql = "SELECT * FROM parts WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?"
    found = conn.execute(sql, (upload_id, marker, max_parts + 1)).fetchall()
    return [rows.to_part(r) for r in found[:max_parts]], len(found) > max_parts
