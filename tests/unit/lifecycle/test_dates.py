"""Due dates as AWS computes them (rounded up to the next midnight UTC), and x-amz-expiration's choice."""

from __future__ import annotations

import calendar

import pytest

from aerostore.lifecycle.dates import date_due, due, expiration
from aerostore.lifecycle.rules import Filter, LifecycleConfiguration, Rule
from aerostore.storage.model import ObjectAttrs, ObjectVersion

DAY = 86400


def _utc(*fields: int) -> float:
    return float(calendar.timegm((*fields, 0, 0, 0)))


def test_due_rounds_to_next_midnight_utc() -> None:
    # AWS's example: created 1/15/2014 10:30 UTC, 3 days → 1/19/2014 00:00 UTC.
    assert due(_utc(2014, 1, 15, 10, 30, 0), 3, DAY) == _utc(2014, 1, 19, 0, 0, 0)


def test_due_exactly_at_midnight_stays() -> None:
    assert due(_utc(2014, 1, 15, 0, 0, 0), 1, DAY) == _utc(2014, 1, 16, 0, 0, 0)


def test_due_one_second_after_midnight() -> None:
    assert due(_utc(2014, 1, 15, 0, 0, 1), 1, DAY) == _utc(2014, 1, 17, 0, 0, 0)


def test_due_zero_days_is_next_midnight() -> None:
    assert due(_utc(2014, 1, 15, 23, 59, 59), 0, DAY) == _utc(2014, 1, 16, 0, 0, 0)


@pytest.mark.parametrize(
    ("start", "days", "day_seconds", "expected"),
    [
        pytest.param(1003.0, 2, 10.0, 1030.0, id="multiple-of-10"),
        pytest.param(1000.0, 2, 10.0, 1020.0, id="on-boundary"),
        pytest.param(1000.5, 1, 4.0, 1008.0, id="day-4"),
        pytest.param(1001.0, 7, 2.0, 1016.0, id="day-2"),
    ],
)
def test_due_accelerated_day(start: float, days: int, day_seconds: float, expected: float) -> None:
    assert due(start, days, day_seconds) == expected


def test_due_returns_float() -> None:
    assert isinstance(due(1000, 1, 10), float)


def test_date_due_is_the_date() -> None:
    assert date_due(_utc(2030, 1, 1, 0, 0, 0)) == _utc(2030, 1, 1, 0, 0, 0)


def _version(
    key: str = "a/b", *, size: int = 10, tags: dict[str, str] | None = None, marker: bool = False
) -> ObjectVersion:
    return ObjectVersion(
        bucket="b", key=key, version_id="null", seq=1, is_latest=True, delete_marker=marker, size=size,
        etag="e", last_modified=1003.0, attrs=ObjectAttrs(tags=tags or {}), checksums={}, segments=(),
    )  # fmt: skip


def test_expiration_earliest_enabled_matching_rule() -> None:
    config = LifecycleConfiguration(
        (
            Rule("late", True, Filter(), expiration_days=5),
            Rule("disabled", False, Filter(), expiration_days=1),
            Rule("other-prefix", True, Filter(prefix="z/"), expiration_days=1),
            Rule("early", True, Filter(prefix="a/"), expiration_days=2),
            Rule("noncurrent-only", True, Filter(), noncurrent_days=1),
        )
    )
    assert expiration(config, _version(), 10.0) == (1030.0, "early")


def test_expiration_date_rule() -> None:
    config = LifecycleConfiguration((Rule("date", True, Filter(), expiration_date=2000.0),))
    assert expiration(config, _version(), 10.0) == (2000.0, "date")


def test_expiration_tags_and_size() -> None:
    config = LifecycleConfiguration(
        (Rule("t", True, Filter(tags=(("k", "v"),), size_gt=5), expiration_days=1),)
    )
    assert expiration(config, _version(tags={"k": "v"}), 10.0) == (1020.0, "t")
    assert expiration(config, _version(tags={"k": "v"}, size=5), 10.0) is None
    assert expiration(config, _version(), 10.0) is None


def test_expiration_none_for_delete_marker() -> None:
    config = LifecycleConfiguration((Rule("all", True, Filter(), expiration_days=1),))
    assert expiration(config, _version(marker=True), 10.0) is None
