"""Machine ceilings and machine description, measured in the same run as the targets.

loopback_tcp   one TCP stream over 127.0.0.1 between two Python processes (4 MiB socket
               buffers, 1 MiB sendall / recv_into): the most a Python server could move
               through one connection; iperf3 too when it is installed (never installed here).
hashing        single-core hashlib MD5 and SHA-256 over a 64 MiB buffer (1 MiB updates).
fsync          write 4 KiB to a temp file + fsync + rename over the final name, with 1 and
               16 threads, in a directory on the same file system as the targets' data.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

MiB = 1 << 20


# ------------------------------------------------------------------ machine
def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def machine_description(data_root: Path) -> dict:
    cpuinfo = _read("/proc/cpuinfo")
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")), None
    )
    mhz = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("cpu MHz")), None)
    mem_kib = None
    for ln in _read("/proc/meminfo").splitlines():
        if ln.startswith("MemTotal:"):
            mem_kib = int(ln.split()[1])
    try:
        df = subprocess.run(
            ["df", "-hT", str(data_root)], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        df = None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "nproc": affinity or os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "cpu_mhz": mhz,
        "ram_gib": round(mem_kib / (1 << 20), 1) if mem_kib else None,
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "python_impl": platform.python_implementation(),
        "data_dir": str(data_root),
        "disk_df": df,
        "loadavg": loadavg(),
    }


def loadavg():
    s = _read("/proc/loadavg").split()
    return [float(x) for x in s[:3]] if s else None


# ------------------------------------------------------------------ loopback TCP
def _tcp_sender(port: int, duration: float, bufsize: int, chunk: int):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, bufsize)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = os.urandom(chunk)
    end = time.perf_counter() + duration
    try:
        while time.perf_counter() < end:
            s.sendall(data)
    finally:
        s.close()


def loopback_tcp_python(duration: float = 3.0, bufsize: int = 4 * MiB, chunk: int = MiB) -> dict:
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, bufsize)  # inherited by the accepted socket
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    ctx = mp.get_context("fork")
    p = ctx.Process(target=_tcp_sender, args=(port, duration, bufsize, chunk), daemon=True)
    p.start()
    ls.settimeout(30)
    conn, _ = ls.accept()
    ls.close()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, bufsize)
    buf = bytearray(chunk)
    mv = memoryview(buf)
    total = 0
    t0 = None
    conn.settimeout(duration + 30)
    while True:
        n = conn.recv_into(mv)
        if not n:
            break
        if t0 is None:
            t0 = time.perf_counter()
        total += n
    t1 = time.perf_counter()
    conn.close()
    p.join(10)
    el = max(t1 - (t0 or t1), 1e-9)
    return {
        "mib_per_s": round(total / el / MiB, 1),
        "gbit_per_s": round(total * 8 / el / 1e9, 2),
        "bytes": total,
        "seconds": round(el, 3),
        "sock_buf": bufsize,
        "chunk": chunk,
    }


def loopback_tcp_iperf3(duration: float = 3.0) -> dict | None:
    exe = shutil.which("iperf3")
    if not exe:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = subprocess.Popen(
        [exe, "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(0.5)
        r = subprocess.run(
            [exe, "-c", "127.0.0.1", "-p", str(port), "-t", str(int(max(1, duration))), "-J"],
            capture_output=True,
            text=True,
            timeout=duration + 30,
        )
        d = json.loads(r.stdout)
        bps = d["end"]["sum_received"]["bits_per_second"]
        return {"gbit_per_s": round(bps / 1e9, 2), "mib_per_s": round(bps / 8 / MiB, 1)}
    except Exception as e:  # noqa: BLE001
        return {"error": repr(e)}
    finally:
        if srv.poll() is None:
            srv.terminate()
            try:
                srv.wait(5)
            except subprocess.TimeoutExpired:
                srv.kill()


# ------------------------------------------------------------------ hashing
def hashing(size: int = 64 * MiB, update: int = MiB, repeat: int = 2) -> dict:
    data = os.urandom(size)
    mv = memoryview(data)
    out = {}
    for name in ("md5", "sha256"):
        best = 0.0
        for _ in range(repeat):
            h = hashlib.new(name)
            t0 = time.perf_counter()
            for off in range(0, size, update):
                h.update(mv[off : off + update])
            h.hexdigest()
            el = time.perf_counter() - t0
            best = max(best, size / el / MiB)
        out[f"{name}_mib_per_s"] = round(best, 1)
    # a PUT that computes both the ETag (MD5) and checks x-amz-content-sha256 on one core
    a, b = out["md5_mib_per_s"], out["sha256_mib_per_s"]
    out["md5_plus_sha256_mib_per_s"] = round(1 / (1 / a + 1 / b), 1)
    out["buffer_mib"] = size // MiB
    return out


# ------------------------------------------------------------------ fsync
def _fsync_worker(
    d: Path, tid: int, deadline: float, max_ops: int, counter: list, lat: list, dirfd: int | None
):
    payload = os.urandom(4096)
    n = 0
    while n < max_ops:
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        tmp = d / f"t{tid}-{n}.tmp"
        fin = d / f"t{tid}-{n}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, fin)
        if dirfd is not None:
            os.fsync(dirfd)
        lat.append(time.perf_counter() - t0)
        n += 1
    counter[tid] = n


def fsync_rename(
    root: Path, threads: int, duration: float = 2.0, max_ops: int = 100_000, dir_fsync: bool = False
) -> dict:
    d = root / f"fsync-{threads}-{int(dir_fsync)}"
    d.mkdir(parents=True, exist_ok=True)
    dirfd = os.open(d, os.O_RDONLY) if dir_fsync else None
    counter = [0] * threads
    lats: list[list] = [[] for _ in range(threads)]
    t0 = time.perf_counter()
    deadline = t0 + duration
    ths = [
        threading.Thread(
            target=_fsync_worker, args=(d, i, deadline, max_ops // threads + 1, counter, lats[i], dirfd)
        )
        for i in range(threads)
    ]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    el = time.perf_counter() - t0
    if dirfd is not None:
        os.close(dirfd)
    shutil.rmtree(d, ignore_errors=True)
    all_l = sorted(x for lst in lats for x in lst)
    total = sum(counter)
    return {
        "threads": threads,
        "dir_fsync": dir_fsync,
        "ops": total,
        "ops_per_s": round(total / el, 1),
        "lat_ms_p50": round(all_l[len(all_l) // 2] * 1e3, 3) if all_l else None,
        "lat_ms_p99": round(all_l[int(len(all_l) * 0.99)] * 1e3, 3) if all_l else None,
    }


# ------------------------------------------------------------------ all
def measure_all(root: Path, quick: bool, log=print) -> dict:
    dur = 2.0 if quick else 3.0
    fdur = 1.5 if quick else 2.5
    out = {"loadavg_before": loadavg()}
    log("  loopback TCP (python)...")
    out["loopback_tcp_python"] = loopback_tcp_python(dur)
    ip = loopback_tcp_iperf3(dur)
    out["loopback_tcp_iperf3"] = ip if ip is not None else "iperf3 not installed"
    log("  hashing...")
    out["hashing"] = hashing(repeat=2 if quick else 3)
    log("  write+fsync+rename...")
    out["fsync_rename_4k"] = {
        "1_thread": fsync_rename(root, 1, fdur),
        "16_threads": fsync_rename(root, 16, fdur),
        "1_thread_dirfsync": fsync_rename(root, 1, fdur, dir_fsync=True),
        "16_threads_dirfsync": fsync_rename(root, 16, fdur, dir_fsync=True),
    }
    out["loadavg_after"] = loadavg()
    return out


if __name__ == "__main__":
    import tempfile

    r = Path(tempfile.mkdtemp(prefix="aerobench-ceil-"))
    try:
        print(json.dumps(measure_all(r, quick="--quick" in sys.argv), indent=1))
    finally:
        shutil.rmtree(r, ignore_errors=True)
