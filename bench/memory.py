#!/usr/bin/env python3
"""Server memory while streaming one huge object up and down (default 2 GiB).

    python bench/memory.py [--size-mib 2048] [--targets aerostore,seaweedfs,moto]

Starts each target like bench/run.py does, PUTs one object of --size-mib with a single
streamed request (UNSIGNED-PAYLOAD, botocore-signed), GETs it back while checking its MD5,
and samples the server's resident memory (its whole process tree) every 100 ms. Prints
peak RSS per phase and throughput; the claim checked is "memory stays flat whatever the
object size" (issue #2: under 200 MiB for 2 GiB).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from targets import TARGETS, PortAllocator  # noqa: E402

ACCESS, SECRET = "memoryadmin", "memory-bench-secret-123"
BLOCK = 1 << 20
PATTERN = os.urandom(BLOCK)  # every block of the object; the same bytes for PUT and the check


def tree_rss_kib(pid: int) -> int:
    """RSS of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for child in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (child / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss_kib(self.pid))
            time.sleep(0.1)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


class UnsignedPayloadAuth(S3SigV4Auth):
    def payload(self, request: AWSRequest) -> str:
        return "UNSIGNED-PAYLOAD"


def signed_headers(method: str, endpoint: str, path: str, length: int | None) -> dict[str, str]:
    request = AWSRequest(method=method, url=endpoint + path, headers={})
    if length is not None:
        request.headers["Content-Length"] = str(length)
    UnsignedPayloadAuth(Credentials(ACCESS, SECRET), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def blocks(total: int):
    block, sent = PATTERN, 0
    while sent < total:
        piece = block[: min(BLOCK, total - sent)]
        sent += len(piece)
        yield piece


def measure(target, size: int) -> dict:
    host, port = "127.0.0.1", target.port
    path = "/s3bench/huge-object"
    expected = hashlib.md5()
    for piece in blocks(size):
        expected.update(piece)
    result = {"idle_rss_mib": round(tree_rss_kib(target.proc.pid) / 1024, 1)}
    sampler = Sampler(target.proc.pid)
    sampler.start()
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=600)
    conn.request("PUT", path, body=blocks(size), headers=signed_headers("PUT", target.endpoint, path, size))
    response = conn.getresponse()
    reply = response.read()
    result["put_status"] = response.status
    if response.status != 200:
        result["put_error"] = reply[:300].decode(errors="replace")
    result["put_mib_s"] = round(size / BLOCK / (time.monotonic() - t0), 1)
    result["put_peak_rss_mib"] = round(sampler.stop() / 1024, 1)
    sampler = Sampler(target.proc.pid)
    sampler.start()
    t0 = time.monotonic()
    conn.request("GET", path, headers=signed_headers("GET", target.endpoint, path, None))
    response = conn.getresponse()
    got = hashlib.md5()
    while piece := response.read(BLOCK):
        got.update(piece)
    result["get_status"] = response.status
    result["get_mib_s"] = round(size / BLOCK / (time.monotonic() - t0), 1)
    result["get_peak_rss_mib"] = round(sampler.stop() / 1024, 1)
    result["md5_ok"] = got.hexdigest() == expected.hexdigest()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--targets", default="aerostore")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="aerostore-mem-") as root:
        ports = PortAllocator()
        for name in args.targets.split(","):
            target = TARGETS[name](Path(root), ports, ACCESS, SECRET)
            target.start()
            try:
                results[name] = measure(target, args.size_mib * BLOCK)
            finally:
                target.stop()
            print(name, json.dumps(results[name]), file=sys.stderr)
    print(json.dumps({"size_mib": args.size_mib, "results": results}, indent=2))


if __name__ == "__main__":
    main()
