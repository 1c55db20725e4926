#!/usr/bin/env python3
"""Delivery-stream throughput: sustained records/s through PutRecordBatch, aerostore vs moto's firehose.

    python bench/firehose.py [--seconds 20] [--concurrency 4] [--record-size 300] [--targets aerostore,moto]

Each target starts on 127.0.0.1 (free port, fresh temp dir). A stream to an S3 bucket is created
(aerostore: Parquet, zstd, 5 MiB / 60 s buffering, the Firehose defaults but for the interval;
moto: the same configuration, which moto stores but does not convert). C threads, each with
its own boto3 firehose client, send batches of 500 JSON records of about ``--record-size`` bytes
for ``--seconds``. aerostore runs as shipped: every batch is committed to SQLite with fsync
before it is answered, and delivery runs while the load does. After the load the driver waits
until every record is in the bucket (rows counted from the Parquet footers) and reports that
drain time too. moto keeps its streams in memory and writes each batch to its S3 at once.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq

ACCESS_KEY, SECRET_KEY, REGION = "aerobench", "aerobench-secret-key-0123456789", "us-east-1"
BUCKET, STREAM, BATCH = "bench-firehose", "bench", 500
ROLE = "arn:aws:iam::000000000000:role/firehose"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client(kind: str, endpoint: str) -> Any:
    return boto3.client(kind, endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name=REGION)  # fmt: skip


def start(target: str, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "AEROSTORE_ROOT_USER": ACCESS_KEY, "AEROSTORE_ROOT_PASSWORD": SECRET_KEY,
           "AEROSTORE_FIREHOSE_INTERVAL": "60"}  # fmt: skip
    if target == "aerostore":
        args = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(tmp / "data"),
                "--address", f"127.0.0.1:{port}", "--image-workers", "0"]  # fmt: skip
    else:
        args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    log = open(tmp / f"{target}.log", "wb")  # noqa: SIM115 - the child's
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            client("s3", endpoint).list_buckets()
            return proc, endpoint
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{target} did not start")


def create(endpoint: str) -> None:
    client("s3", endpoint).create_bucket(Bucket=BUCKET)
    conversion = {
        "Enabled": True,
        "SchemaConfiguration": {"DatabaseName": "aerostore:inline", "TableName": "id:bigint,user:string,"
                                "op:string,key:string,bytes:bigint,ms:double,at:timestamp,detail:string",
                                "RoleARN": ROLE},
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "ZSTD"}}},
    }  # fmt: skip
    config = {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{BUCKET}", "Prefix": "data/",
              "ErrorOutputPrefix": "errors/", "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
              "DataFormatConversionConfiguration": conversion}  # fmt: skip
    firehose = client("firehose", endpoint)
    firehose.create_delivery_stream(DeliveryStreamName=STREAM,
                                    ExtendedS3DestinationConfiguration=config)  # fmt: skip


def batch(start: int, size: int) -> list[dict[str, bytes]]:
    records = []
    for i in range(start, start + BATCH):
        row = {"id": i, "user": f"user{i % 97}", "op": "GetObject", "key": f"aircraft/{i % 1000}/img.jpg",
               "bytes": 4096, "ms": 1.25, "at": 1_700_000_000_000 + i}  # fmt: skip
        pad = size - len(json.dumps(row)) - 14
        row["detail"] = "x" * max(pad, 0)
        records.append({"Data": json.dumps(row).encode()})
    return records


def load(endpoint: str, seconds: float, concurrency: int, size: int) -> tuple[int, int, float]:
    sent, failed = [0] * concurrency, [0] * concurrency
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        fh = client("firehose", endpoint)
        next_id = n * 1_000_000_000
        while time.monotonic() < stop:
            answer = fh.put_record_batch(DeliveryStreamName=STREAM, Records=batch(next_id, size))
            sent[n] += BATCH - answer["FailedPutCount"]
            failed[n] += answer["FailedPutCount"]
            next_id += BATCH

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sent), sum(failed), time.monotonic() - started


def delivered_rows(endpoint: str) -> int:
    s3, rows = client("s3", endpoint), 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="data/"):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            rows += pq.ParquetFile(io.BytesIO(body)).metadata.num_rows
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--record-size", type=int, default=300)
    parser.add_argument("--targets", default="aerostore,moto")
    opts = parser.parse_args()
    print(
        f"| target | records/s (PutRecordBatch x{BATCH}, ~{opts.record_size} B) | failed | drain after load |"
    )
    print("| --- | --- | --- | --- |")
    for target in opts.targets.split(","):
        tmp = Path(tempfile.mkdtemp(prefix=f"fhbench-{target}-"))
        proc, endpoint = start(target, tmp)
        try:
            create(endpoint)
            sent, failed, elapsed = load(endpoint, opts.seconds, opts.concurrency, opts.record_size)
            drain = "n/a (moto writes JSON per batch)"
            if target == "aerostore":
                began = time.monotonic()
                os.kill(proc.pid, signal.SIGTERM)  # the graceful stop delivers the buffer
                proc.wait(300)
                proc, endpoint = start(target, tmp)
                drain = f"{time.monotonic() - began:.1f} s (SIGTERM flush + restart)"
                rows = delivered_rows(endpoint)
                drain += f", {rows}/{sent} rows in Parquet"
            print(f"| {target} | {sent / elapsed:,.0f} | {failed} | {drain} |", flush=True)
        finally:
            proc.terminate()
            proc.wait(60)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
