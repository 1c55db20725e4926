"""The catalog of audit tables: name, schema, partition columns and location, for any engine.

The tables are Hive-partitioned Parquet (``dt=YYYY-MM-DD/hour=HH/``) in the ``audit-logs``
bucket, the layout Firehose writes and that Athena, Trino, Spark and DuckDB read as they are
(docs/audit.md says why not Iceberg). The catalog is code, not state: a table's files are found
by listing its location, so nothing can drift between what is delivered and what is queried.
It is exported as an AWS Glue ``TableInput`` (``aerostore audit catalog --format glue``) and as
Athena/Trino DDL with partition projection, so an external engine needs no crawler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from aerostore.audit import schema

DATABASE = "aerostore"
AUDIT_BUCKET = "audit-logs"
# Under the table's location, prefixes that are not partitions (the error output, the hash-chain
# manifest); a listing skips them.
IGNORED_PREFIXES = ("_", ".", "errors", "error", "manifest")

_HIVE_TYPES = {
    "string": "string", "int16": "smallint", "int64": "bigint", "float": "float", "double": "double",
    "bool": "boolean", "timestamp[ms, tz=UTC]": "timestamp",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    bucket: str
    prefix: str  # "" or ending in "/"
    schema: pa.Schema  # the columns of the files
    partitions: pa.Schema  # the Hive partition columns of the path, in order
    description: str = ""

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def full_schema(self) -> pa.Schema:
        """Columns then partition columns: what a query sees."""
        return pa.schema(list(self.schema) + list(self.partitions))


AUDIT = Table(
    schema.TABLE,
    AUDIT_BUCKET,
    "audit/",  # the aerostore-audit stream's Prefix (firehose/runtime.py); its errors go to audit-errors/
    schema.SCHEMA,
    schema.PARTITIONS,
    "Every request to the server's APIs, and application audit events (docs/audit.md).",
)
TABLES: dict[str, Table] = {AUDIT.name: AUDIT}


def describe(table: Table) -> dict[str, Any]:
    """The catalog entry as plain data (``aerostore audit catalog``, ``GET /-/audit/catalog``)."""
    return {
        "database": DATABASE,
        "name": table.name,
        "location": table.location,
        "format": "parquet",
        "columns": [{"name": f.name, "type": hive_type(f.type)} for f in table.schema],
        "partitionKeys": [{"name": f.name, "type": hive_type(f.type)} for f in table.partitions],
        "description": table.description,
    }


def glue_table_input(table: Table) -> dict[str, Any]:
    """An AWS Glue ``CreateTable`` ``TableInput``, with partition projection on ``dt`` and ``hour``.

    See https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
    """
    columns = [{"Name": f.name, "Type": hive_type(f.type)} for f in table.schema]
    return {
        "Name": table.name,
        "Description": table.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE", **_projection(table)},
        "PartitionKeys": [{"Name": f.name, "Type": hive_type(f.type)} for f in table.partitions],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": table.location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
            },
        },
    }


def ddl(table: Table) -> str:
    """``CREATE EXTERNAL TABLE`` for Athena (and Trino/Spark's Hive catalogs, minus the projection)."""
    columns = ",\n".join(f"  `{f.name}` {hive_type(f.type)}" for f in table.schema)
    partitions = ", ".join(f"`{f.name}` {hive_type(f.type)}" for f in table.partitions)
    properties = ",\n".join(f"  '{k}'='{v}'" for k, v in _projection(table).items())
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {DATABASE}.{table.name} (\n{columns}\n)\n"
        f"PARTITIONED BY ({partitions})\nSTORED AS PARQUET\nLOCATION '{table.location}'\n"
        f"TBLPROPERTIES (\n{properties}\n);"
    )


def hive_type(kind: Any) -> str:
    return _HIVE_TYPES.get(str(kind), "string")


def _projection(table: Table) -> dict[str, str]:
    return {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2024-01-01,NOW",
        "projection.hour.type": "integer",
        "projection.hour.range": "0,23",
        "projection.hour.digits": "2",
        "storage.location.template": f"{table.location}dt=${{dt}}/hour=${{hour}}/",
    }
