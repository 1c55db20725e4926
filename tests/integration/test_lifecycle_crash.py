"""A server SIGKILLed in the middle of a lifecycle pass resumes the pass at its cursor.

The bucket is filled offline (the server stopped) with objects already older than their rule, so
the first pass, which starts with the server, has thousands of expirations to make; the test kills
the server once the saved cursor shows the pass is among them, starts it again, and checks that
the same pass (same start time) finishes: every due object gone, every other one untouched.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

from aerostore.lifecycle.rules import CONFIG_NAME, Filter, LifecycleConfiguration, Rule, to_json
from aerostore.storage.engine import Engine

from .conftest import client_for
from .server import Server, free_port

BUCKET = "lc-crash"
DUE, KEPT = 4000, 1000  # "old/..." keys, already due; "new/..." keys, which no rule matches


def _fill(data_dir: Path) -> None:
    async def run() -> None:
        engine = Engine(data_dir)
        await engine.start()
        try:
            old = time.time() - 30 * 86400

            def job(conn: sqlite3.Connection) -> None:
                keys = [f"new/{i:06d}" for i in range(KEPT)] + [f"old/{i:06d}" for i in range(DUE)]
                conn.executemany(
                    "INSERT INTO versions (bucket, key, version_id, is_latest, last_modified) "
                    "VALUES (?, ?, 'null', 1, ?)",
                    [(BUCKET, key, old) for key in keys],
                )
                conn.execute("INSERT INTO objects (bucket, key, seq) SELECT bucket, key, seq FROM versions "
                             "WHERE bucket = ?", (BUCKET,))  # fmt: skip

            await engine.db.write(job)
            rule = Rule("old", True, Filter(prefix="old/"), expiration_days=1)
            await engine.set_bucket_config(BUCKET, CONFIG_NAME, to_json(LifecycleConfiguration((rule,))))
        finally:
            await engine.close()

    asyncio.run(run())


def _state(data_dir: Path) -> dict[str, Any] | None:
    conn = sqlite3.connect(data_dir / "meta.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM lifecycle_state WHERE bucket = ?", (BUCKET,)).fetchone()
        return None if row is None else dict(row)
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _keys(s3: Any) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_sigkill_mid_pass_resumes_at_the_cursor(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ["--lifecycle-day-seconds", "60"]  # a pass per 15 s: the second pass cannot start meanwhile
    srv = Server(data, free_port(), extra_args=args).start()
    try:
        client_for(srv).create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
    finally:
        srv.stop()
    _fill(data)
    srv = Server(data, free_port(), extra_args=args).start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = _state(data)
            if seen and seen["finished"] is None and (seen["cursor"] or "").startswith("old/"):
                break
            time.sleep(0.02)
        else:
            raise AssertionError(f"no pass among the due keys: {_state(data)}")
        srv.kill()
    finally:
        srv.stop()
    killed = _state(data)
    assert killed is not None and killed["finished"] is None and killed["cursor"].startswith("old/")
    srv = Server(data, free_port(), extra_args=args).start()
    try:
        s3 = client_for(srv)
        deadline = time.monotonic() + 60
        while (done := _state(data)) is None or done["finished"] is None:
            assert time.monotonic() < deadline, done
            time.sleep(0.1)
        assert done["started"] == killed["started"]  # the same pass, resumed
        assert done["scanned"] <= KEPT + DUE
        assert _keys(s3) == [f"new/{i:06d}" for i in range(KEPT)]
    finally:
        srv.stop()
