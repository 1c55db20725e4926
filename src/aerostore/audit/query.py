"""SQL over the audit tables: DuckDB scanning pyarrow datasets read through the S3 API.

DuckDB's httpfs extension cannot be downloaded here, so DuckDB reads Arrow datasets instead:
each catalog table is a Hive-partitioned ``pyarrow.dataset`` over ``pyarrow.fs.S3FileSystem``
pointed at the server (or any S3 endpoint). DuckDB pushes a query's filters into the dataset
scan, so a predicate on ``dt``/``hour`` skips whole partitions, and one on a column skips row
groups by their statistics. External access is switched off before the user's SQL runs: it
reads the registered tables and nothing else of the machine.

Files the lifecycle has moved to GLACIER or DEEP_ARCHIVE (audit-logs' default rules, after 30
days) cannot be read until restored: a table's files are listed with their storage class and the
archived ones are left out, as Athena ignores objects in those classes.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3  # type: ignore[import-untyped]
import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.dataset as ds  # type: ignore[import-untyped]
import pyarrow.fs as pafs  # type: ignore[import-untyped]
from botocore import exceptions as client_errors  # type: ignore[import-untyped]
from botocore.config import Config as BotoConfig  # type: ignore[import-untyped]

from aerostore.audit.catalog import IGNORED_PREFIXES, TABLES, Table
from aerostore.lifecycle.model import ARCHIVE_CLASSES  # unreadable until restored: left out of queries

log = logging.getLogger(__name__)

MAX_ROWS = 10_000  # what `who`/`activity` and the HTTP endpoint return at most
_SINCE = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the tables are read from, and as whom."""

    url: str  # http://127.0.0.1:9000
    access_key: str
    secret_key: str
    region: str = "us-east-1"


def local_endpoint(host: str, port: int, tls: bool, user: str, password: str, region: str) -> Endpoint:
    """The server's own S3 API, as its root user."""
    host = "127.0.0.1" if host in ("", "0.0.0.0") else ("[::1]" if host == "::" else host)
    return Endpoint(f"{'https' if tls else 'http'}://{host}:{port}", user, password, region)


def filesystem(endpoint: Endpoint) -> pafs.S3FileSystem:
    parts = urlsplit(endpoint.url)
    return pafs.S3FileSystem(
        access_key=endpoint.access_key,
        secret_key=endpoint.secret_key,
        region=endpoint.region,
        endpoint_override=parts.netloc,
        scheme=parts.scheme or "http",
        allow_bucket_creation=False,
        allow_bucket_deletion=False,
    )


def dataset(table: Table, fs: pafs.FileSystem, files: list[str] | None = None) -> ds.Dataset:
    """The table's Parquet files (``files``, else found by listing its location); partitions from paths."""
    root = f"{table.bucket}/{table.prefix}".rstrip("/")
    partitioning = ds.partitioning(table.partitions, flavor="hive")
    options: dict[str, Any] = {"filesystem": fs, "format": "parquet", "partitioning": partitioning,
                               "schema": table.full_schema}  # fmt: skip
    try:
        if files is None:
            return ds.dataset(root, ignore_prefixes=list(IGNORED_PREFIXES), **options)
        if files:
            return ds.dataset(files, partition_base_dir=root, **options)
    except FileNotFoundError:
        pass
    return ds.dataset(pa.Table.from_pylist([], schema=table.full_schema))


def readable_files(table: Table, endpoint: Endpoint) -> tuple[list[str], int]:
    """The table's data files a query can open ("bucket/key"), and how many archived ones were left out."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
        config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )
    files, archived = [], 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=table.bucket, Prefix=table.prefix):
        for item in page.get("Contents", []):
            parts = item["Key"][len(table.prefix) :].split("/")
            if any(part.startswith(IGNORED_PREFIXES) for part in parts):
                continue  # the error output, the manifest chain: not partitions
            if item.get("StorageClass") in ARCHIVE_CLASSES:
                archived += 1
            else:
                files.append(f"{table.bucket}/{item['Key']}")
    return files, archived


def connect(endpoint: Endpoint, tables: dict[str, Table] = TABLES) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every catalog table registered and the machine locked away."""
    fs = filesystem(endpoint)
    con = duckdb.connect()
    for name, table in tables.items():
        try:
            files, archived = readable_files(table, endpoint)
        except client_errors.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise
            files, archived = [], 0
        if archived:
            log.warning("%s: %d archived file(s) left out (restore them to query them)", name, archived)
        con.register(name, dataset(table, fs, files))
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run(sql: str, endpoint: Endpoint, tables: dict[str, Table] = TABLES) -> pa.Table:
    """The result of ``sql`` as an Arrow table; ``duckdb.Error`` if DuckDB refuses it."""
    con = connect(endpoint, tables)
    try:
        relation = con.sql(sql)
        return pa.table({}) if relation is None else relation.to_arrow_table()
    finally:
        con.close()


def who_sql(key: str, bucket: str | None = None, since: float | None = None) -> tuple[str, list[Any]]:
    """Every request that touched ``key`` (newest first): who, what, when, from where, how it ended."""
    where, params = ["key = ?"], [key]
    if bucket:
        where.append("bucket = ?")
        params.append(bucket)
    _since(where, params, since)
    sql = (
        "SELECT time, principal, access_key_id, operation, bucket, key, version_id, http_status, "
        "error_code, source_ip, user_agent, request_id FROM audit "
        f"WHERE {' AND '.join(where)} ORDER BY time DESC LIMIT {MAX_ROWS}"
    )
    return sql, params


def activity_sql(user: str, since: float | None = None) -> tuple[str, list[Any]]:
    """What ``user`` (a principal name or an access key id) did, newest first."""
    where, params = ["(principal = ? OR access_key_id = ?)"], [user, user]
    _since(where, params, since)
    sql = (
        "SELECT time, kind, api, operation, bucket, key, http_status, error_code, bytes_sent, "
        "bytes_received, source_ip, detail FROM audit "
        f"WHERE {' AND '.join(where)} ORDER BY time DESC LIMIT {MAX_ROWS}"
    )
    return sql, params


def run_params(sql: str, params: list[Any], endpoint: Endpoint) -> pa.Table:
    con = connect(endpoint)
    try:
        return con.sql(sql, params=params).to_arrow_table()
    finally:
        con.close()


def parse_since(text: str, now: float) -> float:
    """``1d``, ``12h``, ``30m``, ``2w`` before ``now``, or an ISO date/time; epoch seconds."""
    match = _SINCE.fullmatch(text.strip())
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    when = datetime.datetime.fromisoformat(text.strip())
    return (when if when.tzinfo else when.replace(tzinfo=datetime.UTC)).timestamp()


def _since(where: list[str], params: list[Any], since: float | None) -> None:
    if since is None:
        return
    start = datetime.datetime.fromtimestamp(since, datetime.UTC)
    # The partition predicate prunes whole days; the time predicate trims the first one.
    where.append("dt >= ?")
    params.append(start.strftime("%Y-%m-%d"))
    where.append("time >= ?")
    params.append(start)
