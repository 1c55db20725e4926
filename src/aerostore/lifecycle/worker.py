"""The lifecycle engine inside ``aerostore serve``: incremental, resumable passes over each bucket.

A pass walks one bucket's versions in key order (the ``versions_by_key`` index) in batches of
about ``BATCH_ROWS`` rows, never splitting a key's version stack across two batches, decides
what is due (evaluate.py), runs it (actions.py) and saves its cursor (state.py) after every
batch, so a restarted server resumes the pass where it stopped. Between batches it sleeps
``PAUSE_RATIO`` times as long as the batch took: the pass keeps at most a third of the
server's time and foreground requests the rest. After the versions it sweeps the bucket's
multipart uploads (AbortIncompleteMultipartUpload). Nothing runs per object change.

Passes start every ``pass_interval(day_seconds)`` seconds per bucket: hourly with real days
(an action then lands well within the day after it falls due, as AWS's daily run), and four
times per lifecycle day when ``--lifecycle-day-seconds`` accelerates time. See docs/lifecycle.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from aerostore.audit.recorder import Append
from aerostore.events.model import Origin
from aerostore.events.notifier import current_origin
from aerostore.features.object_lock import Retention
from aerostore.lifecycle import evaluate, rules, state
from aerostore.lifecycle.actions import Executor
from aerostore.lifecycle.evaluate import Action, Entry, Plan
from aerostore.lifecycle.state import PassState
from aerostore.s3 import errors
from aerostore.storage import versions
from aerostore.storage.engine import Engine
from aerostore.storage.meta import rows

log = logging.getLogger(__name__)

BATCH_ROWS = 1000  # versions read per batch (a key with more versions is read whole)
PAUSE_RATIO = 2.0  # sleep this many times a batch's duration after it: a pass takes <= 1/3 of the time
MAX_PASS_INTERVAL = 3600.0  # with real days: a pass per bucket every hour
MIN_PASS_INTERVAL = 0.5
# How often the worker looks for configurations set or changed since their bucket's last pass
# started: a new rule is evaluated within seconds, not at the next scheduled pass (an hour away
# with real days). The look is two indexed reads.
CONFIG_POLL = 5.0
LIFECYCLE_PRINCIPAL = "s3.amazonaws.com"  # AWS's lifecycle events name S3 itself as the principal

_SCAN_COLUMNS = ("seq, key, version_id, is_latest, delete_marker, size, last_modified, storage_class, tags, "
                 "retention_mode, retain_until, legal_hold")  # fmt: skip
_SCAN = f"SELECT {_SCAN_COLUMNS} FROM versions WHERE bucket = ? AND key > ? ORDER BY key, seq DESC LIMIT ?"
_STACK = f"SELECT {_SCAN_COLUMNS} FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC"
_UPLOADS = ("SELECT * FROM uploads WHERE bucket = ? AND (key, upload_id) > (?, ?) "
            "ORDER BY key, upload_id LIMIT ?")  # fmt: skip
_CONFIGURED = "SELECT bucket, updated FROM config WHERE name = ? ORDER BY bucket"
_LEGAL_HOLDS = {0: None, 1: "ON", 2: "OFF"}  # versions.legal_hold codes (storage/meta/rows.py)


def pass_interval(day_seconds: float) -> float:
    """Seconds between the starts of two passes over a bucket: a quarter day, at most an hour."""
    return min(MAX_PASS_INTERVAL, max(MIN_PASS_INTERVAL, day_seconds / 4))


@dataclass(slots=True)
class Batch:
    """One batch of a pass: what is due, how many versions were read, where the pass stands."""

    plan: Plan
    scanned: int
    cursor: str | None  # the last key read whole
    done: bool  # no key after ``cursor``


def _entry(row: sqlite3.Row) -> Entry:
    tags = row["tags"]
    mode, until = row["retention_mode"], row["retain_until"]
    return Entry(
        seq=row["seq"],
        key=row["key"],
        version_id=row["version_id"],
        is_latest=bool(row["is_latest"]),
        delete_marker=bool(row["delete_marker"]),
        size=row["size"],
        last_modified=row["last_modified"],
        storage_class=row["storage_class"],
        tags={} if tags == "{}" else json.loads(tags),
        retention=Retention(mode, until) if mode is not None and until is not None else None,
        legal_hold=_LEGAL_HOLDS.get(row["legal_hold"]),
    )


def read_stacks(
    conn: sqlite3.Connection, bucket: str, after: str, limit: int
) -> tuple[list[list[Entry]], bool]:
    """The version stacks of the keys after ``after``, about ``limit`` rows, whole stacks only; done?"""
    found = conn.execute(_SCAN, (bucket, after, limit + 1)).fetchall()
    done = len(found) <= limit
    if not done:
        last = found[limit - 1]["key"]
        cut = found[limit]["key"] == last  # the stack of the batch's last key goes on: leave it whole
        found = [r for r in found[:limit] if not cut or r["key"] != last]
        if not found:  # one key with more than ``limit`` versions: read it whole
            found = conn.execute(_STACK, (bucket, last)).fetchall()
    stacks: list[list[Entry]] = []
    for row in found:
        entry = _entry(row)
        if stacks and stacks[-1][0].key == entry.key:
            stacks[-1].append(entry)
        else:
            stacks.append([entry])
    return stacks, done


class LifecycleWorker:
    """The background service (``start``/``close``) running the passes; ``run_pass`` for tests and benches."""

    def __init__(
        self,
        engine: Engine,
        *,
        day_seconds: float = 86400.0,
        append: Append | None = None,
        batch_rows: int = BATCH_ROWS,
        pause_ratio: float = PAUSE_RATIO,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.day_seconds = day_seconds
        self.interval = pass_interval(day_seconds)
        self.batch_rows = batch_rows
        self.pause_ratio = pause_ratio
        self.clock = clock
        self.executor = Executor(engine, append)
        self._task: asyncio.Task[None] | None = None
        self._reading: asyncio.Future[Batch | None] | None = None  # a batch read in flight on a thread

    async def start(self) -> None:
        """Run the passes in the background from now on (an unfinished pass resumes first)."""
        self._task = asyncio.create_task(self._run(), name="aerostore-lifecycle")

    async def close(self) -> None:
        """Stop between two actions; the saved cursor lets the next start resume the pass."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._reading is not None:  # let its thread finish with its connection before the engine closes
            await asyncio.gather(self._reading, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                wait = await self.run_due()
            except Exception:
                log.exception("lifecycle pass failed; retrying later")
                wait = self.interval
            await asyncio.sleep(min(wait, CONFIG_POLL))

    # ---- scheduling ----

    def configured(self) -> dict[str, float]:
        """The buckets that have a lifecycle configuration, and when each was last set."""
        found = self.engine.db.reader().execute(_CONFIGURED, (rules.CONFIG_NAME,))
        return {str(r[0]): float(r[1]) for r in found}

    async def run_due(self) -> float:
        """Run (or resume) every pass that is due; seconds until the next one is."""
        buckets = self.configured()
        states = state.read_all(self.engine.db.reader())
        if set(states) - set(buckets):
            await self.engine.db.write(partial(state.forget, keep=set(buckets)), durable=False)
        for bucket in buckets:
            current = states.get(bucket)
            if (
                current is None
                or current.in_progress
                or current.started + self.interval <= self.clock()
                or current.started < buckets[bucket]  # set or changed since the last pass began
            ):
                states[bucket] = await self.run_pass(bucket, current)
        now = self.clock()
        starts = [states[b].started + self.interval for b in buckets if b in states]
        return max(0.05, min(starts, default=now + self.interval) - now)

    # ---- one pass ----

    async def run_pass(self, bucket: str, current: PassState | None = None) -> PassState:
        """Resume the bucket's unfinished pass (``current``, else as saved), or start a new one."""
        if current is None:
            current = state.read(self.engine.db.reader(), bucket)
        if current is None:
            current = PassState(bucket, self.clock())
        elif not current.in_progress:
            current.restart(self.clock())
        await self._save(current)
        while await self.step(current):
            pass
        await self._sweep_uploads(current)
        current.finish(self.clock())
        await self._save(current)
        if any(name != Action.SKIPPED_LOCKED for counts in current.actions.values() for name in counts):
            log.info("lifecycle pass over %s: %d versions, %s", bucket, current.scanned, current.actions)
        return current

    async def step(self, current: PassState) -> bool:
        """One batch of ``current`` (read, decide, act, save the cursor, pause); False once it is done."""
        started = time.monotonic()
        token = current_origin.set(self._origin())
        try:
            self._reading = asyncio.ensure_future(
                asyncio.to_thread(self._read, current.bucket, current.cursor)
            )
            batch = await asyncio.shield(self._reading)
            if batch is None:
                return False  # the bucket or its configuration is gone: the pass ends here
            await self._act(current.bucket, batch.plan, current)
        finally:
            current_origin.reset(token)
        current.scanned += batch.scanned
        current.cursor = batch.cursor or current.cursor
        current.due(batch.plan.next_due)
        if batch.done:
            return False
        await self._save(current)
        await asyncio.sleep((time.monotonic() - started) * self.pause_ratio)
        return True

    def _origin(self) -> Origin:
        return Origin(self.engine.region, os.urandom(8).hex().upper(), "", LIFECYCLE_PRINCIPAL, "",
                      LIFECYCLE_PRINCIPAL)  # fmt: skip

    def _read(self, bucket: str, cursor: str | None) -> Batch | None:
        """On a thread: read a batch and decide what is due (the loop keeps serving meanwhile)."""
        conn = self.engine.db.reader()
        config = rules.load(conn, bucket)
        try:
            versioned = versions.bucket_row(conn, bucket)["versioning"] != versions.UNVERSIONED
        except errors.NoSuchBucket:
            return None
        if config is None:
            return None
        stacks, done = read_stacks(conn, bucket, cursor or "", self.batch_rows)
        plan, now = Plan(), self.clock()
        for stack in stacks:
            evaluate.plan_stack(config, stack, versioned, now, self.day_seconds, plan)
        cursor = stacks[-1][0].key if stacks else cursor
        return Batch(plan, sum(map(len, stacks)), cursor, done)

    async def _act(self, bucket: str, plan: Plan, current: PassState) -> None:
        expirations = [p for p in plan.actions if p.action not in (Action.TRANSITION, Action.SKIPPED_LOCKED)]
        for p in plan.actions:
            if p.action is Action.SKIPPED_LOCKED:
                current.count(p.rule_id, Action.SKIPPED_LOCKED.value)
        for p, outcome in zip(expirations, await self.executor.expire(bucket, expirations), strict=True):
            if outcome is not None:
                current.count(p.rule_id, outcome.value)
        for p in plan.actions:
            if p.action is Action.TRANSITION and await self.executor.transition(bucket, p):
                current.count(p.rule_id, Action.TRANSITION.value)

    async def _sweep_uploads(self, current: PassState) -> None:
        """AbortIncompleteMultipartUpload over the bucket's uploads, in batches."""
        conn = self.engine.db.reader()
        config = rules.load(conn, current.bucket)
        if config is None or not any(r.abort_multipart_days is not None for r in config.rules):
            return
        after = ("", "")
        while found := conn.execute(_UPLOADS, (current.bucket, *after, self.batch_rows)).fetchall():
            after = (found[-1]["key"], found[-1]["upload_id"])
            now = self.clock()
            for row in found:
                due = evaluate.plan_upload(config, row["key"], row["initiated"], now, self.day_seconds)
                if due is None:
                    continue
                if due[0] > now:
                    current.due(due[0])
                elif await self.executor.abort_upload(rows.to_upload(row), due[1]):
                    current.count(due[1], Action.ABORT_MULTIPART.value)
            await asyncio.sleep(0)

    async def _save(self, current: PassState) -> None:
        current.day_seconds = self.day_seconds
        # Not durable: a crash may lose the last cursor, and the pass then redoes a batch whose
        # actions all find their versions changed and do nothing.
        await self.engine.db.write(partial(state.save, state=current), durable=False)
