"""parse_amz_date: the fast parse accepts and rejects exactly what time.strptime does."""

from __future__ import annotations

import calendar
import random
import time

import pytest

from aerostore.auth.sigv4 import parse_amz_date


def _strptime(value: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


@pytest.mark.parametrize(
    "value",
    [
        "20130524T000000Z", "20240229T235959Z", "19700101T000000Z", "99991231T235961Z", "20240101T000060Z",
        "20230229T000000Z", "20240230T000000Z", "20240431T000000Z", "20241301T000000Z", "20240001T000000Z",
        "20240100T000000Z", "00000101T000000Z", "20240101T240000Z", "20240101T006000Z", "20240101T000062Z",
        "20240101T000000", "20240101 000000Z", "2024-01-01T00:00:00Z", "20240101T000000Zx", "",
        "٢٠٢٤٠١٠١T000000Z", "٢٠٢٤0101T000000Z", "20240101T00000٣Z",
    ],
)  # fmt: skip
def test_matches_strptime(value: str) -> None:
    assert parse_amz_date(value) == _strptime(value)


def test_matches_strptime_on_random_digits() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        digits = "".join(rng.choice("0123456789") for _ in range(14))
        value = f"{rng.choice(['19', '20', '00'])}{digits[:6]}T{digits[6:12]}Z"
        assert parse_amz_date(value) == _strptime(value), value
