from __future__ import annotations

import datetime
import json

import pytest

from aerostore.audit import schema

UTC = datetime.UTC


def test_to_row_request_record_round_trips_through_encode() -> None:
    record = {"time": 1764000000123, "kind": "request", "request_id": "AB", "http_status": 404,
              "bytes_sent": 10, "total_ms": 1.5, "committed": False, "bucket": "b"}  # fmt: skip
    row = schema.decode(schema.encode(record))
    assert row["time"] == datetime.datetime(2025, 11, 24, 16, 0, 0, 123000, tzinfo=UTC)
    assert (row["kind"], row["http_status"], row["bytes_sent"], row["total_ms"]) == ("request", 404, 10, 1.5)
    assert row["committed"] is False and row["detail"] is None and row["key"] is None
    assert schema.to_table([row]).schema == schema.SCHEMA


def test_to_row_application_event_keeps_unknown_fields_in_detail() -> None:
    event = {"time": "2026-01-02T03:04:05Z", "principal": "alice", "operation": "ViewImage",
             "aircraft": "N123AB", "detail": {"image": "img-7"}}  # fmt: skip
    row = schema.to_row(event)
    assert row["kind"] == schema.KIND_APPLICATION
    assert row["principal"] == "alice" and row["operation"] == "ViewImage"
    assert json.loads(row["detail"]) == {"aircraft": "N123AB", "image": "img-7"}
    assert row["time"] == datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1700000000, datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1700000000000, datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("2023-11-14T22:13:20", datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ],
    ids=["seconds", "milliseconds", "naive-iso"],
)
def test_parse_time_forms(value: object, expected: datetime.datetime) -> None:
    assert schema.parse_time(value) == expected


@pytest.mark.parametrize(
    "data", [b"[1]", b"not json", b'{"http_status": "abc"}'], ids=["array", "text", "type"]
)
def test_decode_refuses_what_does_not_fit(data: bytes) -> None:
    with pytest.raises(ValueError):
        schema.decode(data)


def test_partition_of_is_utc() -> None:
    when = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-2)))
    assert schema.partition_of(when) == ("2026-03-02", "01")
