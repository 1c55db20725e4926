"""SIGKILL the server under write load; after restart, nothing acknowledged is lost or torn."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

MIB = 1024 * 1024
CLIENTS = 16


def payload(key: str, size: int) -> bytes:
    seed = hashlib.sha256(key.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def client(srv: Server):  # type: ignore[no-untyped-def]
    config = Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
    return boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                        aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1",
                        config=config)  # fmt: skip


def writer(
    srv: Server, worker: int, acked: dict[str, int], attempted: dict[str, int], stop: threading.Event
) -> None:
    s3, rng, n = client(srv), random.Random(worker), 0
    while not stop.is_set():
        n += 1
        key = f"w{worker}/obj{n}"
        try:
            if n % 4 == 0:
                size = 5 * MIB + rng.randrange(1, 100_000)
                attempted[key] = size
                data = payload(key, size)
                upload = s3.create_multipart_upload(Bucket="crash", Key=key)["UploadId"]
                parts = []
                for number, (start, end) in enumerate([(0, 5 * MIB), (5 * MIB, size)], 1):
                    etag = s3.upload_part(Bucket="crash", Key=key, UploadId=upload, PartNumber=number,
                                          Body=data[start:end])["ETag"]  # fmt: skip
                    parts.append({"PartNumber": number, "ETag": etag})
                s3.complete_multipart_upload(Bucket="crash", Key=key, UploadId=upload,
                                             MultipartUpload={"Parts": parts})  # fmt: skip
            else:
                size = rng.choice([0, 100, 4096, 300_000])
                attempted[key] = size
                s3.put_object(Bucket="crash", Key=key, Body=payload(key, size))
            acked[key] = size
        except Exception:
            if stop.is_set():
                return
            time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", free_port()).start()
    client(srv).create_bucket(Bucket="crash")
    acked: dict[str, int] = {}
    attempted: dict[str, int] = {}
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(srv, i, acked, attempted, stop)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(4)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) > 50, "the load never got going"
    srv.start()
    try:
        s3 = client(srv)
        for key, size in acked.items():
            body = s3.get_object(Bucket="crash", Key=key)["Body"].read()
            assert body == payload(key, size), key
        visible = [o for page in s3.get_paginator("list_objects_v2").paginate(Bucket="crash")
                   for o in page.get("Contents", [])]  # fmt: skip
        for obj in visible:
            assert obj["Key"] in attempted
            assert obj["Size"] == attempted[obj["Key"]]
            body = s3.get_object(Bucket="crash", Key=obj["Key"])["Body"].read()
            assert body == payload(obj["Key"], obj["Size"])
        assert len(visible) >= len(acked)
        leftovers = list((srv.data_dir / "tmp").iterdir()) if (srv.data_dir / "tmp").exists() else []
        assert leftovers == []
    finally:
        srv.stop()
