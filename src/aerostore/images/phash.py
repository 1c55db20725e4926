"""A 64-bit perceptual hash (the DCT "pHash" of imagehash/pHash.org) and the distance between two.

Re-encoding, resizing or mild colour changes move a few bits; different pictures differ in about
half of them. Same pictures are usually within 10 bits of each other.
"""

from __future__ import annotations

import math
import statistics

SIDE = 32  # the grey square the hash is computed from
_LOW = 8  # the lowest 8x8 frequencies make the 64 bits
_COS = [[math.cos((2 * x + 1) * u * math.pi / (2 * SIDE)) for x in range(SIDE)] for u in range(_LOW)]


def phash(rgb: bytes) -> str:
    """The hash, as 16 hex digits, of a ``SIDE`` x ``SIDE`` 8-bit RGB image given row by row.

    The grey conversion happens here (ITU-R BT.601 luma, as Pillow's ``L``) so that both backends
    hash the same way.
    """
    if len(rgb) != SIDE * SIDE * 3:
        raise ValueError(f"phash needs {SIDE * SIDE * 3} RGB bytes, got {len(rgb)}")
    channels = zip(rgb[0::3], rgb[1::3], rgb[2::3], strict=True)
    luma = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in channels]
    rows = [luma[y * SIDE : (y + 1) * SIDE] for y in range(SIDE)]
    # Separable DCT-II, only the low frequencies: rows first (u), then columns (v).
    by_row = [[sum(c * p for c, p in zip(_COS[u], row, strict=True)) for u in range(_LOW)] for row in rows]
    low = [sum(_COS[v][y] * by_row[y][u] for y in range(SIDE)) for v in range(_LOW) for u in range(_LOW)]
    median = statistics.median(low)
    bits = "".join("1" if c > median else "0" for c in low)
    return f"{int(bits, 2):016x}"


def hamming(a: str, b: str) -> int:
    """How many of the 64 bits two hashes differ in (0 = same picture, ~32 = unrelated)."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths")
    return (int(a, 16) ^ int(b, 16)).bit_count()
