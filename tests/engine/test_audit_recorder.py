"""The auditor on a real engine: a mutation's record commits with it; other records wait for a flush."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time

from aerostore.audit import schema
from aerostore.audit.recorder import Auditor
from aerostore.firehose.store import append_many_sync, append_sync
from aerostore.http.context import Exchange, RequestContext, Result
from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import ObjectAttrs

from .conftest import Body


def _ctx(request_id: str, **audit: object) -> RequestContext:
    ctx = RequestContext(request_id, time.time(), "10.0.0.9", "localhost:9000", "PUT", "/b/k", "",
                         {"user-agent": "test-agent"})  # fmt: skip
    ctx.audit.update(audit)
    return ctx


def _records(engine: Engine) -> list[dict[str, object]]:
    conn = sqlite3.connect(engine.data_dir / "meta.sqlite3")
    try:
        rows = conn.execute(
            "SELECT data FROM firehose_records WHERE stream = ? ORDER BY id", (schema.STREAM,)
        )
        return [json.loads(data) for (data,) in rows]
    finally:
        conn.close()


async def test_mutation_record_commits_in_the_change_transaction(engine: Engine) -> None:
    auditor = Auditor(engine.db, append_sync, append_many=append_many_sync, flush_interval=60)
    await engine.create_bucket("audited", "owner")
    ctx = _ctx(
        "REQ1", operation="PutObject", bucket="audited", key="k", principal="alice", auth_type="header"
    )
    exchange = Exchange(bytes_received=5)
    finish = auditor.begin(ctx, exchange)
    version = await engine.put_object("audited", "k", Body(b"hello"), _attrs())
    assert [r["request_id"] for r in _records(engine)] == ["REQ1"]  # before the answer is even sent
    finish(Result(200))
    assert await auditor.flush() == 0  # no second record for the same request
    (record,) = _records(engine)
    assert record["committed"] is True and record["http_status"] == 200
    assert record["version_id"] == version.version_id and record["bytes_received"] == 5
    assert (record["principal"], record["signature_version"], record["source_ip"]) == (
        "alice",
        "SigV4",
        "10.0.0.9",
    )


async def test_failed_mutation_leaves_no_committed_record(engine: Engine) -> None:
    auditor = Auditor(engine.db, append_sync, append_many=append_many_sync, flush_interval=60)
    ctx = _ctx("REQ2", operation="DeleteBucket", bucket="missing")
    finish = auditor.begin(ctx, Exchange())
    try:
        await engine.delete_bucket("missing")
    except errors.NoSuchBucket:
        ctx.audit["error_code"] = "NoSuchBucket"
    assert _records(engine) == []
    finish(Result(404))
    assert await auditor.flush() == 1
    (record,) = _records(engine)
    assert record["committed"] is False and record["error_code"] == "NoSuchBucket"


async def test_read_records_wait_for_the_group_commit(engine: Engine) -> None:
    auditor = Auditor(engine.db, append_sync, append_many=append_many_sync, flush_interval=0.05)
    await auditor.start()
    try:
        for n in range(20):
            auditor.begin(_ctx(f"GET{n}", operation="GetObject"), Exchange(status=200))(Result(200))
        assert _records(engine) == []
        before = engine.db.stats.commits
        deadline = time.monotonic() + 5
        while len(_records(engine)) < 20 and time.monotonic() < deadline:
            await _sleep(0.02)
        assert len(_records(engine)) == 20
        assert engine.db.stats.commits - before <= 2  # one transaction for the batch
    finally:
        await auditor.close()


def _attrs() -> ObjectAttrs:
    return ObjectAttrs(content_type="text/plain")


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
