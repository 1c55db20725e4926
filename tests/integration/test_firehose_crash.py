"""A graceful stop delivers the buffer; a crash leaves it in SQLite, delivered after the restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .firehose_helpers import (
    FastServer,
    firehose_client,
    parquet_stream,
    read_parquet,
    s3_client,
    wait_for_keys,
)
from .server import free_port

BUCKET = "crash-bucket"


def start_with_records(data_dir: Path, count: int) -> tuple[FastServer, str]:
    srv = FastServer(data_dir, free_port(), interval="900").start()
    firehose, s3 = firehose_client(srv), s3_client(srv)
    s3.create_bucket(Bucket=BUCKET)
    stream = parquet_stream(firehose, BUCKET, "id:bigint")
    for start in range(0, count, 500):
        batch = [{"Data": json.dumps({"id": i}).encode()} for i in range(start, min(start + 500, count))]
        assert firehose.put_record_batch(DeliveryStreamName=stream, Records=batch)["FailedPutCount"] == 0
    return srv, stream


def delivered_ids(s3: Any, keys: list[str]) -> list[int]:
    return sorted(i for key in keys for i in read_parquet(s3, BUCKET, key).read().column("id").to_pylist())


def test_sigterm_delivers_buffered_records(tmp_path: Path) -> None:
    srv, _ = start_with_records(tmp_path / "data", 1200)
    assert s3_client(srv).list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0  # held by the 900 s interval
    srv.stop()
    again = FastServer(tmp_path / "data", free_port(), interval="900").start()
    try:
        s3 = s3_client(again)
        keys = wait_for_keys(s3, BUCKET, timeout=1)
        assert delivered_ids(s3, keys) == list(range(1200))
    finally:
        again.stop()


@pytest.mark.parametrize("count", [1, 1500])
def test_sigkill_then_restart_delivers_buffered_records(tmp_path: Path, count: int) -> None:
    srv, _ = start_with_records(tmp_path / "data", count)
    srv.kill()
    again = FastServer(tmp_path / "data", free_port(), interval="0.2").start()
    try:
        s3 = s3_client(again)
        keys = wait_for_keys(s3, BUCKET)
        assert delivered_ids(s3, keys) == list(range(count))
    finally:
        again.stop()


def test_builtin_stream_delivers_to_locked_audit_bucket(tmp_path: Path) -> None:
    srv = FastServer(tmp_path / "data", free_port(), interval="0.2").start()
    try:
        firehose, s3 = firehose_client(srv), s3_client(srv)
        event = {"kind": "application", "operation": "ViewImage", "principal": "alice", "key": "a/b.jpg"}
        firehose.put_record(DeliveryStreamName="aerostore-audit", Record={"Data": json.dumps(event).encode()})
        lock = s3.get_object_lock_configuration(Bucket="audit-logs")["ObjectLockConfiguration"]
        assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"

        def viewed() -> bool:
            keys = wait_for_keys(s3, "audit-logs", "audit/dt=")
            tables = [read_parquet(s3, "audit-logs", k).read() for k in keys]
            return any("ViewImage" in t.column("operation").to_pylist() for t in tables)

        import time

        deadline = time.monotonic() + 15
        while not viewed():
            assert time.monotonic() < deadline
            time.sleep(0.3)
    finally:
        srv.stop()
