"""Records → one Parquet file, and the records that do not fit the schema, as Firehose error lines."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from aerostore.firehose.schema import Codec

ROW_GROUP_ROWS = 100_000  # row groups small enough for readers to prune, big enough to compress
DECODE_ROWS = 10_000  # records decoded to dicts at a time (the rest of a delivery waits as Arrow data)
FORMAT_CONVERSION_FAILED = "format-conversion-failed"
MALFORMED_DATA = "DataFormatConversion.MalformedData"


@dataclass(frozen=True, slots=True)
class Record:
    id: int
    arrived: float
    data: bytes


@dataclass(frozen=True, slots=True)
class Converted:
    parquet: bytes | None  # None when no record fitted
    rows: int
    failed: list[tuple[Record, str]]  # (record, why)


def convert(records: Sequence[Record], codec: Codec, compression: str) -> Converted:
    """Decode each record with ``codec`` and write the rows that fit as one Parquet file.

    Records are decoded ``DECODE_ROWS`` at a time into Arrow tables, which are a fraction of the
    size of the row dicts, and written a row group at a time: a delivery of SizeInMBs of records
    holds one chunk of dicts and one row group of Arrow data, not every record as a dict.
    """
    failed: list[tuple[Record, str]] = []
    buffer = io.BytesIO()
    writer: pq.ParquetWriter | None = None
    pending: list[pa.Table] = []
    pending_rows = written = 0

    def flush(final: bool) -> None:
        """Write every whole row group of what is pending (and, when ``final``, the rest)."""
        nonlocal writer, pending, pending_rows, written
        if not pending:
            return
        table = pa.concat_tables(pending)
        while table.num_rows >= ROW_GROUP_ROWS or (final and table.num_rows):
            if writer is None:
                writer = pq.ParquetWriter(buffer, codec.schema, compression=compression.lower())
            group = table.slice(0, ROW_GROUP_ROWS)
            writer.write_table(group, row_group_size=ROW_GROUP_ROWS)
            written += group.num_rows
            table = table.slice(ROW_GROUP_ROWS)
        pending, pending_rows = ([table], table.num_rows) if table.num_rows else ([], 0)

    for start in range(0, len(records), DECODE_ROWS):
        rows: list[dict[str, Any]] = []
        kept: list[Record] = []
        for record in records[start : start + DECODE_ROWS]:
            try:
                rows.append(codec.decode(record.data))
                kept.append(record)
            except (ValueError, TypeError, OverflowError) as exc:
                failed.append((record, str(exc) or type(exc).__name__))
        table, more_failed = _table(rows, kept, codec.schema)
        failed += more_failed
        if table is not None and table.num_rows:
            pending.append(table)
            pending_rows += table.num_rows
        if pending_rows >= ROW_GROUP_ROWS:
            flush(final=False)
    flush(final=True)
    failed.sort(key=lambda f: f[0].id)
    if writer is None:
        return Converted(None, 0, failed)
    writer.close()
    return Converted(buffer.getvalue(), written, failed)


def _table(
    rows: list[dict[str, Any]], kept: list[Record], schema: pa.Schema
) -> tuple[pa.Table | None, list[tuple[Record, str]]]:
    """All rows as one table; when Arrow refuses the lot, find the rows it refuses one by one."""
    if not rows:
        return None, []
    try:
        return pa.Table.from_pylist(rows, schema=schema), []
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        pass
    good: list[dict[str, Any]] = []
    failed: list[tuple[Record, str]] = []
    for row, record in zip(rows, kept, strict=True):
        try:
            pa.Table.from_pylist([row], schema=schema)
            good.append(row)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
            failed.append((record, str(exc)))
    return (pa.Table.from_pylist(good, schema=schema) if good else None), failed


def error_lines(failed: Sequence[tuple[Record, str]], now: float, table: str) -> bytes:
    """Firehose's error output: one JSON object per failed record, its data in base64."""
    lines = []
    for record, why in failed:
        entry = {
            "attemptsMade": 1,
            "arrivalTimestamp": int(record.arrived * 1000),
            "lastErrorCode": MALFORMED_DATA,
            "lastErrorMessage": why,
            "attemptEndingTimestamp": int(now * 1000),
            "rawData": base64.b64encode(record.data).decode(),
            "sequenceNumber": str(record.id),
            "dataCatalogTable": {"tableName": table},
        }
        lines.append(json.dumps(entry, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()
