"""Helpers for the image-worker tests: pictures made with Pillow, waiting on the queue and the index."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image, ImageDraw

from aerostore.worker.index import MediaIndex, MediaRecord

T = TypeVar("T")
LAT, LON = (48.0, 21.0, 0.0), (11.0, 30.0, 0.0)  # 48.35 N, 11.5 E


def jpeg(
    width: int = 3000,
    height: int = 2000,
    *,
    colour: tuple[int, int, int] = (10, 120, 200),
    orientation: int = 1,
    gps: bool = True,
    seed: int | None = None,
) -> bytes:
    """A JPEG with camera EXIF: make, model, lens, capture time and (unless ``gps=False``) a position.

    The picture is one colour with a white corner, or with ``seed`` a scene of random rectangles
    (a perceptual hash of its own).
    """
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    if seed is None:
        draw.rectangle((0, 0, width // 3, height // 3), fill=(255, 255, 255))
    else:
        rng = random.Random(seed)
        for _ in range(12):
            x, y = rng.randrange(width), rng.randrange(height)
            box = (
                x,
                y,
                x + rng.randrange(width // 16, width // 2),
                y + rng.randrange(height // 16, height // 2),
            )
            draw.rectangle(box, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R5", orientation
    sub = exif.get_ifd(0x8769)
    sub[0x9003], sub[0xA434] = "2024:05:01 10:00:00", "RF24-105mm F4"
    if gps:
        position = exif.get_ifd(0x8825)
        position[1], position[2], position[3], position[4] = "N", LAT, "E", LON
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def wait_for(probe: Callable[[], T | None], timeout: float = 30.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def rows_for(index_path: Path, key: str) -> list[MediaRecord]:
    if not index_path.exists():
        return []
    index = MediaIndex(index_path)
    try:
        return index.by_key(key)
    finally:
        index.close()


def wait_row(index_path: Path, key: str, status: str | None = None, timeout: float = 30.0) -> MediaRecord:
    def probe() -> MediaRecord | None:
        rows = [r for r in rows_for(index_path, key) if status is None or r.status == status]
        return rows[0] if rows else None

    return wait_for(probe, timeout, f"an index row for {key}")


def queue_empty(sqs: Any, url: str) -> bool:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return all(int(attrs[name]) == 0 for name in names)


def versions(s3: Any, bucket: str, prefix: str = "") -> list[tuple[str, str]]:
    """(key, version id) of every version under ``prefix``."""
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        found += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
    return sorted(found)
