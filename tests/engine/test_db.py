"""The metadata database: pragmas, migrations, group commit, savepoint isolation."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.meta import schema
from aerostore.storage.meta.db import Database


async def test_pragmas_and_migrations_recorded(engine: Engine) -> None:
    conn = engine.db.reader()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]
    assert applied == schema.available()
    assert {"0001_initial", "0002_inline_data", "0004_outbox"} <= set(applied)
    synchronous = await engine.db.write(lambda c: c.execute("PRAGMA synchronous").fetchone()[0])
    assert synchronous == 2  # FULL


async def test_readers_are_read_only(engine: Engine) -> None:
    with pytest.raises(sqlite3.OperationalError):
        engine.db.reader().execute("INSERT INTO garbage (path, created) VALUES ('x', 0)")


async def test_migrations_run_once(tmp_path: Path) -> None:
    for _ in range(2):
        db = Database(tmp_path / "m.sqlite3")
        await db.start()
        await db.close()
    conn = sqlite3.connect(tmp_path / "m.sqlite3")
    assert conn.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(schema.available())


async def _blocked_batch(db: Database, jobs: list) -> list:  # type: ignore[type-arg]
    """Hold the writer on a first job so every following job lands in one batch."""
    gate = threading.Event()
    first = db.submit(lambda c: gate.wait(5))
    await asyncio.sleep(0.05)
    futures = [db.submit(job) for job in jobs]
    commits_before = db.stats.commits
    gate.set()
    await first
    results = await asyncio.gather(*futures, return_exceptions=True)
    # one commit for the gate job alone, one for everything queued behind it
    assert db.stats.commits - commits_before == 2
    return results


async def test_group_commit_isolates_a_failing_job(tmp_path: Path) -> None:
    db = Database(tmp_path / "g.sqlite3")
    await db.start()
    await db.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))

    def insert(n: int):  # noqa: ANN202
        def job(c: sqlite3.Connection) -> int:
            c.execute("INSERT INTO t VALUES (?)", (n,))
            if n == 7:
                raise errors.NoSuchKey()
            return n

        return job

    results = await _blocked_batch(db, [insert(n) for n in range(64)])
    assert isinstance(results[7], errors.NoSuchKey)
    assert [r for i, r in enumerate(results) if i != 7] == [n for n in range(64) if n != 7]
    rows = sorted(r[0] for r in db.reader().execute("SELECT n FROM t"))
    assert rows == [n for n in range(64) if n != 7]
    await db.close()


async def test_failed_commit_fails_every_job_in_the_batch(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.sqlite3")
    await db.start()

    def poison(c: sqlite3.Connection) -> None:
        c.execute("ROLLBACK")  # SQLite's own abort: the transaction is gone for everybody
        raise sqlite3.OperationalError("disk I/O error")

    results = await _blocked_batch(db, [lambda c: 1, poison, lambda c: 3])
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    await db.close()


async def test_close_drains_queued_writes(tmp_path: Path) -> None:
    db = Database(tmp_path / "d.sqlite3")
    await db.start()
    await db.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
    futures = [db.submit(lambda c, n=n: c.execute("INSERT INTO t VALUES (?)", (n,))) for n in range(10)]
    await db.close()
    await asyncio.gather(*futures)
    assert sqlite3.connect(tmp_path / "d.sqlite3").execute("SELECT count(*) FROM t").fetchone()[0] == 10


async def test_unsynced_commits_only_for_batches_of_undoable_jobs(tmp_path: Path) -> None:
    db = Database(tmp_path / "u.sqlite3")
    await db.start()
    try:
        await db.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
        await db.write(lambda c: c.execute("INSERT INTO t VALUES (1)"), durable=False)
        assert db.stats.unsynced_commits == 1
        # A batch holding one durable job is durable as a whole.
        gate = threading.Event()
        first = db.submit(lambda c: gate.wait(5), durable=False)
        await asyncio.sleep(0.05)
        mixed = [db.submit(lambda c: c.execute("INSERT INTO t VALUES (2)"), durable=False),
                 db.submit(lambda c: c.execute("INSERT INTO t VALUES (3)"))]  # fmt: skip
        gate.set()
        await first
        await asyncio.gather(*mixed)
        assert db.stats.unsynced_commits == 2  # the gate's batch alone; the mixed one synced
        synchronous = await db.write(lambda c: c.execute("PRAGMA synchronous").fetchone()[0])
        assert synchronous == 2  # back to FULL after every unsynced batch
        assert [r[0] for r in db.reader().execute("SELECT n FROM t ORDER BY n")] == [1, 2, 3]
    finally:
        await db.close()
