from __future__ import annotations

import datetime
import json

import pyarrow as pa
import pytest

from aerostore.firehose import schema
from aerostore.firehose.errors import InvalidArgumentException
from aerostore.firehose.parquet import Record, convert


def test_parse_columns_hive_types() -> None:
    parsed = schema.parse_columns(
        "id:bigint, n:int,s:string,f:double,b:boolean,t:timestamp,d:date,a:array<string>"
    )
    assert parsed.field("id").type == pa.int64() and parsed.field("n").type == pa.int32()
    assert parsed.field("t").type == pa.timestamp("ms", tz="UTC") and parsed.field("a").type == pa.list_(
        pa.string()
    )


@pytest.mark.parametrize(
    "spec", ["", "id", "id:decimal", "a:int,a:int"], ids=["empty", "no-type", "type", "twice"]
)
def test_parse_columns_refuses(spec: str) -> None:
    with pytest.raises(InvalidArgumentException):
        schema.parse_columns(spec)


def test_resolve_builtin_audit_table() -> None:
    codec = schema.resolve("aerostore", "audit")
    assert "request_id" in codec.schema.names


DECODE = schema.json_decoder(schema.parse_columns("id:tinyint,s:string,t:timestamp,f:float"))


@pytest.mark.parametrize(
    "record",
    [b"[1]", b"{", b'{"id": "1"}', b'{"id": 300}', b'{"id": true}', b'{"s": 5}', b'{"t": "yesterday"}',
     b'{"f": "1.5"}'],
    ids=["array", "json", "id-text", "id-range", "id-bool", "s-number", "t-text", "f-text"],
)  # fmt: skip
def test_decoder_refuses_records_that_do_not_fit(record: bytes) -> None:
    with pytest.raises(ValueError):
        DECODE(record)


def test_decoder_timestamps() -> None:
    expected = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.UTC)
    for value in (1_700_000_000, 1_700_000_000_000, "2023-11-14T22:13:20Z", "2023-11-14 22:13:20"):
        assert DECODE(json.dumps({"t": value}).encode())["t"] == expected


def test_convert_splits_good_and_bad_records() -> None:
    codec = schema.resolve("aerostore:inline", "id:bigint")
    records = [Record(1, 0.0, b'{"id": 1}'), Record(2, 0.0, b"nope"), Record(3, 0.0, b'{"id": 3}')]
    converted = convert(records, codec, "ZSTD")
    assert converted.rows == 2 and [r.id for r, _ in converted.failed] == [2]
    assert converted.parquet is not None and converted.parquet[:4] == b"PAR1"


def test_convert_decodes_in_chunks_and_writes_whole_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large delivery is decoded a chunk at a time; row groups still hold ROW_GROUP_ROWS rows, in order."""
    import io

    import pyarrow.parquet as pq

    from aerostore.firehose import parquet

    monkeypatch.setattr(parquet, "DECODE_ROWS", 7)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 20)
    codec = schema.resolve("aerostore:inline", "id:bigint")
    records = [Record(i, 0.0, json.dumps({"id": "bad" if i == 11 else i}).encode()) for i in range(50)]
    converted = convert(records, codec, "ZSTD")
    assert converted.rows == 49 and [r.id for r, _ in converted.failed] == [11]
    assert converted.parquet is not None
    file = pq.ParquetFile(io.BytesIO(converted.parquet))
    assert [file.metadata.row_group(i).num_rows for i in range(file.num_row_groups)] == [20, 20, 9]
    assert file.read().column("id").to_pylist() == [i for i in range(50) if i != 11]
