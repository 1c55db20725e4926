#!/usr/bin/env python3
"""A lifecycle pass over many objects: its time, the server's memory, and what it costs 4 KiB GETs.

    python bench/lifecycle.py [--objects 100000,1000000] [--versioned] [--day-seconds 86400]
                              [--window 4] [--windows 3] [--concurrency 16] [--out FILE]

For each object count N:

1. Template: a fresh data directory. The server (``aerostore serve --image-workers 0``, fsync
   on, as shipped) creates the buckets through the S3 API: ``lc-bench`` (the lifecycle's
   subject) and ``get-bench`` (1,000 objects of 4 KiB, PUT by ``s3bench.py``, for the
   foreground GETs); boto3 PUTs one object into ``lc-bench``, whose row is the template of the
   others. Then, server stopped, N objects of 100 bytes are installed into ``lc-bench``
   in-process by the write job a PUT runs (``storage/versions.py:install``; body inline, MD5
   ETag and the CRC32 checksum boto3 sends), 10,000 per transaction: a million HTTP PUTs would
   take most of an hour on 2 cores. One in ten keys is under ``staging/``, the rest under
   ``data/``; all were last modified 3 lifecycle days ago.
2. The configuration (two rules: ``staging/`` expires after 1 day, so 10 % are due;
   ``data/`` after 36,500 days, so every object matches a rule and the other 90 % are
   evaluated but not due) is stored offline, as PutBucketLifecycleConfiguration stores it,
   into a copy of the template. A bucket the worker has never seen gets its first pass as the
   server starts, and the next one ``min(day/4, 1 h)`` later (lifecycle/worker.py), so the
   measured pass is the first one and nothing else overlaps it.
3. Run "alone", on one copy: the server starts without the configuration (its idle RSS), is
   stopped, the configuration is added, and it starts again with
   ``--lifecycle-day-seconds D``; the bench polls ``aerostore lifecycle status --json`` until
   the pass has finished: duration (finished - started), objects scanned, actions, objects/s;
   the server's VmRSS (``/proc/PID/status``, every 100 ms) peak during the pass and after it,
   and VmHWM (its lifetime peak).
4. Run "raw", on another copy: the same pass in a process of its own, through
   ``LifecycleWorker.run_pass`` with ``pause_ratio=0`` and no HTTP server: the work itself,
   without the pauses by which the served pass leaves two thirds of the time to requests.
5. Run "under load", on another copy: 4 KiB GETs (``shared/tools/s3bench.py``, or
   ``$S3BENCH``; ``-c`` 16) against ``get-bench`` in back-to-back windows: ``--windows`` on
   the server started without the configuration, then, restarted with it, windows until the
   pass has finished, then ``--windows`` more. A window (the s3bench process's whole life)
   lying inside the pass counts as "during"; the windows before it and after it as "no pass".
   The figure is median(during) / median(no pass): the same data, the same run.

``--versioned``: ``lc-bench`` has versioning enabled and N versions, two per key (the older
one a day older); each rule also has NoncurrentVersionExpiration with the same days, so the
``staging/`` keys get a delete marker and lose their noncurrent version.

Prints a Markdown table; ``--out`` writes a JSON file with every window and figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import boto3

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from aerostore.lifecycle import rules, status  # noqa: E402
from aerostore.storage import versions  # noqa: E402
from aerostore.storage.engine import Engine  # noqa: E402
from aerostore.storage.meta import rows  # noqa: E402
from aerostore.storage.model import Conditions, ObjectVersion  # noqa: E402

USER, PASSWORD = "aerobench", "aerobench-secret-key-0123456789"
S3BENCH = os.environ.get("S3BENCH", "/work/shared/tools/s3bench.py")
BUCKET, GET_BUCKET, GET_PREFIX, GET_OBJECTS = "lc-bench", "get-bench", "get", 1000
DUE_SHARE = 10  # one object in DUE_SHARE is under the prefix that expires
BODY_SIZE, BATCH = 100, 10_000
KEEP_DAYS = 36_500
# (rule id, prefix, days): Expiration, and in a versioned bucket NoncurrentVersionExpiration too.
RULES = [("expire-staging", "staging/", 1), ("keep-data", "data/", KEEP_DAYS)]


def log(*args: object) -> None:
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    return dict(os.environ, AEROSTORE_ROOT_USER=USER, AEROSTORE_ROOT_PASSWORD=PASSWORD,
                PYTHONPATH=str(REPO / "src"))  # fmt: skip


# ---- the server ----


class Server:
    """``aerostore serve`` on a free loopback port, its VmRSS sampled from the moment it starts."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(data_dir),
                "--address", f"127.0.0.1:{self.port}", "--image-workers", "0", *extra]  # fmt: skip
        log_file = open(data_dir.parent / f"server-{self.port}.log", "wb")  # noqa: SIM115 - the child's
        self.launched = time.time()
        self.proc = subprocess.Popen(args, env=env(), stdout=log_file, stderr=subprocess.STDOUT)
        self.rss = RssSampler(self.proc.pid)
        self.rss.start()
        self.s3 = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=USER,
                               aws_secret_access_key=PASSWORD, region_name="us-east-1")  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                self.s3.list_buckets()
                return
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def memory(self, name: str) -> int:
        return proc_status(self.proc.pid, name)

    def stop(self) -> None:
        self.rss.finish()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def proc_status(pid: int, name: str) -> int:
    """A ``/proc/PID/status`` memory field (VmRSS, VmHWM) in bytes; 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """VmRSS of one process every ``interval`` seconds, with the time of each sample."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.time(), proc_status(self.pid, "VmRSS")))
            self._done.wait(self.interval)

    def finish(self) -> None:
        self._done.set()
        if self.is_alive():
            self.join()

    def peak(self, start: float, end: float) -> int:
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)


# ---- the lifecycle engine, as its status command shows it ----


def lifecycle_status(data_dir: Path, cli: bool = False) -> dict[str, Any]:
    """The document of ``aerostore lifecycle status --json``.

    Polled through the function the command calls (``lifecycle/status.py:report``): the command
    itself costs a second of CPU (mostly imports), which would slow the pass being measured.
    ``cli=True`` runs the command, once per run, for the record.
    """
    if not cli:
        with closing(status.connect(data_dir)) as conn:
            return status.report(conn)
    args = [sys.executable, "-m", "aerostore", "lifecycle", "status", "--data-dir", str(data_dir), "--json"]
    out = subprocess.run(args, env=env(), check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def bucket_status(data_dir: Path) -> dict[str, Any] | None:
    for entry in lifecycle_status(data_dir)["buckets"]:
        if entry["bucket"] == BUCKET:
            return dict(entry)
    return None


def finished_pass(data_dir: Path, since: float, progress: list[list[Any]]) -> dict[str, Any] | None:
    """The bucket's last pass if it started at or after ``since`` and has finished.

    Appends [seconds into the pass, versions scanned, actions taken] to ``progress`` meanwhile:
    the rate of the scan where nothing is due against where everything is.
    """
    entry = bucket_status(data_dir)
    last = entry.get("last_pass") if entry else None
    if not last or last["started"] < since:
        return None
    acted = sum(n for counts in last["actions"].values() for n in counts.values())
    progress.append([round(time.time() - last["started"], 2), last["scanned"], acted])
    return dict(last) if last["finished"] is not None else None


def rules_xml(versioned: bool) -> bytes:
    parts = []
    for rule_id, prefix, days in RULES:
        noncurrent = f"<NoncurrentVersionExpiration><NoncurrentDays>{days}</NoncurrentDays>"
        parts.append(
            f"<Rule><ID>{rule_id}</ID><Status>Enabled</Status><Filter><Prefix>{prefix}</Prefix></Filter>"
            f"<Expiration><Days>{days}</Days></Expiration>"
            f"{noncurrent + '</NoncurrentVersionExpiration>' if versioned else ''}</Rule>"
        )
    ns = "http://s3.amazonaws.com/doc/2006-03-01/"
    return f'<LifecycleConfiguration xmlns="{ns}">{"".join(parts)}</LifecycleConfiguration>'.encode()


async def add_configuration(data_dir: Path) -> None:
    """Store ``RULES`` as PutBucketLifecycleConfiguration does: parsed, checked, saved as JSON."""
    engine = Engine(data_dir, fsync=False)
    await engine.start()
    try:
        config = rules.parse_xml(rules_xml(bool(engine.get_bucket(BUCKET).versioning)))
        await engine.set_bucket_config(BUCKET, rules.CONFIG_NAME, rules.to_json(config))
    finally:
        await engine.close()


# ---- population ----


def template_attrs(data_dir: Path) -> Any:
    """The attributes a boto3 PUT gave the first object, read from its row."""
    with closing(sqlite3.connect(data_dir / "meta.sqlite3")) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM versions WHERE bucket = ? LIMIT 1", (BUCKET,)).fetchone()
        return rows.to_version(row).attrs


def key_of(i: int) -> str:
    return f"staging/{i:08d}" if i % DUE_SHARE == 0 else f"data/{i:08d}"


def draft_of(i: int, attrs: Any, modified: float, versioned: bool, day: float) -> ObjectVersion:
    """Object ``i``; when ``versioned``, version ``i % 2`` of key ``i // 2`` (version 0 a day older)."""
    key = key_of(i // 2 if versioned else i)
    if versioned:
        modified -= day * (1 - i % 2)
        key += f"#{i % 2}"  # only in the body
    body = (key.encode() * (BODY_SIZE // len(key) + 1))[:BODY_SIZE]
    key = key.split("#")[0]
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    return ObjectVersion(bucket=BUCKET, key=key, version_id="", seq=0, is_latest=True, delete_marker=False,
                         size=len(body), etag=hashlib.md5(body).hexdigest(), last_modified=modified,
                         attrs=attrs, checksums={"CRC32": crc}, segments=(), inline=body)  # fmt: skip


def install_all(conn: sqlite3.Connection, drafts: list[ObjectVersion]) -> int:
    """The write job of a PUT, once per draft, in one transaction."""
    for draft in drafts:
        versions.install(conn, draft, Conditions())
    return len(drafts)


async def populate(data_dir: Path, count: int, day: float) -> float:
    """Install ``count`` versions into ``lc-bench``, made 3 days ago; the seconds it took."""
    attrs = template_attrs(data_dir)
    engine = Engine(data_dir, fsync=False)
    await engine.start()
    versioned, modified = bool(engine.get_bucket(BUCKET).versioning), time.time() - 3 * day
    began = time.perf_counter()
    try:
        if versioned:  # the template object, PUT before versioning was enabled: not one of the ``count``
            await engine.db.write(
                partial(versions.delete_version, bucket=BUCKET, key=key_of(0), version_id="null")
            )
        pending: asyncio.Future[int] | None = None
        for start in range(0, count, BATCH):
            batch = range(start, min(count, start + BATCH))
            drafts = [draft_of(i, attrs, modified, versioned, day) for i in batch]
            if pending is not None:
                await pending  # one batch commits while the next is built
            pending = engine.db.submit(partial(install_all, drafts=drafts))
            if start and start % (20 * BATCH) == 0:
                log(f"  {start:,} / {count:,} installed")
        if pending is not None:
            await pending
    finally:
        await engine.close()
    return time.perf_counter() - began


def prepare_template(
    root: Path, count: int, day: float, concurrency: int, versioned: bool
) -> tuple[Path, float, float]:
    """A data directory with the buckets, the GET objects and ``count`` lifecycle objects."""
    data = root / "template"
    data.mkdir(parents=True)
    server = Server(data)
    try:
        server.s3.create_bucket(Bucket=BUCKET)
        server.s3.create_bucket(Bucket=GET_BUCKET)
        server.s3.put_object(Bucket=BUCKET, Key=key_of(0), Body=b"x" * BODY_SIZE)
        if versioned:
            server.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        get_window(server, 1, concurrency, prepare=True)
    finally:
        server.stop()
    took = asyncio.run(populate(data, count, day))
    size = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
    return data, took, size / 2**20


def copy_of(template: Path, name: str) -> Path:
    data = template.parent / name
    shutil.copytree(template, data)
    return data


# ---- foreground GETs ----


@dataclass
class Window:
    start: float
    end: float
    ops_s: float
    p99_ms: float
    errors: int
    kind: str = ""


def get_window(server: Server, seconds: float, concurrency: int, prepare: bool = False) -> Window:
    """One s3bench run of 4 KiB GETs; the window is the s3bench process's whole life."""
    out = Path(tempfile.mktemp(suffix=".json"))
    args = [sys.executable, S3BENCH, "--endpoint", server.endpoint, "--access-key", USER,
            "--secret-key", PASSWORD, "--bucket", GET_BUCKET, "--prefix", GET_PREFIX, "--op", "get",
            "--size", "4KiB", "-c", str(concurrency), "-d", str(seconds), "--objects", str(GET_OBJECTS),
            "--out", str(out), "--quiet", "--no-create-bucket"]  # fmt: skip
    if not prepare:
        args.append("--no-prepare")
    started = time.time()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    ended = time.time()  # wider than the timed phase, never narrower
    phases = json.loads(out.read_text())["phases"]
    out.unlink()
    phase = next(p for p in phases if p["phase"] == "get")
    get = phase["ops"]["get"]
    errors = sum(phase["errors"].values()) + phase["verify_failures"]
    return Window(started, ended, float(get["ops_per_s"]), float(get["lat_ms"]["p99"]), errors)


# ---- the runs: alone, raw, under load ----


def run_alone(template: Path, day: float, timeout: float) -> dict[str, Any]:
    """The pass with nothing else running: its time and the server's memory."""
    data = copy_of(template, "alone")
    server = Server(data)
    time.sleep(2)
    idle = server.memory("VmRSS")
    server.stop()
    asyncio.run(add_configuration(data))
    server = Server(data, "--lifecycle-day-seconds", str(day))
    last, progress = None, []
    try:
        deadline = time.monotonic() + timeout
        while last is None and time.monotonic() < deadline:
            time.sleep(0.5)
            last = finished_pass(data, server.launched, progress)
        time.sleep(2)
        after, hwm = server.memory("VmRSS"), server.memory("VmHWM")
        document = lifecycle_status(data, cli=True)
        left = server.s3.list_objects_v2(Bucket=BUCKET, Prefix="staging/", MaxKeys=10)["KeyCount"]
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    if last is None:
        return {"error": f"no finished pass within {timeout:.0f} s", "rss_idle": idle}
    return {
        "pass": last,
        "duration_s": last["finished"] - last["started"],
        "started_after_launch_s": last["started"] - server.launched,
        "rss_idle": idle,
        "rss_peak": server.rss.peak(last["started"], last["finished"]),
        "rss_after": after,
        "vm_hwm": hwm,
        "staging_left": left,
        "status_json": document,
        "progress": progress,
    }


def run_loaded(
    template: Path, day: float, timeout: float, seconds: float, windows: int, concurrency: int
) -> dict[str, Any]:
    """4 KiB GET/s before, during and after the pass, on the same data in the same run."""
    data = copy_of(template, "loaded")
    found: list[Window] = []
    last, progress = None, []
    server = Server(data)
    try:
        for _ in range(windows):
            found.append(replace(get_window(server, seconds, concurrency), kind="no pass"))
    finally:
        server.stop()
    asyncio.run(add_configuration(data))
    server = Server(data, "--lifecycle-day-seconds", str(day))
    try:
        deadline = time.monotonic() + timeout
        during = []
        while last is None and time.monotonic() < deadline:
            during.append(get_window(server, seconds, concurrency))
            last = finished_pass(data, server.launched, progress)
        if last is not None:
            for window in during:
                inside = last["started"] <= window.start and window.end <= last["finished"]
                window.kind = "during" if inside else "mixed"
            found += during
            for _ in range(windows):
                found.append(get_window(server, seconds, concurrency))
            again = bucket_status(data)
            quiet = again and again["last_pass"] and again["last_pass"]["started"] == last["started"]
            for window in found[-windows:]:
                window.kind = "no pass" if quiet else "mixed"
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    result: dict[str, Any] = {"windows": [w.__dict__ for w in found], "progress": progress}
    if last is None:
        result["error"] = f"no finished pass within {timeout:.0f} s"
        return result
    inside = [w.ops_s for w in found if w.kind == "during"]
    outside = [w.ops_s for w in found if w.kind == "no pass"]
    result.update({"pass": last, "duration_s": last["finished"] - last["started"],
                   "get_no_pass": statistics.median(outside) if outside else None,
                   "get_during": statistics.median(inside) if inside else None})  # fmt: skip
    if inside and outside:
        result["ratio"] = result["get_during"] / result["get_no_pass"]
    return result


def run_raw(template: Path, day: float) -> dict[str, Any]:
    """The same pass in a process of its own, without HTTP and without the pauses between batches."""
    data = copy_of(template, "raw")
    try:
        asyncio.run(add_configuration(data))
        args = [sys.executable, __file__, "--raw-pass", str(data), "--day-seconds", str(day)]
        out = subprocess.run(args, env=env(), check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return dict(json.loads(out))


async def raw_pass(data: Path, day: float) -> dict[str, Any]:
    """``LifecycleWorker.run_pass`` with ``pause_ratio=0`` on an engine of this process (fsync on)."""
    from aerostore.lifecycle.worker import LifecycleWorker

    engine = Engine(data)
    await engine.start()
    before = proc_status(os.getpid(), "VmRSS")
    sampler = RssSampler(os.getpid())
    sampler.start()
    try:
        worker = LifecycleWorker(engine, day_seconds=day, pause_ratio=0.0)
        began = time.perf_counter()
        done = await worker.run_pass(BUCKET)
        took = time.perf_counter() - began
    finally:
        sampler.finish()
        await engine.close()
    peak = max((rss for _, rss in sampler.samples), default=0)
    return {"duration_s": took, "scanned": done.scanned, "actions": done.actions, "rss_before": before,
            "rss_peak": peak, "rss_growth": peak - before}  # fmt: skip


# ---- the report ----


@dataclass
class Result:
    objects: int
    versioned: bool
    populate_s: float = 0.0
    data_mib: float = 0.0
    alone: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    loaded: dict[str, Any] = field(default_factory=dict)


def machine() -> dict[str, Any]:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(meminfo("MemTotal") / 2**30, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "loadavg_start": os.getloadavg()}  # fmt: skip


def meminfo(name: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    return 0


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f}"


def actions(last: dict[str, Any]) -> str:
    parts = [f"{rule}: {action} {n:,}" for rule, acts in sorted(last["actions"].items())
             for action, n in sorted(acts.items())]  # fmt: skip
    return "; ".join(parts) or "none"


def window_counts(windows: list[dict[str, Any]]) -> str:
    kinds = [w["kind"] for w in windows]
    return f"{kinds.count('during')} / {kinds.count('no pass')} / {kinds.count('mixed')}"


def table(results: list[Result]) -> str:
    heads = [f"{r.objects:,} versions of {r.objects // 2:,} keys" if r.versioned else f"{r.objects:,} objects"
             for r in results]  # fmt: skip
    lines = ["| | " + " | ".join(heads) + " |",
             "|---|" + "---:|" * len(results)]  # fmt: skip

    def row(label: str, cell: Callable[[Result], str]) -> None:
        cells = []
        for r in results:
            try:
                cells.append(cell(r))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("n/a")
        if any(cell != "n/a" for cell in cells):  # a run left out (--runs) leaves no empty rows
            lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("population, offline (s)", lambda r: f"{r.populate_s:,.1f}")
    row("data directory (MiB)", lambda r: f"{r.data_mib:,.0f}")
    row("pass alone: duration (s)", lambda r: f"{r.alone['duration_s']:,.1f}")
    row("pass alone: versions scanned", lambda r: f"{r.alone['pass']['scanned']:,}")
    row("pass alone: versions/s", lambda r: f"{r.alone['pass']['scanned'] / r.alone['duration_s']:,.0f}")
    row("pass alone: actions", lambda r: actions(r.alone["pass"]))
    row("`staging/` objects left after it", lambda r: f"{r.alone['staging_left']}")
    row("server RSS idle, same data, no pass (MiB)", lambda r: mib(r.alone["rss_idle"]))
    row("server RSS peak during the pass (MiB)", lambda r: mib(r.alone["rss_peak"]))
    row("server RSS 2 s after the pass (MiB)", lambda r: mib(r.alone["rss_after"]))
    row("server VmHWM, lifetime peak (MiB)", lambda r: mib(r.alone["vm_hwm"]))
    row("raw pass (in-process, no pauses): duration (s)", lambda r: f"{r.raw['duration_s']:,.1f}")
    row("raw pass: versions/s", lambda r: f"{r.raw['scanned'] / r.raw['duration_s']:,.0f}")
    row("raw pass: RSS growth of its process (MiB)", lambda r: mib(r.raw["rss_growth"]))
    row("pass under GET load: duration (s)", lambda r: f"{r.loaded['duration_s']:,.1f}")
    row("4 KiB GET/s, no pass (median)", lambda r: f"{r.loaded['get_no_pass']:,.0f}")
    row("4 KiB GET/s, during the pass (median)", lambda r: f"{r.loaded['get_during']:,.0f}")
    row("during / no pass", lambda r: f"{r.loaded['ratio']:.2f}")
    row("GET windows: during / no pass / mixed", lambda r: window_counts(r.loaded["windows"]))
    return "\n".join(lines)


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--objects", default="100000,1000000", help="object counts, comma-separated")
    parser.add_argument("--day-seconds", type=float, default=86400.0, help="--lifecycle-day-seconds")
    parser.add_argument("--window", type=float, default=4.0, help="seconds per GET window")
    parser.add_argument("--windows", type=int, default=3, help="GET windows before and after the pass")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for one pass")
    parser.add_argument("--runs", default="alone,raw,loaded", help="which runs: alone, raw, loaded")
    parser.add_argument("--tmp-dir", default=None)
    parser.add_argument("--keep-tmp", action="store_true")
    parser.add_argument("--out", default=None, help="write the JSON report here")
    parser.add_argument("--versioned", action="store_true", help="two versions per key, noncurrent rules too")
    parser.add_argument("--raw-pass", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_pass is not None:
        print(json.dumps(asyncio.run(raw_pass(args.raw_pass, args.day_seconds))))
        return
    report: dict[str, Any] = {"machine": machine(), "command": " ".join(sys.argv), "results": []}
    results = []
    for count in [int(c) for c in args.objects.split(",") if c]:
        root = Path(tempfile.mkdtemp(prefix=f"aerostore-lc-bench-{count}-", dir=args.tmp_dir))
        try:
            log(f"{count:,} objects: populating {root}")
            template, took, size = prepare_template(root, count, args.day_seconds, args.concurrency,
                                                    args.versioned)  # fmt: skip
            result = Result(count, args.versioned, took, size)
            log(f"  installed in {took:.1f} s ({count / took:,.0f}/s); data directory {size:,.0f} MiB")
            if "alone" in args.runs:
                result.alone = run_alone(template, args.day_seconds, args.timeout)
                log(f"  alone: {json.dumps(result.alone)}")
            if "raw" in args.runs:
                result.raw = run_raw(template, args.day_seconds)
                log(f"  raw: {json.dumps(result.raw)}")
            if "loaded" in args.runs:
                result.loaded = run_loaded(template, args.day_seconds, args.timeout, args.window,
                                           args.windows, args.concurrency)  # fmt: skip
                log(f"  loaded: {json.dumps(result.loaded)}")
            results.append(result)
            report["results"].append(result.__dict__)
        finally:
            if not args.keep_tmp:
                shutil.rmtree(root, ignore_errors=True)
    report["machine"]["loadavg_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    print(table(results))
    print(f"\nmachine: {json.dumps(report['machine'])}")


if __name__ == "__main__":
    main()
