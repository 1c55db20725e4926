#!/usr/bin/env python3
"""Events from PUT to queue: throughput and latency, embedded queue vs RabbitMQ, in the same run.

    python bench/events.py [--producers 16] [--duration 5] [--latency-puts 300]
                           [--targets none,embedded,rabbitmq]

One aerostore server (fresh temp dir, fsync on, as shipped) with a server config naming a
RabbitMQ target (127.0.0.1:5672, guest/guest). For each destination a bucket is configured to
send ``s3:ObjectCreated:*`` there, and two phases run:

- throughput: the SigV4 load driver (``shared/tools/s3bench.py``, or ``$S3BENCH``) PUTs 1 KiB
  objects over ``--producers`` connections for ``--duration`` seconds while a consumer takes
  the events off the destination; events/s = events received / (time the last one arrived -
  time the first PUT started); every PUT's event must arrive (the table shows the count).
  ``none`` is the reference measured in the same run: the same PUTs into a bucket without
  notifications.
- latency: one client PUTs ``--latency-puts`` objects one after another, paced at 50/s; the
  latency of each is the time from its PUT being acknowledged to its event being received by
  a consumer already waiting (SQS long polling for the embedded queue, a basic.consume
  subscription for RabbitMQ). p50 / p99 / max.

Needs boto3 and aio-pika (the `test` extra has both).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
USER, PASSWORD = "aerobench", "aerobench-secret-key-0123456789"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
EXCHANGE = "aerostore-bench"
RABBIT_ARN = "arn:aerostore:sqs::bench:amqp"
BODY = b"e" * 1024


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Aerostore:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = root / "aerostore.toml"
        config.write_text(f'[targets.amqp.bench]\nurl = "{AMQP_URL}"\nexchange = "{EXCHANGE}"\n'
                          'routing_key = "events"\n')  # fmt: skip
        env = dict(os.environ, AEROSTORE_ROOT_USER=USER, AEROSTORE_ROOT_PASSWORD=PASSWORD,
                   PYTHONPATH=str(REPO / "src"))  # fmt: skip
        self.log_path = root / "server.log"
        args = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(root / "data"),
                "--address", f"127.0.0.1:{self.port}", "--config", str(config),
                "--image-workers", "0"]  # fmt: skip
        self.proc = subprocess.Popen(
            args, env=env, stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.client("s3").list_buckets()
                return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError("aerostore did not start: " + self.log_path.read_text()[-2000:])

    def client(self, service: str):  # type: ignore[no-untyped-def]
        config = Config(max_pool_connections=64, retries={"max_attempts": 2})
        return boto3.client(
            service, endpoint_url=self.endpoint, aws_access_key_id=USER,
            aws_secret_access_key=PASSWORD, region_name="us-east-1", config=config,
        )  # fmt: skip

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---- consumers: call ``seen(key, time)`` for each event as it arrives ----


class SqsConsumer:
    def __init__(
        self, server: Aerostore, url: str, seen: Callable[[str, float], None], threads: int = 4
    ) -> None:
        self.server, self.url, self.seen = server, url, seen
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self) -> None:
        sqs = self.server.client("sqs")
        while not self.stop.is_set():
            got = sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            now = time.perf_counter()
            messages = got.get("Messages", [])
            for m in messages:
                body = json.loads(m["Body"])
                if "Records" in body:
                    self.seen(unquote_plus(body["Records"][0]["s3"]["object"]["key"]), now)
            if messages:
                entries = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
                ]
                sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(5)


class RabbitConsumer:
    def __init__(self, seen: Callable[[str, float], None]) -> None:
        self.seen = seen
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),), daemon=True)
        self.done: asyncio.Future[None] | None = None
        self.thread.start()
        if not self.ready.wait(15):
            raise RuntimeError("could not subscribe to RabbitMQ")

    async def _run(self) -> None:
        import aio_pika

        connection = await aio_pika.connect_robust(AMQP_URL)
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=500)
        exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        queue = await channel.declare_queue(f"bench-{uuid.uuid4().hex[:8]}", exclusive=True)
        await queue.bind(exchange, routing_key="events")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            now = time.perf_counter()
            body = json.loads(message.body)
            if "Records" in body:
                self.seen(unquote_plus(body["Records"][0]["s3"]["object"]["key"]), now)
            await message.ack()

        await queue.consume(on_message)
        self.done = self.loop.create_future()
        self.ready.set()
        await self.done
        await connection.close()

    def close(self) -> None:
        if self.done is not None:
            self.loop.call_soon_threadsafe(self.done.set_result, None)
        self.thread.join(10)


# ---- phases ----


class Arrivals:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, float] = {}
        self.changed = threading.Condition(self.lock)

    def seen(self, key: str, when: float) -> None:
        with self.lock:
            self.times.setdefault(key, when)
            self.changed.notify_all()

    def wait_for(self, keys: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not keys <= self.times.keys():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
            return True


S3BENCH = Path(os.environ.get("S3BENCH", REPO.parent / "shared" / "tools" / "s3bench.py"))


def throughput(server: Aerostore, bucket: str, arrivals: Arrivals | None, concurrency: int,
               duration: float) -> dict[str, float]:  # fmt: skip
    """PUT load from the SigV4 driver (its client costs little CPU); count the events that arrive."""
    prefix = f"tp{uuid.uuid4().hex[:6]}"
    command = [sys.executable, str(S3BENCH), "--endpoint", server.endpoint, "--access-key", USER,
               "--secret-key", PASSWORD, "--bucket", bucket, "--prefix", prefix, "--no-create-bucket",
               "--op", "put", "--size", "1KiB", "--concurrency", str(concurrency), "--duration",
               str(duration), "--quiet"]  # fmt: skip
    start = time.perf_counter()
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    put_end = time.perf_counter()
    phase = report["phases"][-1]
    puts = int(phase["ops"]["put"]["count"])
    result = {"puts": puts, "put_per_s": float(phase["ops"]["put"]["ops_per_s"]),
              "errors": float(sum(phase["errors"].values()))}  # fmt: skip
    if arrivals is None:
        return result
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with arrivals.lock:
            got = [t for k, t in arrivals.times.items() if k.startswith(prefix)]
        if len(got) >= puts:
            break
        time.sleep(0.05)
    result.update(events=len(got), complete=float(len(got) >= puts),
                  events_per_s=len(got) / (max(got) - start), drain_s=max(got) - put_end)  # fmt: skip
    return result


def latency(server: Aerostore, bucket: str, arrivals: Arrivals, count: int) -> dict[str, float]:
    s3 = server.client("s3")
    acks: dict[str, float] = {}
    for i in range(count):
        key = f"lat/{i}"
        s3.put_object(Bucket=bucket, Key=key, Body=BODY)
        acks[key] = time.perf_counter()
        time.sleep(0.02)
    arrivals.wait_for(set(acks), 30)
    with arrivals.lock:
        ms = sorted((arrivals.times[k] - t) * 1000 for k, t in acks.items() if k in arrivals.times)
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[int(len(ms) * 0.99) - 1],
        "max_ms": ms[-1],
    }


def run(destination: str, server: Aerostore, producers: int, duration: float, latency_puts: int) -> dict:
    s3 = server.client("s3")
    bucket = f"events-{destination}"
    s3.create_bucket(Bucket=bucket)
    if destination == "none":  # the reference: the same PUTs into a bucket without notifications
        return {"throughput": throughput(server, bucket, None, producers, duration)}
    arrivals = Arrivals()
    consumer: SqsConsumer | RabbitConsumer
    if destination == "embedded":
        sqs = server.client("sqs")
        url = sqs.create_queue(QueueName=f"bench-{destination}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        consumer = SqsConsumer(server, url, arrivals.seen)
    else:
        arn = RABBIT_ARN
        consumer = RabbitConsumer(arrivals.seen)
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    try:
        result = {"throughput": throughput(server, bucket, arrivals, producers, duration),
                  "latency": latency(server, bucket, arrivals, latency_puts)}  # fmt: skip
    finally:
        consumer.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--producers", type=int, default=16, help="concurrent PUT connections")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--latency-puts", type=int, default=300)
    parser.add_argument("--targets", default="none,embedded,rabbitmq")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="aerostore-events-bench-"))
    server = Aerostore(root)
    results: dict[str, dict] = {}
    try:
        for destination in args.targets.split(","):
            log(f"{destination}: {args.producers} connections for {args.duration:g}s, then paced PUTs")
            results[destination] = run(destination, server, args.producers, args.duration, args.latency_puts)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{args.producers} connections, {args.duration:g} s of 1 KiB PUTs;"
        f" latency over {args.latency_puts} paced PUTs\n"
    )
    print(
        "| destination | PUT/s | events/s (first PUT → last event) | events arrived"
        " | last event after the load ends"
        " | latency p50 | p99 | max |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        t = r["throughput"]
        if "latency" not in r:
            print(f"| {name} (reference) | {t['put_per_s']:,.0f} | | | | | | |")
            continue
        lat = r["latency"]
        print(
            f"| {name} | {t['put_per_s']:,.0f} | {t['events_per_s']:,.0f} | {t['events']:.0f}/{t['puts']:.0f}"
            f" | {t['drain_s'] * 1000:.0f} ms | {lat['p50_ms']:.1f} ms | {lat['p99_ms']:.1f} ms"
            f" | {lat['max_ms']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
