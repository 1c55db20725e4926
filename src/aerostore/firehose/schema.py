"""A delivery stream's record schema: where it comes from, and a record turned into a row of it.

Firehose converts JSON records with the schema of a Glue table
(``DataFormatConversionConfiguration.SchemaConfiguration``: DatabaseName, TableName). aerostore
has no Glue: ``DatabaseName="aerostore"`` names the built-in tables (``audit``), and the
extension ``DatabaseName="aerostore:inline"`` takes the columns from ``TableName`` itself, in
Glue's (Hive's) type names: ``TableName="id:bigint,name:string,at:timestamp,tags:array<string>"``.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from aerostore.audit import schema as audit_schema
from aerostore.firehose.errors import InvalidArgumentException

BUILTIN_DATABASE = "aerostore"
INLINE_DATABASE = "aerostore:inline"

_SCALARS: dict[str, Any] = {
    "string": pa.string(), "varchar": pa.string(), "char": pa.string(),
    "bigint": pa.int64(), "int": pa.int32(), "integer": pa.int32(), "smallint": pa.int16(),
    "tinyint": pa.int8(), "double": pa.float64(), "float": pa.float32(), "boolean": pa.bool_(),
    "timestamp": pa.timestamp("ms", tz="UTC"), "date": pa.date32(), "binary": pa.binary(),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Codec:
    """The Arrow schema of a stream's files and the function that turns a record into a row.

    ``decode`` raises ``ValueError`` (or ``TypeError``) for a record that does not fit.
    """

    schema: pa.Schema
    decode: Callable[[bytes], dict[str, Any]]


def resolve(database: str, table: str) -> Codec:
    """The codec a SchemaConfiguration names; InvalidArgumentException if there is none."""
    if database == BUILTIN_DATABASE and table == audit_schema.TABLE:
        return Codec(audit_schema.SCHEMA, audit_schema.decode)
    if database == INLINE_DATABASE:
        schema = parse_columns(table)
        return Codec(schema, json_decoder(schema))
    raise InvalidArgumentException(
        f"Table {database}.{table} not found: use DatabaseName {BUILTIN_DATABASE!r} with TableName "
        f"{audit_schema.TABLE!r}, or DatabaseName {INLINE_DATABASE!r} with the columns in TableName."
    )


def parse_columns(spec: str) -> pa.Schema:
    """``name:type,name:type`` (Hive type names) as an Arrow schema."""
    fields = []
    for part in _split_top(spec):
        name, sep, type_name = part.partition(":")
        if not sep or not name.strip():
            raise InvalidArgumentException(f"Column {part!r} is not name:type.")
        fields.append(pa.field(name.strip(), _arrow_type(type_name.strip().lower())))
    if not fields:
        raise InvalidArgumentException("The schema has no columns.")
    if len({f.name for f in fields}) != len(fields):
        raise InvalidArgumentException("The schema names a column twice.")
    return pa.schema(fields)


def _split_top(spec: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(spec):
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    parts.append(spec[start:])
    return [p for p in (p.strip() for p in parts) if p]


def _arrow_type(name: str) -> Any:
    if name in _SCALARS:
        return _SCALARS[name]
    if name.startswith("array<") and name.endswith(">"):
        return pa.list_(_arrow_type(name[6:-1].strip()))
    raise InvalidArgumentException(f"Column type {name!r} is not supported.")


def json_decoder(schema: pa.Schema) -> Callable[[bytes], dict[str, Any]]:
    """Strict JSON → row: a value of the wrong type is an error, never coerced or dropped."""
    fields = [(f.name, f.type) for f in schema]

    def decode(data: bytes) -> dict[str, Any]:
        value = json.loads(data)
        if not isinstance(value, dict):
            raise ValueError("The record is not a JSON object.")
        return {name: _value(name, kind, value.get(name)) for name, kind in fields}

    return decode


def _value(name: str, kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if pa.types.is_integer(kind):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"Column {name}: {value!r} is not an integer.")
        bits = kind.bit_width - 1
        if not -(2**bits) <= value < 2**bits:
            raise ValueError(f"Column {name}: {value} is out of range.")
        return value
    if pa.types.is_floating(kind):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"Column {name}: {value!r} is not a number.")
        return float(value)
    if pa.types.is_boolean(kind):
        if not isinstance(value, bool):
            raise ValueError(f"Column {name}: {value!r} is not a boolean.")
        return value
    if pa.types.is_timestamp(kind):
        return parse_timestamp(name, value)
    if pa.types.is_date(kind):
        return datetime.date.fromisoformat(_text(name, value))
    if pa.types.is_list(kind):
        if not isinstance(value, list):
            raise ValueError(f"Column {name}: {value!r} is not an array.")
        return [_value(name, kind.value_type, item) for item in value]
    if pa.types.is_binary(kind):
        return _text(name, value).encode()
    return _text(name, value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Column {name}: {value!r} is not a string.")
    return value


def parse_timestamp(name: str, value: Any) -> datetime.datetime:
    """Epoch seconds or milliseconds (as the OpenX JSON SerDe), or ISO 8601 text; naive is UTC."""
    if isinstance(value, bool):
        raise ValueError(f"Column {name}: {value!r} is not a timestamp.")
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    parsed = datetime.datetime.fromisoformat(_text(name, value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
