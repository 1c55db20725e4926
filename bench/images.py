#!/usr/bin/env python3
"""The image core alone: ``aerostore.images.process()`` per backend against a bare pyvips loop.

    python bench/images.py [--iterations 12] [--sizes 12,24] [--threads N] [--json out.json]

For each generated JPEG (12 MP and 24 MP, gradient + noise, camera EXIF with GPS), one child
process with libvips limited to one thread runs the modes interleaved, image by image, for
--iterations rounds (per-core images/s, p50/p99 latency; interleaving keeps a noisy machine's drift
out of the comparison), then each mode on --threads threads (default: the number of cores; this
only scales if the library releases the GIL). Peak RSS comes from a separate child per mode that
runs only that mode. Modes:

- ``vips``: ``process(data)``, the default backend (libvips, Pillow for HEIF);
- ``pillow``: ``process(data, backend="pillow")``;
- ``bare``: the ceiling, pyvips with the least code that does the same work: shrink-on-load
  decode, resize to 2048/1024/256, WebP + JPEG each with the pipeline's settings; no validation,
  no orientation, no colour management, no metadata, no hash.

Prints a Markdown table; overhead = 1 - pipeline images/s / bare images/s. Targets (issue 5):
at least 2 uploads/s per core for 12 MP with the six default outputs, overhead under 10%.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MODES = ("vips", "pillow", "bare")
SIZES = {"12": (4000, 3000), "24": (6000, 4000)}


def photo_like(width: int, height: int) -> bytes:
    """A camera-like JPEG: smooth gradients, per-channel sensor noise, EXIF with make, model and GPS."""
    from PIL import Image, ImageChops

    def channel(gradient: Image.Image) -> Image.Image:
        noise = Image.effect_noise((width, height), 10)
        return ImageChops.add(gradient.resize((width, height)), noise, scale=1.0, offset=-128)

    horizontal = Image.linear_gradient("L").rotate(90)
    vertical = Image.linear_gradient("L")
    radial = Image.radial_gradient("L")
    image = Image.merge("RGB", (channel(horizontal), channel(vertical), channel(radial)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R5", 1
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 12:34:56"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 28.0, 39.0), "W", (0.0, 27.0, 18.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def bare(data: bytes) -> int:
    """Decode, shrink and encode the six default outputs with pyvips directly."""
    import pyvips  # type: ignore[import-untyped]

    from aerostore.images.pipeline import QUALITY, WEBP_EFFORT

    head = pyvips.Image.jpegload_buffer(data)
    shrink = next((s for s in (8, 4, 2) if -(-max(head.width, head.height) // s) >= 2048), 1)
    image = pyvips.Image.jpegload_buffer(data, shrink=shrink, access="sequential")
    total = 0
    for edge in (2048, 1024, 256):
        image = image.resize(edge / max(image.width, image.height)).copy_memory()
        total += len(image.webpsave_buffer(Q=QUALITY["webp"], effort=WEBP_EFFORT, keep=0))
        total += len(image.jpegsave_buffer(Q=QUALITY["jpeg"], optimize_coding=True, keep=0))
    return total


def runner(mode: str) -> Any:
    if mode == "bare":
        return bare
    from aerostore.images import process

    backend = "pillow" if mode == "pillow" else "auto"
    return lambda data: sum(len(o.data) for o in process(data, backend=backend).outputs)


def timed(modes: list[str], path: str, iterations: int, threads: int) -> dict[str, dict[str, Any]]:
    """Latencies with the modes interleaved run by run, so that a noisy machine drifts on all alike."""
    data = Path(path).read_bytes()
    runs = {mode: runner(mode) for mode in modes}
    rows: dict[str, dict[str, Any]] = {
        mode: {"mode": mode, "output_bytes": run(data)} for mode, run in runs.items()
    }
    latencies: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(iterations):
        for mode, run in runs.items():
            started = time.perf_counter()
            run(data)
            latencies[mode].append(time.perf_counter() - started)
    for mode, run in runs.items():
        ordered = sorted(latencies[mode])
        rows[mode].update(
            p50_ms=1000 * statistics.median(ordered),
            p99_ms=1000 * ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
            per_core=len(ordered) / sum(ordered),
            threads=threads,
            parallel=in_threads(run, data, threads, max(2, iterations // 2)),
        )
    return rows


def in_threads(run: Any, data: bytes, threads: int, each: int) -> float:
    """Images/s with ``threads`` threads each running ``each`` images: it scales only without the GIL."""

    def loop() -> None:
        for _ in range(each):
            run(data)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return threads * each / (time.perf_counter() - started)


def peak_rss(mode: str, path: str) -> dict[str, float]:
    """Peak RSS of a process that ran only this mode (a few images)."""
    data, run = Path(path).read_bytes(), runner(mode)
    for _ in range(3):
        run(data)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork + exec, so it would report the parent's peak.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return {"peak_rss_mib": int(line.split()[1]) / 1024}
    return {"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_child(*argv: str) -> Any:
    """Run this file with ``--child`` in a fresh interpreter, libvips on one thread; its JSON answer."""
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--child", *argv]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, Any]]) -> str:
    threads = rows[0]["threads"]
    lines = [
        f"| image | mode | p50 ms | p99 ms | images/s per core | images/s, {threads} threads "
        "| peak RSS MiB | output KiB | overhead vs bare |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        bare_rate = next(
            (r["per_core"] for r in rows if r["image"] == row["image"] and r["mode"] == "bare"), 0
        )
        overhead = "—" if row["mode"] == "bare" or not bare_rate else f"{1 - row['per_core'] / bare_rate:.0%}"
        lines.append(
            f"| {row['image']} | {row['mode']} | {row['p50_ms']:.0f} | {row['p99_ms']:.0f} "
            f"| {row['per_core']:.2f} | {row['parallel']:.2f} | {row['peak_rss_mib']:.0f} "
            f"| {row['output_bytes'] / 1024:.0f} | {overhead} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--sizes", default="12,24", help="megapixels, among 12 and 24")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, *rest = args.child
        if what == "timed":
            print(json.dumps(timed(rest[0].split(","), rest[1], int(rest[2]), int(rest[3]))))
        else:
            print(json.dumps(peak_rss(rest[0], rest[1])))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            path = Path(tmp) / f"{size}mp.jpg"
            path.write_bytes(photo_like(*SIZES[size]))
            image = f"{size} MP JPEG ({path.stat().st_size / 2**20:.1f} MiB)"
            print(f"{image}: timing {args.modes}...", file=sys.stderr)
            timings = in_child("timed", args.modes, str(path), str(args.iterations), str(args.threads))
            for mode in args.modes.split(","):
                rows.append({"image": image, **timings[mode], **in_child("rss", mode, str(path))})
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
