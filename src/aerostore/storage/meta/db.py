"""SQLite access: one writer thread with group commit, thread-local readers.

The write connection belongs to a single thread (as in datasette's ``Database``), so writes
never contend for SQLite's lock and never run on the event loop. Async callers submit a
function ``fn(conn) -> T``; the writer drains every queued job, runs them inside one
``BEGIN IMMEDIATE`` transaction, each in its own SAVEPOINT, and commits once. One fsync of
the WAL thus acknowledges many writes. A job that raises loses only its own savepoint and
gets its own exception back; the others still commit.

Readers get one connection per thread (``PRAGMA query_only``). WAL lets them read while the
writer writes; point lookups and listing pages are indexed and fast enough for the loop.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aerostore.storage.meta import schema

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_BATCH = 256  # jobs per transaction; bounds how long one commit holds results back
BUSY_TIMEOUT_MS = 5000


@dataclass(slots=True)
class _Job:
    fn: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    durable: bool = True


@dataclass(slots=True)
class WriterStats:
    """Counters for tests and metrics: how well group commit batches."""

    jobs: int = 0
    commits: int = 0
    unsynced_commits: int = 0


_STOP = object()

JobWrapper = Callable[[Callable[[sqlite3.Connection], Any]], Callable[[sqlite3.Connection], Any]]
# Set for the request being served (audit/recorder.py): wraps each of its durable write jobs so
# that the request's audit record is written in the transaction of the change it records.
job_wrapper: ContextVar[JobWrapper | None] = ContextVar("aerostore_job_wrapper", default=None)


def connect(path: Path, *, readonly: bool = False, synchronous: str = "FULL") -> sqlite3.Connection:
    """Open a connection in autocommit mode (we issue BEGIN/COMMIT ourselves)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if readonly:
        conn.execute("PRAGMA query_only = 1")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
    return conn


class Database:
    """The metadata database of one data directory."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        self.stats = WriterStats()
        self._synchronous = synchronous
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._after_commit: list[Callable[[], None]] = []  # writer thread only

    async def start(self) -> None:
        """Open the write connection on its own thread and apply pending migrations."""
        conn = connect(self.path, synchronous=self._synchronous)
        self._thread = threading.Thread(target=self._run, args=(conn,), name="aerostore-sqlite-writer")
        self._thread.daemon = True
        self._thread.start()
        await self.write(schema.migrate)

    async def close(self) -> None:
        """Finish every queued write, then close all connections."""
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()

    def submit(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> asyncio.Future[T]:
        """Queue a write job; the future resolves after the transaction holding it commits."""
        if self._thread is None:
            raise RuntimeError("database is not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        wrap = job_wrapper.get() if durable else None
        self._queue.put(_Job(fn if wrap is None else wrap(fn), future, loop, durable))
        return future

    async def write(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run ``fn`` in a write transaction and return its result once committed.

        Cancelling the caller does not cancel the job: it may still commit. Callers that must
        know the outcome (to keep or drop a blob) use ``submit`` and watch the future.

        ``durable=False`` is for jobs a crash may undo without harm because they are redone
        (the relay moving outbox rows, an SQS receive changing visibility): a transaction of only
        such jobs commits without waiting for the WAL fsync. Order is kept: the next durable
        commit syncs the WAL up to itself, so a crash can lose only the newest unsynced
        transactions, never one that a durable transaction after it depends on.
        """
        return await asyncio.shield(self.submit(fn, durable=durable))

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, readonly=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def on_commit(self, callback: Callable[[], None]) -> None:
        """From inside a write job: run ``callback`` on the writer thread once the job has committed.

        Dropped if the job fails. Callbacks must be quick and thread-safe (e.g. hand off to a loop
        with ``call_soon_threadsafe``): they are how a change wakes whoever acts on it afterwards.
        """
        self._after_commit.append(callback)

    # ---- writer thread ----

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                jobs, stop = self._drain()
                if jobs:
                    self._run_batch(conn, jobs)
                if stop:
                    return
        finally:
            conn.close()

    def _drain(self) -> tuple[list[_Job], bool]:
        """Block for one job, then take whatever else is already queued."""
        item = self._queue.get()
        jobs: list[_Job] = []
        while item is not _STOP:
            jobs.append(item)
            if len(jobs) >= MAX_BATCH:
                return jobs, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return jobs, False
        return jobs, True

    def _run_batch(self, conn: sqlite3.Connection, jobs: list[_Job]) -> None:
        outcomes: list[tuple[bool, Any]]
        unsynced = self._synchronous == "FULL" and not any(job.durable for job in jobs)
        try:
            if unsynced:
                conn.execute("PRAGMA synchronous = NORMAL")  # WAL: commit without fsync
            conn.execute("BEGIN IMMEDIATE")
            outcomes = [self._run_job(conn, job) for job in jobs]
            conn.execute("COMMIT")
        except Exception as exc:  # the whole transaction is lost: every job hears why
            log.exception("write transaction failed")
            _rollback(conn)
            outcomes = [(False, exc)] * len(jobs)
            self._after_commit.clear()
        finally:
            if unsynced:
                conn.execute("PRAGMA synchronous = FULL")
                self.stats.unsynced_commits += 1
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")
        self.stats.jobs += len(jobs)
        self.stats.commits += 1
        for job, outcome in zip(jobs, outcomes, strict=True):
            _deliver(job, *outcome)

    def _run_job(self, conn: sqlite3.Connection, job: _Job) -> tuple[bool, Any]:
        conn.execute("SAVEPOINT job")
        callbacks = len(self._after_commit)
        try:
            value = job.fn(conn)
        except Exception as exc:
            del self._after_commit[callbacks:]
            if not conn.in_transaction:  # SQLite itself aborted the transaction
                raise
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            return False, exc
        conn.execute("RELEASE job")
        return True, value


def _rollback(conn: sqlite3.Connection) -> None:
    """Best effort: the writer thread must survive to serve the next batch."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.exception("rollback failed")


def _deliver(job: _Job, ok: bool, value: Any) -> None:
    def settle() -> None:
        if job.future.done():
            return
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)

    try:
        job.loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the loop is closed; nobody is waiting any more
        pass
