"""The audit record: its columns as a pyarrow schema, and a record dict turned into a row.

Modelled on S3 server access logs and CloudTrail data events
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
A record travels as one JSON object (``encode``) through the ``aerostore-audit`` delivery stream;
``to_row`` coerces it (or an application event) to the columns below. ``dt`` and ``hour`` are not
columns of the files: they are the Hive partitions of the path (``dt=YYYY-MM-DD/hour=HH/``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

STREAM = "aerostore-audit"  # the built-in delivery stream every request record flows through
TABLE = "audit"  # its table in the catalog (audit/catalog.py)

KIND_REQUEST = "request"  # a request to one of the server's APIs, recorded by the server
KIND_APPLICATION = "application"  # an event an application sent through the delivery-stream API
KIND_LIFECYCLE = "lifecycle"  # an action of the lifecycle engine (docs/lifecycle.md), with its change

# api column values
API_S3, API_SQS, API_FIREHOSE, API_ADMIN, API_MEDIA = "s3", "sqs", "firehose", "admin", "media"

# auth_type column values (S3 access logs' "Authentication type", plus anonymous)
AUTH_HEADER, AUTH_PRESIGNED = "header", "presigned"
AUTH_POST_POLICY, AUTH_ANONYMOUS = "post-policy", "anonymous"

SCHEMA = pa.schema(
    [
        pa.field("time", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("request_id", pa.string()),
        pa.field("api", pa.string()),
        pa.field("operation", pa.string()),
        pa.field("principal", pa.string()),  # user name, or "anonymous"
        pa.field("access_key_id", pa.string()),
        pa.field("source_ip", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("bucket", pa.string()),
        pa.field("key", pa.string()),
        pa.field("version_id", pa.string()),
        pa.field("http_status", pa.int16()),
        pa.field("error_code", pa.string()),
        pa.field("bytes_received", pa.int64()),
        pa.field("bytes_sent", pa.int64()),
        pa.field("total_ms", pa.float32()),
        pa.field("ttfb_ms", pa.float32()),
        pa.field("signature_version", pa.string()),  # "SigV4", "SigV2" or null (anonymous)
        pa.field("auth_type", pa.string()),
        pa.field("host", pa.string()),
        # True: written in the transaction of the change it records (a mutation; see docs/audit.md)
        pa.field("committed", pa.bool_()),
        pa.field("detail", pa.string()),  # free JSON: an application event's own fields
    ]
)
COLUMNS = tuple(SCHEMA.names)
PARTITIONS = pa.schema([pa.field("dt", pa.string()), pa.field("hour", pa.string())])

_INTS = {"http_status", "bytes_received", "bytes_sent"}
_FLOATS = {"total_ms", "ttfb_ms"}
_BOOLS = {"committed"}


# One instance: dumps() builds one per call. Records are flat dicts built by the server or decoded
# from JSON, never cyclic: the circular-reference check is pure cost (~8% of an encode).
_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str, check_circular=False)


def encode(record: Mapping[str, Any]) -> bytes:
    """A record as the bytes of one delivery-stream record (compact JSON, one line)."""
    return _ENCODER.encode(record).encode()


def to_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record dict (as ``encode`` wrote it, or an application event) as a row of ``SCHEMA``.

    ``time`` may be epoch seconds, epoch milliseconds or an ISO 8601 string; missing means now.
    A record without ``kind`` is an application event: every key that is not a column goes,
    with ``detail`` if that is a JSON object, into the ``detail`` JSON. Raises ``ValueError`` for
    a value that does not fit its column (the delivery sends such a record to the error prefix).
    """
    kind = str(record.get("kind") or KIND_APPLICATION)
    row: dict[str, Any] = {name: None for name in COLUMNS}
    extra: dict[str, Any] = {}
    for name, value in record.items():
        if name in row:
            row[name] = value
        else:
            extra[name] = value
    row["kind"] = kind
    row["time"] = parse_time(record.get("time"))
    for name in _INTS:
        row[name] = None if row[name] is None else int(row[name])
    for name in _FLOATS:
        row[name] = None if row[name] is None else float(row[name])
    for name in _BOOLS:
        row[name] = None if row[name] is None else bool(row[name])
    row["detail"] = _detail(row["detail"], extra)
    for name in COLUMNS:
        if name not in _INTS | _FLOATS | _BOOLS | {"time", "detail"} and row[name] is not None:
            row[name] = str(row[name])
    return row


def decode(data: bytes) -> dict[str, Any]:
    """One delivery-stream record as a row; ``ValueError`` if it is not a JSON object that fits."""
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("an audit record is a JSON object")
    return to_row(value)


def to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows from ``to_row`` as an Arrow table of ``SCHEMA``."""
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def partition_of(when: datetime.datetime) -> tuple[str, str]:
    """The Hive partition values (``dt``, ``hour``) of a record time (UTC)."""
    utc = when.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%d"), utc.strftime("%H")


def parse_time(value: Any) -> datetime.datetime:
    if value is None or value == "":
        return datetime.datetime.now(datetime.UTC)
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _detail(detail: Any, extra: dict[str, Any]) -> str | None:
    if isinstance(detail, str) and detail:
        try:
            parsed = json.loads(detail)
        except ValueError:
            parsed = {"message": detail}
        detail = parsed
    if isinstance(detail, dict):
        extra = {**detail, **extra}
    elif detail is not None:
        extra = {"detail": detail, **extra}
    return json.dumps(extra, separators=(",", ":"), default=str, sort_keys=True) if extra else None
