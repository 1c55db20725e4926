from __future__ import annotations

import datetime

import pytest

from aerostore.firehose import prefix
from aerostore.firehose.errors import InvalidArgumentException

WHEN = datetime.datetime(2026, 3, 7, 9, 5, 4, 123000, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd", "2026-03-07"),
        ("yy/M/d", "26/3/7"),
        ("HH:mm:ss.SSS", "09:05:04.123"),
        ("'dt='yyyy-MM-dd'/hour='HH", "dt=2026-03-07/hour=09"),
        ("yyyy''MM", "2026'03"),
        ("D", "66"),
    ],
    ids=["date", "short", "time", "quoted", "quote", "day-of-year"],
)
def test_format_timestamp(pattern: str, expected: str) -> None:
    assert prefix.format_timestamp(pattern, WHEN) == expected


def test_render_hive_partitions() -> None:
    rendered = prefix.render("t/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/", WHEN, "seed")
    assert rendered == "t/dt=2026-03-07/hour=09/"


def test_render_plain_prefix_gets_default_time_folders() -> None:
    assert prefix.render("logs/", WHEN, "s") == "logs/2026/03/07/09/"
    assert prefix.render("", WHEN, "s") == "2026/03/07/09/"


def test_render_error_prefix() -> None:
    assert prefix.render("err/!{firehose:error-output-type}/", WHEN, "s", "format-conversion-failed") == (
        "err/format-conversion-failed/"
    )
    assert (
        prefix.render("err/", WHEN, "s", "format-conversion-failed")
        == "err/format-conversion-failed/2026/03/07/09/"
    )


def test_random_string_is_a_function_of_the_seed() -> None:
    first = prefix.render("!{firehose:random-string}/", WHEN, "a-1")
    assert first == prefix.render("!{firehose:random-string}/", WHEN, "a-1")
    assert first != prefix.render("!{firehose:random-string}/", WHEN, "a-2")
    assert len(first) == 12


@pytest.mark.parametrize(
    ("value", "error"),
    [("!{timestamp:yyyy-QQ}", False), ("!{firehose:error-output-type}", False), ("!{nope:x}", False),
     ("!{timestamp:yyyy", False), ("!{timestamp:'yyyy}", False)],
    ids=["letter", "error-type-in-prefix", "namespace", "unterminated", "quote"],
)  # fmt: skip
def test_check_refuses(value: str, error: bool) -> None:
    with pytest.raises(InvalidArgumentException):
        prefix.check(value, error=error)
