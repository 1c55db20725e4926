#!/usr/bin/env python3
"""SQS throughput: aerostore's embedded queue vs moto's SQS vs ministack, in the same run.

    python bench/sqs.py [--messages 1000] [--concurrency 1,16]
                        [--targets aerostore,moto,ministack[,aerostore-nofsync]]
                        [--body-size 512] [--ministack PATH] [--quick]

For each target: start it on 127.0.0.1 (free port, fresh temp dir), wait until a signed
ListQueues answers, then for each concurrency level C create a queue and run two phases,
each over ``--messages`` messages (a phase stops early after ``--phase-budget`` seconds and the
table notes it: moto's receive slows down as its queue grows):

- send: C connections each loop SendMessage until the count is reached;
- receive+delete: C connections each loop ReceiveMessage (MaxNumberOfMessages=10) and
  DeleteMessage every message received, until every message was deleted.

The driver is one asyncio process holding C keep-alive HTTP/1.1 connections and signing
SigV4 itself (JSON protocol, as boto3 speaks it), so the client costs little CPU next to
the servers. aerostore runs as shipped: every send and receive is committed with fsync
before it is answered (``aerostore-nofsync`` shows the cost without the flushes); moto and
ministack keep their queues in memory. Prints a Markdown
table of msgs/s with aerostore/X ratios.

ministack is found as ``--ministack``, else ``ministack`` on PATH (``pip install ministack``;
it pins its own botocore, so a separate venv is the gentle way).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from aerostore.auth import sigv4  # noqa: E402

ACCESS_KEY = "aerobench"
SECRET_KEY = "aerobench-secret-key-0123456789"
REGION = "us-east-1"
JSON_TYPE = "application/x-amz-json-1.0"


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ the driver


class Connection:
    """One keep-alive connection speaking the SQS JSON protocol, signing SigV4 itself."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, action: str, params: dict[str, object]) -> tuple[int, dict[str, object]]:
        body = json.dumps(params).encode()
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                return await self._exchange(action, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, action: str, body: bytes) -> tuple[int, dict[str, object]]:
        assert self.reader is not None and self.writer is not None
        headers = self._signed(action, body)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"POST / HTTP/1.1\r\n{head}\r\n".encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        response_headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            response_headers[name.strip().lower()] = value.strip()
        data = await self._body(response_headers)
        if response_headers.get("connection", "").lower() == "close" or status_line.startswith(b"HTTP/1.0"):
            await self.close()
        return status, json.loads(data) if data.strip() else {}

    async def _body(self, headers: dict[str, str]) -> bytes:
        assert self.reader is not None
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readline()).strip() or b"0", 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            return b"".join(chunks)
        return await self.reader.readexactly(int(headers.get("content-length", "0")))

    def _signed(self, action: str, body: bytes) -> dict[str, str]:
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        headers = {"host": self.host, "content-type": JSON_TYPE, "x-amz-date": amz_date,
                   "x-amz-target": f"AmazonSQS.{action}"}  # fmt: skip
        names = sorted(headers)
        payload = hashlib.sha256(body).hexdigest()
        canonical = sigv4.canonical_request("POST", "/", "", headers, names, payload)
        scope = f"{amz_date[:8]}/{REGION}/sqs/aws4_request"
        key = sigv4.signing_key(SECRET_KEY, amz_date[:8], REGION, "sqs")
        signature = sigv4.sign(key, sigv4.string_to_sign(amz_date, scope, canonical))
        headers["authorization"] = (
            f"{sigv4.ALGORITHM} Credential={ACCESS_KEY}/{scope}, SignedHeaders={';'.join(names)}, "
            f"Signature={signature}"
        )
        headers["content-length"] = str(len(body))
        return headers

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None


@dataclass
class Phase:
    messages: int = 0
    seconds: float = 0.0
    errors: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def send_phase(port: int, url: str, total: int, concurrency: int, body: str, deadline: float) -> Phase:
    phase, remaining = Phase(), [total]
    connections = [Connection(port) for _ in range(concurrency)]

    async def worker(conn: Connection) -> None:
        while remaining[0] > 0 and time.perf_counter() < deadline:
            remaining[0] -= 1
            status, _ = await conn.call("SendMessage", {"QueueUrl": url, "MessageBody": body})
            if status == 200:
                phase.messages += 1
            else:
                phase.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    phase.seconds = time.perf_counter() - started
    if phase.messages < total:
        phase.notes.append(f"only {phase.messages}/{total} sent within the phase budget")
    for conn in connections:
        await conn.close()
    return phase


async def receive_phase(port: int, url: str, total: int, concurrency: int, deadline: float) -> Phase:
    phase = Phase()
    connections = [Connection(port) for _ in range(concurrency)]

    async def worker(conn: Connection) -> None:
        while phase.messages < total and time.perf_counter() < deadline:
            status, result = await conn.call(
                "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}
            )
            if status != 200:
                phase.errors += 1
                continue
            for message in result.get("Messages", []):  # type: ignore[attr-defined]
                status, _ = await conn.call(
                    "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]}
                )
                if status == 200:
                    phase.messages += 1
                    if phase.messages == total:
                        finished[0] = time.perf_counter()
                else:
                    phase.errors += 1

    started, finished = time.perf_counter(), [0.0]
    await asyncio.gather(*(worker(c) for c in connections))
    # The clock stops at the last delete: a worker still in a long poll then is not counted.
    phase.seconds = (finished[0] or time.perf_counter()) - started
    if phase.messages < total:
        phase.notes.append(f"only {phase.messages}/{total} received before the deadline")
    for conn in connections:
        await conn.close()
    return phase


async def run_target(
    port: int, messages: int, levels: list[int], body_size: int, budget: float
) -> dict[str, Phase]:
    body = ("x" * body_size)[:body_size]
    results: dict[str, Phase] = {}
    admin = Connection(port)
    for c in levels:
        status, created = await admin.call("CreateQueue", {"QueueName": f"bench-c{c}-{os.getpid()}"})
        if status != 200:
            raise RuntimeError(f"CreateQueue answered {status}: {created}")
        url = str(created["QueueUrl"])
        sent = results[f"send c{c}"] = await send_phase(
            port, url, messages, c, body, time.perf_counter() + budget
        )
        log(f"  send c{c}: {sent.messages} in {sent.seconds:.1f}s")
        got = await receive_phase(port, url, sent.messages, c, time.perf_counter() + budget)
        results[f"receive+delete c{c}"] = got
        log(f"  receive+delete c{c}: {got.messages} in {got.seconds:.1f}s")
    await admin.close()
    return results


# ------------------------------------------------------------------ the servers


class Server:
    def __init__(self, name: str, command: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name, self.command, self.env, self.dir = name, command, env, workdir
        self.port = int(env["BENCH_PORT"])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.dir / "server.log", "wb")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(self.command, env=self.env, cwd=self.dir, stdout=log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                status, _ = asyncio.run(Connection(self.port).call("ListQueues", {}))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.dir / "server.log"
        return path.read_text(errors="replace")[-1500:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def make_server(name: str, root: Path, ministack: str | None) -> Server:
    port = free_port()
    env = {**os.environ, "BENCH_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    workdir = root / name
    if name in ("aerostore", "aerostore-nofsync"):
        env.update(AEROSTORE_ROOT_USER=ACCESS_KEY, AEROSTORE_ROOT_PASSWORD=SECRET_KEY,
                   PYTHONPATH=str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", ""))  # fmt: skip
        command = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(workdir / "data"),
                   "--address", f"127.0.0.1:{port}", "--image-workers", "0"]  # fmt: skip
        if name == "aerostore-nofsync":
            command.append("--no-fsync")
    elif name == "moto":
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    elif name == "ministack":
        exe = ministack or shutil.which("ministack")
        if exe is None:
            raise RuntimeError("ministack not installed (pip install ministack, or pass --ministack PATH)")
        env.update(GATEWAY_PORT=str(port), BIND_HOST="127.0.0.1", SERVICES="sqs", LOG_LEVEL="WARNING")
        command = [exe]
    else:
        raise SystemExit(f"unknown target {name}")
    return Server(name, command, env, workdir)


# ------------------------------------------------------------------ report


def table(results: dict[str, dict[str, Phase] | str], order: list[str]) -> str:
    names = [n for n in order if n in results]
    rows = next((list(r) for r in results.values() if isinstance(r, dict)), [])
    others = [n for n in names if n != "aerostore"]
    head = ["workload (msgs/s)", *names] + [f"aerostore/{n}" for n in others if "aerostore" in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row]
        for name in names:
            r = results[name]
            cells.append(f"{r[row].rate:,.0f}" + (f" ({r[row].errors} err)" if r[row].errors else "")
                         if isinstance(r, dict) else "skipped")  # fmt: skip
        for name in others:
            if "aerostore" not in names:
                continue
            a, o = results["aerostore"], results[name]
            ok = isinstance(a, dict) and isinstance(o, dict) and o[row].rate
            cells.append(f"{a[row].rate / o[row].rate:.2f}x" if ok else "-")  # type: ignore[index]
        lines.append("| " + " | ".join(cells) + " |")
    for name in names:
        r = results[name]
        if isinstance(r, str):
            lines.append(f"\n{name} skipped: {r}")
        else:
            lines += [f"\n{name} {row}: {'; '.join(p.notes)}" for row, p in r.items() if p.notes]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000, help="messages per phase (default 1000)")
    parser.add_argument("--concurrency", default="1,16", help="comma-separated levels (default 1,16)")
    parser.add_argument("--targets", default="aerostore,moto,ministack")
    parser.add_argument("--body-size", type=int, default=512)
    parser.add_argument("--ministack", help="the ministack executable")
    parser.add_argument("--quick", action="store_true", help="500 messages per phase")
    parser.add_argument("--phase-budget", type=float, default=60.0, help="seconds a phase may take")
    parser.add_argument("--ready-timeout", type=float, default=60.0)
    args = parser.parse_args()
    messages = 500 if args.quick else args.messages
    levels = [int(c) for c in args.concurrency.split(",")]
    order = args.targets.split(",")
    results: dict[str, dict[str, Phase] | str] = {}
    with tempfile.TemporaryDirectory(prefix="sqsbench-") as tmp:
        for name in order:
            try:
                server = make_server(name, Path(tmp), args.ministack)
                log(f"starting {name} on port {server.port}")
                server.start(args.ready_timeout)
            except RuntimeError as exc:
                results[name] = str(exc).splitlines()[0] if str(exc) else repr(exc)
                log(f"{name}: {results[name]}")
                continue
            try:
                log(f"{name}: {messages} messages per phase, concurrency {levels}")
                results[name] = asyncio.run(run_target(server.port, messages, levels, args.body_size,
                                                       args.phase_budget))  # fmt: skip
            except Exception as exc:  # a target that breaks mid-run is reported, not fatal
                results[name] = f"failed: {exc!r}"
            finally:
                server.stop()
    print(f"\nSQS throughput, {messages} messages of {args.body_size} B per phase, 127.0.0.1, "
          f"{os.cpu_count()} CPUs shared by driver and server\n")  # fmt: skip
    print(table(results, order))


if __name__ == "__main__":
    main()
