"""Many clients at once: 64 connections writing and reading, last writer wins per key."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

from botocore.config import Config

from .conftest import client_for
from .server import Server

CLIENTS = 64


def test_64_connections_same_key_last_writer_wins(server: Server, bucket: str) -> None:
    s3 = client_for(server, config=Config(max_pool_connections=CLIENTS))
    barrier = threading.Barrier(CLIENTS)
    bodies = {i: hashlib.sha256(str(i).encode()).digest() * (1 + i * 97) for i in range(CLIENTS)}
    acknowledged: list[tuple[int, str]] = []

    def put(i: int) -> None:
        barrier.wait(10)
        etag = s3.put_object(Bucket=bucket, Key="contended", Body=bodies[i])["ETag"]  # type: ignore[attr-defined]
        acknowledged.append((i, etag))

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(put, range(CLIENTS)))
    assert len(acknowledged) == CLIENTS
    final = s3.get_object(Bucket=bucket, Key="contended")  # type: ignore[attr-defined]
    body = final["Body"].read()
    winners = [i for i, data in bodies.items() if data == body]
    assert len(winners) == 1
    assert final["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    listing = s3.list_object_versions(Bucket=bucket)  # type: ignore[attr-defined]
    assert [v["Key"] for v in listing["Versions"]] == ["contended"]


def test_64_connections_distinct_keys_all_land(server: Server, bucket: str) -> None:
    s3 = client_for(server, config=Config(max_pool_connections=CLIENTS))

    def put_and_get(i: int) -> bool:
        key, body = f"k/{i:03d}", f"body {i}".encode() * 100
        s3.put_object(Bucket=bucket, Key=key, Body=body)  # type: ignore[attr-defined]
        return bool(s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body)  # type: ignore[attr-defined]

    with ThreadPoolExecutor(CLIENTS) as pool:
        assert all(pool.map(put_and_get, range(CLIENTS * 4)))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]  # type: ignore[attr-defined]
    assert keys == [f"k/{i:03d}" for i in range(CLIENTS * 4)]
