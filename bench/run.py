#!/usr/bin/env python3
"""aerostore benchmark harness: aerostore vs SeaweedFS vs moto, plus machine ceilings.

    python bench/run.py [--quick] [--targets aerostore,seaweedfs,moto] [--out bench/results/<ts>.json]

For each target: start it on 127.0.0.1 (free ports, fresh temp dir), wait until a signed
ListBuckets answers and a PUT succeeds, run the s3bench.py workloads against it as
subprocesses (each phase bounded by --duration), stop it, delete its directory.  Before
the targets, measure the machine's ceilings (loopback TCP, MD5/SHA-256, fsync).  Writes
one JSON document and prints a Markdown table (targets side by side, aerostore/X ratios).
A target that cannot start is skipped, with the reason in the table and the JSON.
See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ceilings  # noqa: E402
from targets import TARGETS, PortAllocator, StartError  # noqa: E402

REPO = HERE.parent
ACCESS_KEY = "aerobench"
SECRET_KEY = "aerobench-secret-key-0123456789"
BUCKET = "s3bench"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def find_s3bench(explicit: str | None) -> Path:
    cands = [
        explicit,
        os.environ.get("S3BENCH"),
        REPO.parent / "shared" / "tools" / "s3bench.py",
        REPO / "shared" / "tools" / "s3bench.py",
        "/work/shared/tools/s3bench.py",
    ]
    for c in cands:
        if c and Path(c).is_file():
            return Path(c).resolve()
    raise SystemExit("s3bench.py not found; pass --s3bench PATH or set S3BENCH")


# ------------------------------------------------------------------ workloads
def workloads(quick: bool, D: float, list_keys: int) -> list[dict]:
    """Each workload is one s3bench run.  'phases' = timed phases (each <= D seconds)."""
    n4k = 500 if quick else 1000
    return [
        {"id": "small16", "op": "put,get,head", "size": "4KiB", "c": 16, "objects": n4k, "title": "4KiB c16"},
        {"id": "small64", "op": "put,get,head", "size": "4KiB", "c": 64, "objects": n4k, "title": "4KiB c64"},
        {
            "id": "mid",
            "op": "put,get",
            "size": "1MiB",
            "c": 4,
            "objects": 16 if quick else 32,
            "title": "1MiB c4",
        },
        # 64 MiB: one stream; pool 2 keeps s3bench's start-up (random bytes + hashes) short
        {
            "id": "big",
            "op": "put,get",
            "size": "64MiB",
            "c": 1,
            "objects": 2 if quick else 4,
            "extra": ["--pool", "2"],
            "title": "64MiB c1",
        },
        # one op = list ALL pages (max-keys 1000) of list_keys keys, one client
        {
            "id": "list",
            "op": "list",
            "size": "0",
            "c": 1,
            "objects": list_keys,
            "extra": ["--prepare-concurrency", "16"],
            "title": f"LIST {list_keys} keys c1",
        },
    ]


def run_workload(s3bench: Path, target, w: dict, D: float, quick: bool) -> dict:
    cmd = [
        sys.executable,
        str(s3bench),
        "--endpoint",
        target.endpoint,
        "--access-key",
        target.ak,
        "--secret-key",
        target.sk,
        "--region",
        target.region,
        "--bucket",
        BUCKET,
        "--prefix",
        f"bench/{w['id']}",
        "--op",
        w["op"],
        "--size",
        w["size"],
        "--concurrency",
        str(w["c"]),
        "--duration",
        str(D),
        "--objects",
        str(w["objects"]),
        "--server-pid",
        str(target.proc.pid),
        "--label",
        f"{target.name}/{w['id']}",
    ] + w.get("extra", [])
    if not target.etag_is_md5:
        cmd.append("--no-etag-check")
    nphases = len(w["op"].split(","))
    timeout = nphases * D + (60 if quick else 150) + 30
    rec = {"args": cmd[2:], "loadavg_before": ceilings.loadavg(), "timeout_s": timeout}
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rec["error"] = f"s3bench timed out after {timeout:.0f}s"
    except BaseException:  # interrupted: do not leave the driver running
        p.kill()
        p.wait()
        raise
    rec["wall_s"] = round(time.monotonic() - t0, 2)
    rec["exit_code"] = p.returncode
    rec["stderr"] = err[-4000:]
    for ln in err.splitlines():
        if ln.startswith("["):
            log("    " + ln)
    try:
        rec["s3bench"] = json.loads(out)
    except json.JSONDecodeError:
        rec.setdefault("error", f"s3bench gave no JSON (exit {p.returncode}): {err.strip()[-600:]}")
        log(f"    ERROR {rec['error']}")
    if not target.proc or target.proc.poll() is not None:
        rec["server_died"] = True
    return rec


def metrics_of(wl_results: dict) -> dict:
    """Flatten: '<workload>.<op>' -> the numbers the table uses."""
    m = {}
    for wid, rec in wl_results.items():
        sb = rec.get("s3bench")
        if not sb:
            continue
        for ph in sb["phases"]:
            if ph["phase"] == "prepare":
                m[f"{wid}.prepare"] = {
                    "ops_per_s": ph["ops"].get("prepare", {}).get("ops_per_s"),
                    "errors": sum(ph["errors"].values()),
                }
                continue
            op = ph["phase"]
            d = ph["ops"].get(op, {})
            m[f"{wid}.{op}"] = {
                "ops_per_s": d.get("ops_per_s"),
                "mib_per_s": d.get("mib_per_s"),
                "count": d.get("count", 0),
                "p50_ms": d.get("lat_ms", {}).get("p50"),
                "p99_ms": d.get("lat_ms", {}).get("p99"),
                "errors": sum(ph["errors"].values()) + ph["verify_failures"],
                "error_samples": ph["error_samples"][:3],
                "server_cpu_us_per_op": ph.get("server_cpu_us_per_op"),
                "server_rss_mib": ph.get("server_rss_mib"),
                "driver_cpu_us_per_op": ph.get("driver_cpu_us_per_op"),
            }
            scpu = ph.get("server_cpu_us_per_op")
            if scpu is not None and ph.get("size"):
                m[f"{wid}.{op}"]["server_cpu_us_per_mib"] = round(scpu / (ph["size"] / (1 << 20)), 1)
            if op == "list":
                m[f"{wid}.{op}"]["keys_per_s"] = d.get("keys_per_s")
                m[f"{wid}.{op}"]["page_p50_ms"] = ph["ops"].get("list.page", {}).get("lat_ms", {}).get("p50")
    return m


# ------------------------------------------------------------------ table
def table_rows(list_keys: int):
    # (label, metric key, field, better: "hi"/"lo")
    R = []
    for c in (16, 64):
        for op in ("put", "get", "head"):
            R.append((f"{op.upper()} 4KiB c{c} (ops/s)", f"small{c}.{op}", "ops_per_s", "hi"))
    R += [
        ("PUT 1MiB c4 (MiB/s)", "mid.put", "mib_per_s", "hi"),
        ("GET 1MiB c4 (MiB/s)", "mid.get", "mib_per_s", "hi"),
        ("PUT 64MiB c1 (MiB/s)", "big.put", "mib_per_s", "hi"),
        ("GET 64MiB c1 (MiB/s)", "big.get", "mib_per_s", "hi"),
        (f"LIST {list_keys} keys, full listing (ms p50)", "list.list", "p50_ms", "lo"),
        ("PUT 4KiB c16 latency (ms p99)", "small16.put", "p99_ms", "lo"),
        ("GET 4KiB c16 latency (ms p99)", "small16.get", "p99_ms", "lo"),
        ("PUT 4KiB c64 latency (ms p99)", "small64.put", "p99_ms", "lo"),
        ("server CPU PUT 4KiB c16 (us/op)", "small16.put", "server_cpu_us_per_op", "lo"),
        ("server CPU GET 4KiB c16 (us/op)", "small16.get", "server_cpu_us_per_op", "lo"),
        ("server CPU HEAD 4KiB c16 (us/op)", "small16.head", "server_cpu_us_per_op", "lo"),
        ("server CPU PUT 1MiB c4 (us/MiB)", "mid.put", "server_cpu_us_per_mib", "lo"),
        ("server CPU GET 1MiB c4 (us/MiB)", "mid.get", "server_cpu_us_per_mib", "lo"),
        ("server CPU PUT 64MiB c1 (us/MiB)", "big.put", "server_cpu_us_per_mib", "lo"),
        ("server CPU GET 64MiB c1 (us/MiB)", "big.get", "server_cpu_us_per_mib", "lo"),
        ("PUT 0-byte objects, LIST prepare c16 (ops/s)", "list.prepare", "ops_per_s", "hi"),
    ]
    return R


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, float):
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.2f}"
    return str(v)


def render_table(res: dict, names: list[str], list_keys: int) -> str:
    ratio_to = [n for n in ("seaweedfs", "moto") if n in names] if "aerostore" in names else []
    hdr = ["metric"] + names + [f"aero/{n}" for n in ratio_to] + ["better"]
    lines = [
        "| " + " | ".join(hdr) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(hdr) - 2) + [":---:"]) + "|",
    ]
    notes = []

    def val(name, key, field):
        t = res["targets"].get(name, {})
        m = t.get("metrics", {}).get(key)
        if not m:
            return None, False
        return m.get(field), bool(m.get("errors"))

    for label, key, field, better in table_rows(list_keys):
        row = [label]
        vals = {}
        for n in names:
            t = res["targets"].get(n, {})
            if t.get("status") != "ok":
                row.append("skipped" if t.get("status") == "skipped" else "failed")
                continue
            v, err = val(n, key, field)
            vals[n] = v
            row.append(fmt(v) + (" (!)" if err else ""))
        for n in ratio_to:
            a, b = vals.get("aerostore"), vals.get(n)
            row.append(f"{a / b:.2f}x" if a is not None and b else "—")
        row.append("higher" if better == "hi" else "lower")
        lines.append("| " + " | ".join(row) + " |")
    # extra rows: start-up, RSS, errors
    for label, fn in (
        ("ready: first PUT OK after start (s)", lambda t: t.get("startup", {}).get("first_put_ok_s")),
        (
            "server RSS, max over phases (MiB)",
            lambda t: max(
                [
                    m["server_rss_mib"]
                    for m in t.get("metrics", {}).values()
                    if m.get("server_rss_mib") is not None
                ]
                or [None],
                key=lambda x: -1 if x is None else x,
            ),
        ),
        (
            "errors + verify failures (all phases)",
            lambda t: sum(m.get("errors") or 0 for m in t.get("metrics", {}).values()),
        ),
    ):
        row = [label]
        for n in names:
            t = res["targets"].get(n, {})
            row.append(fmt(fn(t)) if t.get("status") == "ok" else "—")
        row += ["—"] * len(ratio_to) + ["lower"]
        lines.append("| " + " | ".join(row) + " |")
    for n in names:
        t = res["targets"].get(n, {})
        if t.get("status") != "ok":
            reason = [x for x in (t.get("reason") or "").strip().splitlines() if x.strip()]
            last = f" ... {reason[-1].strip()}" if len(reason) > 1 else ""
            notes.append(f"- **{n}** {t.get('status')}: {reason[0] if reason else ''}{last}")
        for k, m in t.get("metrics", {}).items():
            if m.get("errors"):
                notes.append(f"- (!) {n} {k}: {m['errors']} errors, e.g. {m.get('error_samples', [])[:1]}")
        for wid, w in t.get("workloads", {}).items():
            if w.get("error"):
                notes.append(f"- {n} {wid}: {w['error']}")
            if w.get("server_died"):
                notes.append(f"- {n} {wid}: server process died")
    if notes:
        lines += [""] + notes
    return "\n".join(lines)


def render_ceilings(c: dict) -> str:
    if not c:
        return ""
    h = c.get("hashing", {})
    f = c.get("fsync_rename_4k", {})
    tcp = c.get("loopback_tcp_python", {})
    ip = c.get("loopback_tcp_iperf3")
    rows = [
        ("loopback TCP, 1 stream, 2 Python processes (MiB/s)", tcp.get("mib_per_s")),
        ("loopback TCP, iperf3 (MiB/s)", ip.get("mib_per_s") if isinstance(ip, dict) else (ip or "—")),
        ("MD5, 1 core, 64 MiB (MiB/s)", h.get("md5_mib_per_s")),
        ("SHA-256, 1 core, 64 MiB (MiB/s)", h.get("sha256_mib_per_s")),
        ("MD5 + SHA-256 of the same bytes, 1 core (MiB/s)", h.get("md5_plus_sha256_mib_per_s")),
        ("4KiB write+fsync+rename, 1 thread (ops/s)", f.get("1_thread", {}).get("ops_per_s")),
        ("4KiB write+fsync+rename, 16 threads (ops/s)", f.get("16_threads", {}).get("ops_per_s")),
        ("  same + fsync(dir), 1 thread (ops/s)", f.get("1_thread_dirfsync", {}).get("ops_per_s")),
        ("  same + fsync(dir), 16 threads (ops/s)", f.get("16_threads_dirfsync", {}).get("ops_per_s")),
    ]
    lines = ["| machine ceiling | value |", "|---|---:|"]
    lines += [f"| {a} | {fmt(b)} |" for a, b in rows]
    return "\n".join(lines)


def render_machine(m: dict) -> str:
    df = (m.get("disk_df") or "").splitlines()
    return (
        f"machine: {m.get('nproc')} cpu ({m.get('cpu_model')}), {m.get('ram_gib')} GiB RAM, "
        f"kernel {m.get('kernel')}, Python {m.get('python')}, loadavg {m.get('loadavg')}\n"
        f"disk: {df[-1] if df else '?'}"
    )


# ------------------------------------------------------------------ main
def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    ap.add_argument(
        "--quick", action="store_true", help="3 s phases, smaller object counts (~3 min for 2 targets)"
    )
    ap.add_argument(
        "--targets", default="aerostore,seaweedfs,moto", help="comma list of " + ",".join(TARGETS)
    )
    ap.add_argument("--out", default=None, help="JSON output (default bench/results/<UTC timestamp>.json)")
    ap.add_argument(
        "--duration", type=float, default=None, help="seconds per timed phase (default 8, quick 3)"
    )
    ap.add_argument(
        "--list-keys", type=int, default=None, help="keys for the LIST workload (default 10000, quick 2000)"
    )
    ap.add_argument(
        "--workloads", default=None, help="only these workload ids (small16,small64,mid,big,list)"
    )
    ap.add_argument("--no-ceilings", action="store_true", help="skip the machine-ceiling measurements")
    ap.add_argument(
        "--tmp-dir", default=None, help="parent of the temp root (data dirs + fsync test); default $TMPDIR"
    )
    ap.add_argument(
        "--keep-tmp", action="store_true", help="keep the temp root (server logs, data) for debugging"
    )
    ap.add_argument("--ready-timeout", type=float, default=90.0)
    ap.add_argument("--s3bench", default=None, help="path to s3bench.py (default ../shared/tools/s3bench.py)")
    a = ap.parse_args(argv)

    names = [n.strip() for n in a.targets.split(",") if n.strip()]
    for n in names:
        if n not in TARGETS:
            ap.error(f"unknown target {n!r}; known: {', '.join(TARGETS)}")
    D = a.duration or (3.0 if a.quick else 8.0)
    list_keys = a.list_keys or (2000 if a.quick else 10000)
    s3bench = find_s3bench(a.s3bench)
    try:
        import botocore  # noqa: F401
    except ImportError:
        raise SystemExit("botocore is needed (s3bench.py signs with it): pip install botocore") from None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out_path = Path(a.out) if a.out else HERE / "results" / f"{stamp}.json"

    wls = workloads(a.quick, D, list_keys)
    if a.workloads:
        want = {x.strip() for x in a.workloads.split(",")}
        wls = [w for w in wls if w["id"] in want]

    root = Path(tempfile.mkdtemp(prefix="aerobench-", dir=a.tmp_dir))
    ports = PortAllocator()
    current = {"target": None}

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)

    t_start = time.monotonic()
    res = {
        "tool": "aerostore bench/run.py",
        "format": 1,
        "started_utc": stamp,
        "quick": a.quick,
        "duration_per_phase_s": D,
        "list_keys": list_keys,
        "targets_requested": names,
        "s3bench": str(s3bench),
        "access_key": ACCESS_KEY,
        "bucket": BUCKET,
        "workloads": wls,
        "machine": ceilings.machine_description(root),
        "ceilings": None,
        "targets": {},
    }
    log(render_machine(res["machine"]))
    interrupted = False
    try:
        if not a.no_ceilings:
            log("ceilings:")
            res["ceilings"] = ceilings.measure_all(root, a.quick, log=log)
        for n in names:
            t = TARGETS[n](root, ports, ACCESS_KEY, SECRET_KEY)
            current["target"] = t
            tr = {"status": "ok", "endpoint": t.endpoint, "version": t.version(), "workloads": {}}
            res["targets"][n] = tr
            log(f"{n}: starting ({tr['version'] or 'version ?'}) on {t.endpoint}")
            try:
                tr["startup"] = t.start(ready_timeout=a.ready_timeout, bucket=BUCKET)
                log(
                    f"  ready: ListBuckets after {tr['startup'].get('listbuckets_ok_s')}s, "
                    f"first PUT after {tr['startup'].get('first_put_ok_s')}s"
                )
                for w in wls:
                    log(f"  {w['id']}: {w['op']} {w['size']} c={w['c']} objects={w['objects']}")
                    tr["workloads"][w["id"]] = run_workload(s3bench, t, w, D, a.quick)
                    if t.proc.poll() is not None:
                        tr["status"] = "failed"
                        tr["reason"] = f"server exited (code {t.proc.returncode}) during {w['id']}"
                        tr["log_tail"] = t.log_tail(40)
                        log(f"  {tr['reason']}")
                        break
            except StartError as e:
                tr["status"] = "skipped"
                tr["reason"] = str(e)
                tr["startup"] = t.startup
                log(f"  SKIPPED: {str(e).splitlines()[0]}")
            finally:
                tr["stop"] = t.stop()
                if any(w.get("error") or w.get("exit_code") for w in tr["workloads"].values()):
                    tr["log_tail"] = t.log_tail(40)
                current["target"] = None
                tr["metrics"] = metrics_of(tr["workloads"])
                if not a.keep_tmp:
                    shutil.rmtree(t.dir, ignore_errors=True)
    except KeyboardInterrupt as e:
        interrupted = True
        res["interrupted"] = str(e) or "KeyboardInterrupt"
        log(f"interrupted: {res['interrupted']}")
    finally:
        if current["target"] is not None:
            current["target"].stop()
        if a.keep_tmp:
            log(f"kept temp root {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    res["total_wall_s"] = round(time.monotonic() - t_start, 1)
    res["machine"]["loadavg_end"] = ceilings.loadavg()
    table = render_table(res, names, list_keys)
    ceil = render_ceilings(res["ceilings"])
    res["table_markdown"] = table
    res["ceilings_markdown"] = ceil
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(res, indent=1) + "\n")

    print(f"## aerostore bench {stamp}{' (quick)' if a.quick else ''}: {D:g} s per phase\n")
    print(render_machine(res["machine"]) + "\n")
    print(table + "\n")
    if ceil:
        print(ceil + "\n")
    print(f"total {res['total_wall_s']} s; JSON: {out_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
