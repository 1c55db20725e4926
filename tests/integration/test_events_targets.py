"""Events relayed by a running server to a real broker that goes away for a while and comes back.

PostgreSQL on this machine, reached through a TCP proxy the test takes down: while it is down,
uploads still succeed and their events wait in the outbox; once the outbox holds ``max_outbox``
events, further uploads are refused with 503 SlowDown and store nothing; when the broker is back,
every event arrives, none twice (the target's table is keyed by event id).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import psycopg
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from psycopg import sql

from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port
from .targets.proxy import TcpProxy

POSTGRES = 5432
DSN = "postgresql://postgres@127.0.0.1:{port}/test"
ARN = "arn:aerostore:sqs::audit:postgres"
MAX_OUTBOX = 12


class ThreadedProxy:
    """The asyncio TcpProxy on a loop of its own thread, for a test that is not async."""

    def __init__(self, upstream: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.proxy = TcpProxy(upstream)

    def call(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def close(self) -> None:
        self.call(self.proxy.down())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def table() -> Iterator[str]:
    name = f"aerostore_relay_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(DSN.format(port=POSTGRES), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


def events_in(table: str) -> list[dict[str, object]]:
    with psycopg.connect(DSN.format(port=POSTGRES)) as conn:
        try:
            rows = conn.execute(sql.SQL("SELECT event FROM {}").format(sql.Identifier(table))).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
    return [row[0] for row in rows]


def keys_in(table: str) -> list[str]:
    records = [e["Records"][0] for e in events_in(table) if "Records" in e]  # type: ignore[index]
    return [unquote_plus(r["s3"]["object"]["key"]) for r in records]


def wait_for(check, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_broker_down_then_back_loses_nothing(tmp_path: Path, table: str) -> None:
    proxy = ThreadedProxy(POSTGRES)
    proxy.call(proxy.proxy.up())
    config = tmp_path / "aerostore.toml"
    config.write_text(
        f'[targets.postgres.audit]\ndsn = "{DSN.format(port=proxy.proxy.port)}"\ntable = "{table}"\n'
        f"max_outbox = {MAX_OUTBOX}\nretry_min = 0.1\nretry_max = 0.5\ntimeout = 2\n"
    )
    srv = Server(tmp_path / "data", free_port(), extra_args=["--config", str(config)]).start()
    try:
        s3 = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                          aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1",
                          config=Config(retries={"max_attempts": 1}))  # fmt: skip
        s3.create_bucket(Bucket="relayed")
        queue = {"Id": "to-pg", "QueueArn": ARN, "Events": ["s3:ObjectCreated:*"]}
        s3.put_bucket_notification_configuration(
            Bucket="relayed", NotificationConfiguration={"QueueConfigurations": [queue]}
        )
        for i in range(3):
            s3.put_object(Bucket="relayed", Key=f"before {i}", Body=b"x")
        assert wait_for(lambda: len(events_in(table)) == 4)  # the s3:TestEvent and three uploads
        assert any(e.get("Event") == "s3:TestEvent" for e in events_in(table))

        proxy.call(proxy.proxy.down())
        for i in range(MAX_OUTBOX):
            s3.put_object(Bucket="relayed", Key=f"during {i}", Body=b"y")
        with pytest.raises(ClientError) as refused:
            s3.put_object(Bucket="relayed", Key="refused", Body=b"z")
        assert refused.value.response["Error"]["Code"] == "SlowDown"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        with pytest.raises(ClientError):
            s3.head_object(Bucket="relayed", Key="refused")
        time.sleep(1.5)
        assert len(events_in(table)) == 4

        proxy.call(proxy.proxy.up())
        expected = {f"before {i}" for i in range(3)} | {f"during {i}" for i in range(MAX_OUTBOX)}
        assert wait_for(lambda: set(keys_in(table)) == expected), keys_in(table)
        assert len(keys_in(table)) == len(expected)
        s3.put_object(Bucket="relayed", Key="after", Body=b"w")  # the outbox has room again
        assert wait_for(lambda: "after" in keys_in(table))
        log = (srv.log_path.read_text() if srv.log_path else "")
        assert "delivery to arn:aerostore:sqs::audit:postgres failed" in log
    finally:
        srv.stop()
        proxy.close()


def test_events_survive_a_restart_while_the_broker_is_down(tmp_path: Path, table: str) -> None:
    proxy = ThreadedProxy(POSTGRES)
    config = tmp_path / "aerostore.toml"
    config.write_text(
        f'[targets.postgres.audit]\ndsn = "{DSN.format(port=proxy.proxy.port)}"\ntable = "{table}"\n'
        "retry_min = 0.1\nretry_max = 0.5\ntimeout = 2\n"
    )
    srv = Server(tmp_path / "data", free_port(), extra_args=["--config", str(config)]).start()
    try:
        s3 = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                          aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1")  # fmt: skip
        s3.create_bucket(Bucket="relayed")
        s3.put_bucket_notification_configuration(Bucket="relayed", NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": ARN, "Events": ["s3:ObjectCreated:*"]}]})  # fmt: skip
        for i in range(5):
            s3.put_object(Bucket="relayed", Key=f"k{i}", Body=b"x")
        srv.kill()
        proxy.call(proxy.proxy.up())
        srv.start()
        assert wait_for(lambda: set(keys_in(table)) == {f"k{i}" for i in range(5)})
        assert len(keys_in(table)) == 5
        assert sum(1 for e in events_in(table) if e.get("Event") == "s3:TestEvent") == 1
    finally:
        srv.stop()
        proxy.close()
