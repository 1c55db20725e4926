"""The lifecycle engine on a real Engine: due dates, each action, filters, locks, the resumable cursor.

The worker's clock is moved forward instead of waiting: versions keep their real creation time,
and a pass decides with ``clock()`` as "now" (real lifecycle days of 86,400 s).
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from aerostore.audit import schema
from aerostore.cli.main import cli
from aerostore.features.object_lock import DefaultRetention
from aerostore.firehose.store import append_sync
from aerostore.lifecycle import dates, state, status
from aerostore.lifecycle.evaluate import Entry
from aerostore.lifecycle.rules import (
    CONFIG_NAME,
    Filter,
    LifecycleConfiguration,
    NoncurrentTransition,
    Rule,
    Transition,
    to_json,
)
from aerostore.lifecycle.worker import LifecycleWorker, pass_interval, read_stacks
from aerostore.storage.engine import Engine

from .conftest import ATTRS, Body, files, put

DAY = 86400.0
EVERYTHING = Filter()


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def at(self, when: float) -> None:
        self.offset = when - time.time()


async def configure(engine: Engine, bucket: str, *rules: Rule) -> None:
    await engine.set_bucket_config(bucket, CONFIG_NAME, to_json(LifecycleConfiguration(rules)))


def worker(engine: Engine, clock: Clock, **kw: object) -> LifecycleWorker:
    return LifecycleWorker(engine, clock=clock, pause_ratio=0, **kw)  # type: ignore[arg-type]


def keys(engine: Engine, bucket: str) -> list[str]:
    return [v.key for v in engine.list_objects(bucket).objects]


def stack(engine: Engine, bucket: str, key: str) -> list[tuple[str, bool]]:
    """(version id, is delete marker) of a key's versions, newest first."""
    page = engine.list_versions(bucket, prefix=key)
    return [(v.version_id, v.delete_marker) for v in page.versions if v.key == key]


def test_pass_interval_is_hourly_with_real_days_and_a_quarter_day_when_accelerated() -> None:
    assert pass_interval(86400) == 3600
    assert pass_interval(4) == 1
    assert pass_interval(1) == 0.5


async def test_unversioned_expiration_deletes_matching_objects_once_due(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    a = await put(engine, "b", "logs/a", b"1")
    await put(engine, "b", "keep/b", b"2")
    await configure(engine, "b", Rule("r1", True, Filter(prefix="logs/"), expiration_days=1))
    clock = Clock()
    w = worker(engine, clock)
    due = dates.due(a.last_modified, 1, DAY)
    clock.at(due - 1)
    done = await w.run_pass("b")
    assert keys(engine, "b") == ["keep/b", "logs/a"]
    assert done.next_due == due and done.actions == {} and done.scanned == 2
    clock.at(due)
    done = await w.run_pass("b")
    assert keys(engine, "b") == ["keep/b"]
    assert done.actions == {"r1": {"expire": 1}} and not done.in_progress


async def test_versioned_expiration_stacks_a_delete_marker(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    v = await put(engine, "b", "k", b"1")
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=2))
    clock = Clock()
    clock.at(dates.due(v.last_modified, 2, DAY))
    done = await worker(engine, clock).run_pass("b")
    assert done.actions == {"r": {"delete_marker": 1}}
    [(_, top_is_marker), (old, old_is_marker)] = stack(engine, "b", "k")
    assert top_is_marker and not old_is_marker and old == v.version_id
    done = await worker(engine, clock).run_pass("b")  # a marker over a version: nothing more to do
    assert done.actions == {}


async def test_noncurrent_expiration_keeps_newer_noncurrent_versions(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    written = [await put(engine, "b", "k", bytes([i])) for i in range(4)]
    rule = Rule("nc", True, EVERYTHING, noncurrent_days=1, newer_noncurrent_versions=1)
    await configure(engine, "b", rule)
    clock = Clock()
    # v0 became noncurrent when v1 was written: due a day after that, rounded to midnight.
    clock.at(dates.due(written[1].last_modified, 1, DAY) - 1)
    assert (await worker(engine, clock).run_pass("b")).actions == {}
    clock.at(dates.due(written[3].last_modified, 1, DAY))
    done = await worker(engine, clock).run_pass("b")
    assert done.actions == {"nc": {"noncurrent_expire": 2}}
    assert [vid for vid, _ in stack(engine, "b", "k")] == [written[3].version_id, written[2].version_id]


async def test_expired_delete_marker_is_removed(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    v = await put(engine, "b", "gone", b"1")
    await engine.delete_object("b", "gone")
    await engine.delete_object("b", "gone", v.version_id)  # only the marker is left
    await put(engine, "b", "hidden", b"1")
    await engine.delete_object("b", "hidden")  # a marker over a version: stays
    await configure(engine, "b", Rule("dm", True, EVERYTHING, expired_object_delete_marker=True))
    done = await worker(engine, Clock()).run_pass("b")
    assert done.actions == {"dm": {"expired_delete_marker": 1}}
    assert stack(engine, "b", "gone") == []
    assert len(stack(engine, "b", "hidden")) == 2


async def test_expiration_days_removes_a_lone_delete_marker_once_old_enough(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    v = await put(engine, "b", "k", b"1")
    marker = await engine.delete_object("b", "k")
    assert marker is not None
    await engine.delete_object("b", "k", v.version_id)
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.at(dates.due(marker.last_modified, 1, DAY) - 1)
    assert (await worker(engine, clock).run_pass("b")).actions == {}
    clock.at(dates.due(marker.last_modified, 1, DAY))
    assert (await worker(engine, clock).run_pass("b")).actions == {"r": {"expired_delete_marker": 1}}
    assert stack(engine, "b", "k") == []


async def test_locked_noncurrent_versions_survive_and_count_as_skipped(engine: Engine) -> None:
    await engine.create_bucket("b", "alice", object_lock=True)
    await engine.put_object_lock_configuration("b", DefaultRetention("GOVERNANCE", days=30))
    first = await put(engine, "b", "k", b"1")
    await put(engine, "b", "k", b"2")
    await configure(engine, "b", Rule("nc", True, EVERYTHING, noncurrent_days=1))
    clock = Clock()
    clock.offset = 3 * DAY
    done = await worker(engine, clock).run_pass("b")
    assert done.actions == {"nc": {"skipped_locked": 1}}
    assert first.version_id in [vid for vid, _ in stack(engine, "b", "k")]
    assert done.next_due is not None and done.next_due > clock()  # when the retention lapses


async def test_expiration_over_a_locked_current_version_creates_a_delete_marker(engine: Engine) -> None:
    await engine.create_bucket("b", "alice", object_lock=True)
    await engine.put_object_lock_configuration("b", DefaultRetention("COMPLIANCE", days=30))
    v = await put(engine, "b", "k", b"1")
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.offset = 2 * DAY
    assert (await worker(engine, clock).run_pass("b")).actions == {"r": {"delete_marker": 1}}
    assert stack(engine, "b", "k")[1] == (v.version_id, False)


async def test_tag_and_size_filters_select_the_objects(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    tagged = replace(ATTRS, tags={"tier": "temp", "x": "y"})
    await engine.put_object("b", "tagged", Body(b"x" * 10), tagged)
    await engine.put_object("b", "tagged-big", Body(b"x" * 1000), tagged)
    await put(engine, "b", "untagged", b"x" * 10)
    flt = Filter(tags=(("tier", "temp"),), size_lt=100)
    await configure(engine, "b", Rule("r", True, flt, expiration_days=1))
    clock = Clock()
    clock.offset = 2 * DAY
    await worker(engine, clock).run_pass("b")
    assert keys(engine, "b") == ["tagged-big", "untagged"]


async def test_disabled_rules_do_nothing(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "k", b"1")
    await configure(engine, "b", Rule("off", False, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.offset = 5 * DAY
    done = await worker(engine, clock).run_pass("b")
    assert keys(engine, "b") == ["k"] and done.actions == {} and done.next_due is None


async def test_transitions_move_down_and_never_up(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "k", b"1")
    ia = Transition("STANDARD_IA", days=1)
    tiering = Transition("INTELLIGENT_TIERING", days=2)
    await configure(engine, "b", Rule("t", True, EVERYTHING, transitions=(ia, tiering)))
    clock = Clock()
    clock.offset = 1.5 * DAY + DAY  # only the first is due
    w = worker(engine, clock)
    assert (await w.run_pass("b")).actions == {"t": {"transition": 1}}
    assert engine.get_version("b", "k").attrs.storage_class == "STANDARD_IA"
    assert (await w.run_pass("b")).actions == {}
    clock.offset = 10 * DAY
    assert (await w.run_pass("b")).actions == {"t": {"transition": 1}}
    assert engine.get_version("b", "k").attrs.storage_class == "INTELLIGENT_TIERING"
    await configure(engine, "b", Rule("t", True, EVERYTHING, transitions=(ia,)))  # warmer: never
    assert (await w.run_pass("b")).actions == {}
    assert engine.get_version("b", "k").attrs.storage_class == "INTELLIGENT_TIERING"


async def test_noncurrent_transition(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    old = await put(engine, "b", "k", b"1")
    await put(engine, "b", "k", b"2")
    to_ir = NoncurrentTransition("GLACIER_IR", 1)
    await configure(engine, "b", Rule("t", True, EVERYTHING, noncurrent_transitions=(to_ir,)))
    clock = Clock()
    clock.offset = 2 * DAY
    assert (await worker(engine, clock).run_pass("b")).actions == {"t": {"transition": 1}}
    assert engine.get_version("b", "k", old.version_id).attrs.storage_class == "GLACIER_IR"
    assert engine.get_version("b", "k").attrs.storage_class == "STANDARD"


async def test_permanent_deletion_beats_transition(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "k", b"1")
    rule = Rule("r", True, EVERYTHING, expiration_days=1, transitions=(Transition("STANDARD_IA", days=1),))
    await configure(engine, "b", rule)
    clock = Clock()
    clock.offset = 2 * DAY
    assert (await worker(engine, clock).run_pass("b")).actions == {"r": {"expire": 1}}


async def test_stale_multipart_uploads_are_aborted(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    stale = await engine.create_upload("b", "tmp/big", ATTRS)
    other = await engine.create_upload("b", "keep/big", ATTRS)
    await configure(engine, "b", Rule("mpu", True, Filter(prefix="tmp/"), abort_multipart_days=1))
    clock = Clock()
    w = worker(engine, clock)
    assert (await w.run_pass("b")).next_due == dates.due(stale.initiated, 1, DAY)
    clock.at(dates.due(stale.initiated, 1, DAY))
    assert (await w.run_pass("b")).actions == {"mpu": {"abort_multipart": 1}}
    uploads, _, _ = engine.list_uploads("b")
    assert [u.upload_id for u in uploads] == [other.upload_id]


async def test_actions_write_audit_records_in_their_transaction(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", b"1")
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.offset = 2 * DAY
    await worker(engine, clock, append=append_sync).run_pass("b")
    found = engine.db.reader().execute("SELECT data FROM firehose_records WHERE stream = ?", (schema.STREAM,))
    [record] = [json.loads(data) for (data,) in found]
    assert record["kind"] == "lifecycle" and record["operation"] == "S3.EXPIRE.OBJECT"
    assert (record["bucket"], record["key"], record["version_id"]) == ("b", "k", v.version_id)
    assert record["principal"] == "lifecycle" and record["committed"] is True
    assert record["detail"] == {"rule_id": "r", "action": "expire"}


async def test_a_changed_version_is_not_clobbered(engine: Engine) -> None:
    """The job re-checks the plan: a PUT between the read and the write wins."""
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "k", b"old")
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.offset = 2 * DAY
    w = worker(engine, clock)
    batch = w._read("b", None)
    assert batch is not None and len(batch.plan.actions) == 1
    await put(engine, "b", "k", b"new")  # replaces the null version: another seq
    assert await w.executor.expire("b", batch.plan.actions) == [None]
    assert keys(engine, "b") == ["k"]


async def test_batches_never_split_a_version_stack(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    for key, count in (("a", 2), ("b", 5), ("c", 1)):
        for i in range(count):
            await put(engine, "b", key, bytes([i]))
    conn = engine.db.reader()
    stacks, done = read_stacks(conn, "b", "", 3)
    assert [[e.key for e in s] for s in stacks] == [["a", "a"]] and not done
    stacks, done = read_stacks(conn, "b", "a", 3)  # one stack longer than a batch: read whole
    assert [len(s) for s in stacks] == [5] and not done
    stacks, done = read_stacks(conn, "b", "b", 3)
    assert [[e.key for e in s] for s in stacks] == [["c"]] and done
    assert all(isinstance(e, Entry) for s in stacks for e in s)


async def test_a_pass_resumes_from_its_cursor_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = Engine(data, garbage_grace=0)
    await engine.start()
    clock = Clock()
    try:
        await engine.create_bucket("b", "alice")
        for i in range(10):
            await put(engine, "b", f"k{i}", b"1")
        await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
        clock.offset = 2 * DAY
        first = worker(engine, clock, batch_rows=3)  # 3 keys a batch
        current = state.PassState("b", clock())
        assert await first.step(current) and await first.step(current)  # 6 keys, then "stop"
        assert current.cursor == "k5" and current.scanned == 6
        assert keys(engine, "b") == [f"k{i}" for i in range(6, 10)]
    finally:
        await engine.close()
    engine = Engine(data, garbage_grace=0)
    await engine.start()
    try:
        saved = state.read(engine.db.reader(), "b")
        assert saved is not None and saved.in_progress and saved.cursor == "k5"
        await put(engine, "b", "k0", b"again")  # behind the cursor: left for the next pass
        done = await worker(engine, clock, batch_rows=3).run_pass("b")
        assert done.started == saved.started and done.scanned == 10
        assert done.actions == {"r": {"expire": 10}}
        assert keys(engine, "b") == ["k0"]
    finally:
        await engine.close()


@pytest.mark.parametrize("day", [86400.0, 2.0])
async def test_run_due_runs_each_configured_bucket_once_per_interval(tmp_path: Path, day: float) -> None:
    engine = Engine(tmp_path / "data")
    await engine.start()
    try:
        await engine.create_bucket("with", "alice")
        await engine.create_bucket("without", "alice")
        await configure(engine, "with", Rule("r", True, EVERYTHING, expiration_days=1))
        w = LifecycleWorker(engine, day_seconds=day)
        wait = await w.run_due()
        assert 0 < wait <= pass_interval(day)
        assert set(state.read_all(engine.db.reader())) == {"with"}
        started = state.read(engine.db.reader(), "with")
        await w.run_due()  # not due again yet
        assert state.read(engine.db.reader(), "with") == started
    finally:
        await engine.close()


async def test_a_changed_configuration_is_evaluated_before_the_next_interval(tmp_path: Path) -> None:
    """With real days a pass runs hourly, but a rule set after the last pass began runs at once."""
    engine = Engine(tmp_path / "data")
    await engine.start()
    try:
        await engine.create_bucket("b", "alice")
        await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=30))
        w = LifecycleWorker(engine, day_seconds=86400.0)
        await w.run_due()
        first = state.read(engine.db.reader(), "b")
        assert first is not None
        await w.run_due()
        assert state.read(engine.db.reader(), "b") == first  # an hour away
        await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=7))
        await w.run_due()
        again = state.read(engine.db.reader(), "b")
        assert again is not None and again.started > first.started
    finally:
        await engine.close()


async def test_next_pass_keeps_the_finished_one_and_the_totals(engine: Engine) -> None:
    """Passes every D/4 would otherwise show their counters reset a moment after each pass."""
    await engine.create_bucket("b", "alice")
    for key in ("k1", "k2"):
        await put(engine, "b", key, b"1")
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.offset = 2 * DAY
    w = worker(engine, clock)
    first = await w.run_pass("b")
    await put(engine, "b", "k3", b"1")
    clock.offset = 4 * DAY
    second = state.read(engine.db.reader(), "b")
    assert second is not None
    second.restart(clock())  # what the next pass does first; it is saved before its first batch
    assert second.previous == {"started": first.started, "finished": first.finished, "scanned": 2,
                               "actions": {"r": {"expire": 2}}}  # fmt: skip
    done = await w.run_pass("b", second)
    assert done.actions == {"r": {"expire": 1}} and done.totals == {"r": {"expire": 3}}
    assert done.previous is not None and done.previous["actions"] == {"r": {"expire": 2}}
    with closing(status.connect(engine.data_dir)) as conn:
        [entry] = status.report(conn)["buckets"]
    assert entry["totals"] == {"r": {"expire": 3}} and entry["previous_pass"] == done.previous


async def test_status_report_and_command(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.create_bucket("idle", "alice")
    await put(engine, "b", "k", b"1")
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    off = Rule("y", False, EVERYTHING, expiration_days=2)
    await configure(engine, "idle", Rule("x", True, EVERYTHING, expiration_days=1), off)
    clock = Clock()
    clock.offset = 2 * DAY
    done = await worker(engine, clock).run_pass("b")
    with closing(status.connect(engine.data_dir)) as conn:
        doc = status.report(conn)
    assert doc == {
        "day_seconds": DAY,
        "buckets": [
            {"bucket": "b", "rules": 1, "in_progress": False, "cursor": None, "next_due": None,
             "last_pass": {"started": done.started, "finished": done.finished, "scanned": 1,
                           "actions": {"r": {"expire": 1}}},
             "previous_pass": None, "totals": {"r": {"expire": 1}}},
            {"bucket": "idle", "rules": 2, "last_pass": None, "in_progress": False, "cursor": None,
             "next_due": None, "previous_pass": None, "totals": {}},
        ],
    }  # fmt: skip
    result = CliRunner().invoke(cli, ["lifecycle", "status", "--data-dir", str(engine.data_dir)])
    assert result.exit_code == 0, result.output
    assert "rule 'r': expire 1" in result.output and "idle: 2 rules" in result.output
    result = CliRunner().invoke(cli, ["lifecycle", "status", "--data-dir", str(engine.data_dir), "--json"])
    assert json.loads(result.output) == doc


def test_status_command_without_a_data_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lifecycle", "status", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1 and "meta.sqlite3" in result.output


async def test_expired_blobs_are_reclaimed(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "big", b"x" * 1000, blob=True)
    blobs = files(engine.data_dir / "blobs")
    assert blobs
    await configure(engine, "b", Rule("r", True, EVERYTHING, expiration_days=1))
    clock = Clock()
    clock.offset = 2 * DAY
    await worker(engine, clock).run_pass("b")
    for _ in range(100):  # the housekeeper was woken: it unlinks them shortly
        if not any(p.exists() for p in blobs):
            break
        await asyncio.sleep(0.02)
    assert not any(p.exists() for p in blobs)
