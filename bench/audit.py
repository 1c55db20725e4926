#!/usr/bin/env python3
"""The audit trail's costs: GET ops/s with and without auditing, and DuckDB query times.

    python bench/audit.py [--rounds 2] [--duration 8] [--concurrency 16] [--records 1000000,10000000]

1. 4 KiB GETs (``shared/tools/s3bench.py``, or ``$S3BENCH``) against two aerostore servers
   (fresh temp dirs, fsync on, as shipped): one with auditing, one started with ``--no-audit``.
   Rounds alternate between them in the same run (A B A B ...) so that machine noise hits
   both; the figure is the median ops/s of each, and the cost is 1 - audited / unaudited.
   The server's CPU per GET (s3bench ``--server-pid``) is reported too: on a shared machine
   it is steadier than ops/s, and for a server that is CPU-bound it is the cost itself.
2. Synthetic audit records (``--records``, default 1 M and 10 M), generated directly as
   Hive-partitioned zstd Parquet (30 days x 24 hours, 500 users, 200,000 keys) and uploaded
   into ``audit-logs`` through the S3 API; then two questions timed through ``audit/query.py``
   (DuckDB over pyarrow datasets read through the S3 API): "all accesses to one key" and
   "requests per user per day". Each query runs 3 times; the median is reported.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from aerostore.audit import query, schema  # noqa: E402

USER, PASSWORD = "aerobench", "aerobench-secret-key-0123456789"
S3BENCH = os.environ.get("S3BENCH", "/work/shared/tools/s3bench.py")
DAYS, USERS, KEYS = 30, 500, 200_000
QUERIES = {
    "all accesses to one key": "SELECT time, principal, operation, http_status FROM audit WHERE key = '{k}'",
    "requests per user per day": "SELECT principal, dt, count(*) AS n FROM audit GROUP BY principal, dt",
}


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Aerostore:
    def __init__(self, root: Path, *extra: str) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, AEROSTORE_ROOT_USER=USER, AEROSTORE_ROOT_PASSWORD=PASSWORD,
                   PYTHONPATH=str(REPO / "src"))  # fmt: skip
        args = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(root / "data"),
                "--address", f"127.0.0.1:{self.port}", "--image-workers", "0", *extra]  # fmt: skip
        root.mkdir(parents=True, exist_ok=True)
        log_file = open(root / "server.log", "wb")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(args, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def get_ops(
    server: Aerostore, bucket: str, duration: float, concurrency: int, prepare: bool
) -> tuple[float, float]:
    """(GET/s, server CPU microseconds per GET)."""
    out = Path(tempfile.mktemp(suffix=".json"))
    args = [sys.executable, S3BENCH, "--endpoint", server.endpoint, "--access-key", USER, "--secret-key",
            PASSWORD, "--bucket", bucket, "--prefix", "audit-bench", "--op", "get", "--size", "4KiB",
            "-c", str(concurrency), "-d", str(duration), "--objects", "1000", "--out", str(out), "--quiet",
            "--server-pid", str(server.proc.pid)]  # fmt: skip
    if not prepare:
        args.append("--no-prepare")
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    phases = json.loads(out.read_text())["phases"]
    out.unlink()
    phase = next(p for p in phases if p["phase"] == "get")
    return float(phase["ops"]["get"]["ops_per_s"]), float(phase["server_cpu_us_per_op"])


def bench_get(root: Path, rounds: int, duration: float, concurrency: int) -> dict[str, Any]:
    audited, plain = Aerostore(root / "audited"), Aerostore(root / "plain", "--no-audit")
    try:
        results: dict[str, list[float]] = {"audited": [], "no-audit": []}
        cpu: dict[str, list[float]] = {"audited": [], "no-audit": []}
        for n in range(rounds):
            for name, server in (("audited", audited), ("no-audit", plain)):
                ops, us = get_ops(server, "getbench", duration, concurrency, prepare=n == 0)
                results[name].append(ops)
                cpu[name].append(us)
                log(f"round {n + 1} {name}: {ops:.0f} GET/s, server {us:.0f} us CPU/GET")
    finally:
        audited.stop()
        plain.stop()
    a, b = statistics.median(results["audited"]), statistics.median(results["no-audit"])
    ca, cb = statistics.median(cpu["audited"]), statistics.median(cpu["no-audit"])
    return {
        "audited_ops_s": a,
        "no_audit_ops_s": b,
        "cost_pct": round(100 * (1 - a / b), 1),
        "audited_cpu_us_per_get": ca,
        "no_audit_cpu_us_per_get": cb,
        "cpu_cost_pct": round(100 * (ca / cb - 1), 1),
        "rounds": results,
        "cpu_rounds": cpu,
    }


def synthetic(rows: int, day: int, seed: int) -> pa.Table:
    """``rows`` request records of one day; sorted by time as a delivery writes them."""
    rng = np.random.default_rng(seed)
    start = (datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).timestamp() + day * 86400) * 1000
    times = np.sort(rng.integers(0, 86400 * 1000, rows)) + int(start)
    users = rng.integers(0, USERS, rows)
    keys = rng.integers(0, KEYS, rows)
    ops = np.array(["GetObject", "PutObject", "HeadObject", "ListObjectsV2", "DeleteObject"])
    op = ops[rng.choice(len(ops), rows, p=[0.6, 0.2, 0.1, 0.08, 0.02])]
    n = pa.nulls(rows, pa.string())
    columns = {
        "time": pa.array(times, pa.timestamp("ms", tz="UTC")),
        "kind": pa.array(np.full(rows, "request")),
        "request_id": pa.array([f"{v:016X}" for v in rng.integers(0, 2**63, rows)]),
        "api": pa.array(np.full(rows, "s3")),
        "operation": pa.array(op),
        "principal": pa.array(np.char.add("user", users.astype(str))),
        "access_key_id": pa.array(np.char.add("AKIA", users.astype(str))),
        "source_ip": pa.array(np.char.add("10.0.0.", (users % 250).astype(str))),
        "user_agent": pa.array(np.full(rows, "Boto3/1.43")),
        "bucket": pa.array(np.full(rows, "processed-images")),
        "key": pa.array(np.char.add("aircraft/img-", keys.astype(str))),
        "version_id": n,
        "http_status": pa.array(np.where(rng.random(rows) < 0.03, 404, 200).astype(np.int16)),
        "error_code": n,
        "bytes_received": pa.array(np.zeros(rows, np.int64)),
        "bytes_sent": pa.array(rng.integers(0, 1 << 20, rows)),
        "total_ms": pa.array(rng.random(rows).astype(np.float32) * 20),
        "ttfb_ms": pa.array(rng.random(rows).astype(np.float32) * 5),
        "signature_version": pa.array(np.full(rows, "SigV4")),
        "auth_type": pa.array(np.full(rows, "header")),
        "host": pa.array(np.full(rows, "s3.local:9000")),
        "committed": pa.array(op != "GetObject"),
        "detail": n,
    }
    return pa.table(columns, schema=schema.SCHEMA)


def upload(s3: Any, table: pa.Table, prefix: str) -> tuple[int, int]:
    """One zstd Parquet file per hour partition; (files, bytes)."""
    hours = pa.compute.floor_temporal(table["time"], unit="hour")
    files = size = 0
    bounds = np.searchsorted(hours.cast(pa.int64()).to_numpy(), np.unique(hours.cast(pa.int64()).to_numpy()))
    edges = [*bounds.tolist(), table.num_rows]
    for lo, hi in zip(edges, edges[1:], strict=False):
        part = table.slice(lo, hi - lo)
        dt, hour = schema.partition_of(part["time"][0].as_py())
        buffer = io.BytesIO()
        pq.write_table(part, buffer, compression="zstd", row_group_size=100_000)
        name = f"{prefix}dt={dt}/hour={hour}/part-{lo}.parquet"
        s3.put_object(Bucket="audit-logs", Key=name, Body=buffer.getvalue())
        files, size = files + 1, size + buffer.tell()
    return files, size


def bench_queries(root: Path, counts: list[int]) -> list[dict[str, Any]]:
    from aerostore.audit import catalog

    server = Aerostore(root / "query", "--no-audit")
    endpoint = query.Endpoint(server.endpoint, USER, PASSWORD)
    s3 = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=USER,
                      aws_secret_access_key=PASSWORD, region_name="us-east-1")  # fmt: skip
    results = []
    try:
        for count in counts:
            prefix = f"bench{count}/"
            started = time.perf_counter()
            files = size = 0
            for day in range(DAYS):
                table = synthetic(count // DAYS, day, seed=count + day)
                f, b = upload(s3, table, prefix)
                files, size = files + f, size + b
            key = table["key"][0].as_py()
            took = time.perf_counter() - started
            log(f"{count:,} records: {files} files, {size / 2**20:.1f} MiB in {took:.1f}s")
            del table
            audit = catalog.Table("audit", "audit-logs", prefix, schema.SCHEMA, schema.PARTITIONS)
            tables = {"audit": audit}
            row: dict[str, Any] = {"records": count, "files": files, "mib": round(size / 2**20, 1)}
            for name, sql in QUERIES.items():
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    result = query.run(sql.format(k=key), endpoint, tables)
                    times.append(time.perf_counter() - t0)
                row[name] = {"median_s": round(statistics.median(times), 3), "rows": result.num_rows}
                log(f"  {name}: {statistics.median(times):.2f}s ({result.num_rows} rows)")
            results.append(row)
    finally:
        server.stop()
    return results


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--records", default="1000000,10000000")
    parser.add_argument("--skip-get", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aerostore-audit-bench-") as tmp:
        root = Path(tmp)
        report: dict[str, Any] = {}
        if not args.skip_get:
            report["get_4kib"] = bench_get(root, args.rounds, args.duration, args.concurrency)
        counts = [int(c) for c in args.records.split(",") if c]
        if counts:
            report["queries"] = bench_queries(root, counts)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
