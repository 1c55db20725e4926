"""Moving a version between storage classes, and its bytes into the archive tier, crash-safely.

A hot class (STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR) is only a column. An
archive class (GLACIER, DEEP_ARCHIVE) moves the bytes, in this order:

1. commit an intent naming the copy's reference (``archive_intents``);
2. write the compressed copy into the tier (durable when ``write`` returns);
3. one write job checks the version is unchanged (same seq, same bytes, still there), installs
   the locator, empties ``segments``, drops the inline body, sends the blobs to ``garbage``
   and removes the intent: from this commit on, the archived copy is the only copy;
4. the housekeeper unlinks the old blobs after the grace period.

A crash before 3 leaves an intent no row references: ``recover`` deletes its copy. A crash
after 3 leaves garbage rows the housekeeper drains on start. Either way exactly one good copy.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from aerostore.lifecycle.rules import ARCHIVE_CLASSES
from aerostore.storage import commit, inline, versions
from aerostore.storage.blobs import BlobStore
from aerostore.storage.meta import rows
from aerostore.storage.meta.db import Database
from aerostore.storage.model import ObjectVersion
from aerostore.tiering.tiers import CODEC, ArchiveTier

Job = Callable[[sqlite3.Connection], ObjectVersion | None]
_WITH_BODY = "SELECT v.*, d.data FROM versions v LEFT JOIN inline_data d ON d.seq = v.seq WHERE v.seq = ?"


def load(conn: sqlite3.Connection, seq: int) -> ObjectVersion | None:
    """Version ``seq`` with its inline body, or None when it is gone."""
    row = conn.execute(_WITH_BODY, (seq,)).fetchone()
    return None if row is None else rows.to_version(row, row["data"])


def unchanged(row: sqlite3.Row | None, version: ObjectVersion) -> bool:
    """Is ``row`` still the version the caller decided about: same seq, key, bytes and tier?"""
    if row is None or row["bucket"] != version.bucket or row["key"] != version.key:
        return False
    if row["etag"] != version.etag or (row["archive"] is not None) != version.archived:
        return False
    if row["storage_class"] != version.attrs.storage_class:
        return False  # another transition got there first
    return version.archived or row["segments"] == rows.segments_json(version.segments)


def _row(conn: sqlite3.Connection, seq: int) -> sqlite3.Row | None:
    found: sqlite3.Row | None = conn.execute("SELECT * FROM versions WHERE seq = ?", (seq,)).fetchone()
    return found


def change_class(
    conn: sqlite3.Connection, version: ObjectVersion, storage_class: str
) -> ObjectVersion | None:
    """Only the column: a hot class, or between archive classes once the bytes are archived."""
    row = _row(conn, version.seq)
    if not unchanged(row, version) or version.delete_marker:
        return None
    cold = version.archived or version.attrs.storage_class in ARCHIVE_CLASSES
    if cold and storage_class not in ARCHIVE_CLASSES:
        return None  # S3 never transitions out of an archive class
    conn.execute("UPDATE versions SET storage_class = ? WHERE seq = ?", (storage_class, version.seq))
    return load(conn, version.seq)


def install_archive(
    conn: sqlite3.Connection, version: ObjectVersion, storage_class: str | None, locator: str, ref: str
) -> ObjectVersion | None:
    """Step 3: the archived copy becomes the version's only copy (None: the version changed)."""
    row = _row(conn, version.seq)
    if not unchanged(row, version) or version.archived or version.delete_marker:
        return None
    assert row is not None
    conn.execute(
        "UPDATE versions SET storage_class = ?, archive = ?, segments = '[]' WHERE seq = ?",
        (storage_class or row["storage_class"], locator, version.seq),
    )
    conn.execute("DELETE FROM inline_data WHERE seq = ?", (version.seq,))
    versions.add_garbage(conn, (s.path for s in rows.to_segments(row["segments"])))
    forget_intent(conn, ref)
    return load(conn, version.seq)


def record_intent(conn: sqlite3.Connection, ref: str, locator: str, created: float) -> None:
    conn.execute(
        "INSERT INTO archive_intents (ref, locator, created) VALUES (?, ?, ?)", (ref, locator, created)
    )


def forget_intent(conn: sqlite3.Connection, ref: str) -> None:
    conn.execute("DELETE FROM archive_intents WHERE ref = ?", (ref,))


def locator(tier: str, ref: str, version: ObjectVersion, stored: int = 0) -> dict[str, Any]:
    """The ``versions.archive`` document; ``parts`` lets a restore rebuild the same segments."""
    parts = [s.size for s in version.segments] if version.multipart else [version.size]
    return {"tier": tier, "ref": ref, "stored": stored, "codec": CODEC, "parts": parts}


class Archiver:
    """Copies versions into the tier and installs them (steps 1-3); recovers after a crash."""

    def __init__(self, db: Database, blobs: BlobStore, tier: ArchiveTier, faults: commit.Faults) -> None:
        self.db, self.blobs, self.tier, self.faults = db, blobs, tier, faults

    async def move(
        self, version: ObjectVersion, storage_class: str | None, finish: Callable[[Job], Job]
    ) -> ObjectVersion | None:
        """Archive ``version``; ``finish`` wraps the final job (events, the caller's own rows)."""
        source = load(self.db.reader(), version.seq)
        if source is None or source.delete_marker or source.archived or not _same(source, version):
            return None
        ref = self.tier.new_ref()
        loc = locator(self.tier.name, ref, source)
        await self.db.write(partial(record_intent, ref=ref, locator=rows.dumps(loc), created=time.time()))
        try:
            loc["stored"] = await self.blobs.run(self.tier.write, ref, self._chunks(source))
        except BaseException:
            await self._discard(ref)
            raise
        self.faults("archive_written")
        job = partial(install_archive, version=version, storage_class=storage_class,
                      locator=rows.dumps(loc), ref=ref)  # fmt: skip
        result = await self._commit(finish(job), ref)
        self.faults("archive_committed")
        return result

    def _chunks(self, source: ObjectVersion) -> Iterator[bytes]:
        for i, chunk in enumerate(inline.read_range(self.blobs, source, 0, source.size - 1)):
            yield chunk
            if i == 0:
                self.faults("archive_copying")

    async def _commit(self, job: Job, ref: str) -> ObjectVersion | None:
        """Run the final job; if it did not install the copy, the copy goes (as commit.commit does)."""
        future = self.db.submit(job)
        try:
            result = await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(lambda f: self._settle_later(f, ref))
            raise
        except BaseException:
            await self._discard(ref)
            raise
        if result is None:
            await self._discard(ref)
        return result

    def _settle_later(self, future: asyncio.Future[ObjectVersion | None], ref: str) -> None:
        if future.cancelled() or future.exception() is not None or future.result() is None:
            asyncio.ensure_future(self._discard(ref))

    async def _discard(self, ref: str) -> None:
        await self.blobs.run(self.tier.delete, ref)
        await self.db.write(partial(forget_intent, ref=ref))

    async def recover(self) -> int:
        """Delete copies whose intent outlived its writer (a crash); return how many."""
        sql = "SELECT ref FROM archive_intents"
        found = [r["ref"] for r in self.db.reader().execute(sql)]
        held = "SELECT 1 FROM versions WHERE json_extract(archive, '$.ref') = ? AND archive IS NOT NULL"
        for ref in found:
            if self.db.reader().execute(held, (ref,)).fetchone() is None:
                await self.blobs.run(self.tier.delete, ref)
            await self.db.write(partial(forget_intent, ref=ref))
        sweep = getattr(self.tier, "sweep_tmp", None)
        if sweep is not None:
            await self.blobs.run(sweep)
        return len(found)

    async def collect(self) -> int:
        """Delete archived copies whose rows are gone (``archive_garbage``), then forget them."""
        total = 0
        sql = "SELECT id, locator FROM archive_garbage ORDER BY id LIMIT 100"
        while found := self.db.reader().execute(sql).fetchall():
            for r in found:
                await self.blobs.run(self.tier.delete, json.loads(r["locator"])["ref"])
            await self.db.write(partial(_forget_archive_garbage, [r["id"] for r in found]))
            total += len(found)
        return total


def _forget_archive_garbage(ids: list[int], conn: sqlite3.Connection) -> None:
    conn.executemany("DELETE FROM archive_garbage WHERE id = ?", [(i,) for i in ids])


def _same(fresh: ObjectVersion, version: ObjectVersion) -> bool:
    return fresh.etag == version.etag and fresh.bucket == version.bucket and fresh.key == version.key
