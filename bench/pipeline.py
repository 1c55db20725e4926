#!/usr/bin/env python3
"""The image pipeline through the real server: upload acknowledged -> all renditions written.

    python bench/pipeline.py [--workers N] [--latency-uploads 30] [--burst 24] [--sizes 12,24]

One `aerostore serve` (fresh temp dir, fsync on, as shipped) with ``--image-workers N``
(default: the number of cores), or with ``--standalone`` the server without workers and
`aerostore worker images --concurrency N` as a process of its own. For each size (12 MP =
4000x3000, 24 MP = 6000x4000 JPEGs with camera EXIF and photo-like detail):

- latency: ``--latency-uploads`` PUTs into raw-uploads one after another, each waiting for
  the previous one to be done; the latency of one is the time from its PUT being acknowledged
  to its row in the media index (written after the six renditions and the manifest were PUT
  and acknowledged), polled every 2 ms from the SQLite file. p50 / p99 / max.
- throughput: ``--burst`` PUTs at once; images/s = uploads / (last index row - first PUT
  started); per core = that / cores.
- bare: ``process()`` alone on the same bytes in N threads, no S3, no queue: the ceiling the
  pipeline is compared with (overhead = 1 - pipeline / bare).

Every upload has different bytes (a unique JPEG comment), so none is a duplicate.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from aerostore.images import process  # noqa: E402
from aerostore.worker.index import MediaIndex  # noqa: E402

USER, PASSWORD = "aerobench", "aerobench-secret-key-0123456789"
SIZES = {12: (4000, 3000), 24: (6000, 4000)}


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def photo(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG: shapes, a gradient sky and sensor-like noise, with camera EXIF."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + rng.randrange(50, width // 3), y + rng.randrange(50, height // 3))
        draw.ellipse(box, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(2)), noise, 0.15)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS R5"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 10:00:00"
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def unique(data: bytes) -> bytes:
    """The same picture with a JPEG comment segment of its own: new bytes, same pixels."""
    comment = uuid.uuid4().hex.encode()
    return data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, AEROSTORE_ROOT_USER=USER, AEROSTORE_ROOT_PASSWORD=PASSWORD, PYTHONPATH=str(REPO / "src")
    )
    args = [
        sys.executable,
        "-m",
        "aerostore",
        "serve",
        "--data-dir",
        str(data_dir),
        "--address",
        f"127.0.0.1:{port}",
        "--image-workers",
        str(workers),
    ]
    log_file = open(data_dir.parent / "server.log", "ab")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(args, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    s3 = client(port)
    deadline = time.monotonic() + 30
    while True:
        try:
            s3.head_bucket(Bucket="raw-uploads")
            return proc
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start") from None
            time.sleep(0.1)


def start_worker(tmp: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`aerostore worker images` in its own process, writing the index the server would."""
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID=USER, AWS_SECRET_ACCESS_KEY=PASSWORD, PYTHONPATH=str(REPO / "src")
    )
    args = [
        sys.executable,
        "-m",
        "aerostore",
        "worker",
        "images",
        "--s3-endpoint",
        f"http://127.0.0.1:{port}",
        "--queue-url",
        f"http://127.0.0.1:{port}/000000000000/image-processing",
        "--concurrency",
        str(workers),
        "--index",
        str(tmp / "data" / "media.sqlite3"),
    ]
    log_file = open(tmp / "worker.log", "ab")  # noqa: SIM115 - owned by the child
    return subprocess.Popen(args, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)


def client(port: int) -> object:
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=USER,
        aws_secret_access_key=PASSWORD,
    )


def wait_indexed(index: MediaIndex, key: str, timeout: float = 120.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = index.by_key(key)
        if rows and rows[0].status == "processed":
            return time.perf_counter()
        if rows and rows[0].status != "processed":
            raise RuntimeError(f"{key}: {rows[0].status} {rows[0].reason} {rows[0].detail}")
        time.sleep(0.002)
    raise RuntimeError(f"{key}: not processed in {timeout} s")


def latency(s3: object, index: MediaIndex, base: bytes, mp: int, count: int) -> list[float]:
    samples = []
    for i in range(count):
        key = f"aircraft/N{mp}LT/{i}-{uuid.uuid4().hex[:8]}.jpg"
        s3.put_object(Bucket="raw-uploads", Key=key, Body=unique(base))  # type: ignore[attr-defined]
        acked = time.perf_counter()
        samples.append(wait_indexed(index, key) - acked)
    return samples


def burst(s3: object, index: MediaIndex, base: bytes, mp: int, count: int) -> float:
    bodies = [(f"aircraft/N{mp}BT/{i}-{uuid.uuid4().hex[:8]}.jpg", unique(base)) for i in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda kb: s3.put_object(Bucket="raw-uploads", Key=kb[0], Body=kb[1]), bodies))  # type: ignore[attr-defined]
    done = max(wait_indexed(index, key) for key, _ in bodies)
    return count / (done - started)


def bare(base: bytes, workers: int, count: int) -> float:
    bodies = [unique(base) for _ in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(process, bodies))
    return count / (time.perf_counter() - started)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--latency-uploads", type=int, default=30)
    parser.add_argument("--burst", type=int, default=24)
    parser.add_argument("--sizes", default="12,24", help="megapixels, from 12 and 24")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--standalone",
        action="store_true",
        help="the worker as its own process (`aerostore worker images`), not in the server",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="aerostore-pipeline-"))
    port = free_port()
    proc = start_server(tmp / "data", port, 0 if args.standalone else args.workers)
    worker = start_worker(tmp, port, args.workers) if args.standalone else None
    results = []
    try:
        s3 = client(port)
        index = MediaIndex(tmp / "data" / "media.sqlite3")
        for mp in (int(s) for s in args.sizes.split(",")):
            base = photo(*SIZES[mp], seed=mp)
            log(f"{mp} MP: {len(base) / 2**20:.1f} MiB JPEG; warming up")
            latency(s3, index, base, mp, 2)
            samples = latency(s3, index, base, mp, args.latency_uploads)
            rate = burst(s3, index, base, mp, args.burst)
            ceiling = bare(base, args.workers, args.burst)
            results.append(
                {
                    "megapixels": mp,
                    "jpeg_bytes": len(base),
                    "p50_s": pct(samples, 0.5),
                    "p99_s": pct(samples, 0.99),
                    "max_s": max(samples),
                    "mean_s": statistics.mean(samples),
                    "images_per_s": rate,
                    "images_per_s_per_core": rate / cores,
                    "bare_images_per_s": ceiling,
                    "overhead": 1 - rate / ceiling,
                }
            )
            log(json.dumps(results[-1]))
    finally:
        for child in (worker, proc):
            if child is not None:
                os.killpg(child.pid, signal.SIGTERM)
                child.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    mode = (
        f"standalone worker --concurrency {args.workers}"
        if args.standalone
        else f"--image-workers {args.workers}"
    )
    print(
        f"\n{platform.processor() or platform.machine()}, {cores} cores, {mode}, "
        f"Python {platform.python_version()}\n"
    )
    print("| JPEG | bytes | latency p50 | p99 | max | images/s | per core | bare process() | overhead |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['megapixels']} MP | {r['jpeg_bytes'] / 2**20:.1f} MiB | {r['p50_s'] * 1000:.0f} ms | "
            f"{r['p99_s'] * 1000:.0f} ms | {r['max_s'] * 1000:.0f} ms | {r['images_per_s']:.2f} | "
            f"{r['images_per_s_per_core']:.2f} | {r['bare_images_per_s']:.2f}/s | {r['overhead']:.0%} |"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
