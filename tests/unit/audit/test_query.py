"""Queries over a Hive-partitioned audit table: DuckDB on a pyarrow dataset, partitions pruned."""

from __future__ import annotations

import datetime
from pathlib import Path

import duckdb
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from aerostore.audit import catalog, query, schema

UTC = datetime.UTC


def _write(root: Path, dt: str, hour: str, rows: list[dict[str, object]]) -> None:
    folder = root / "audit-logs" / "audit" / f"dt={dt}" / f"hour={hour}"
    folder.mkdir(parents=True)
    pq.write_table(schema.to_table([schema.to_row(r) for r in rows]), folder / "part-0.parquet")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    request = {"kind": "request", "bucket": "b"}
    _write(tmp_path, "2026-01-01", "10", [
        {**request, "time": "2026-01-01T10:00:00", "principal": "alice", "key": "a.jpg"},
        {**request, "time": "2026-01-01T10:05:00", "principal": "bob", "key": "b.jpg"},
    ])  # fmt: skip
    _write(tmp_path, "2026-01-02", "08", [
        {**request, "time": "2026-01-02T08:00:00", "principal": "alice", "key": "a.jpg"},
        {"time": "2026-01-02T08:01:00", "principal": "alice", "operation": "ViewImage", "aircraft": "N1"},
    ])  # fmt: skip
    (tmp_path / "audit-logs" / "audit" / "_manifest").mkdir()
    (tmp_path / "audit-logs" / "audit" / "_manifest" / "chain.json").write_text("{}")  # not a partition
    fs = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    connection = duckdb.connect()
    connection.register("audit", query.dataset(catalog.AUDIT, fs))
    return connection


def test_who_finds_every_access_to_a_key(con: duckdb.DuckDBPyConnection) -> None:
    sql, params = query.who_sql("a.jpg")
    rows = con.sql(sql, params=params).fetchall()
    assert [r[1] for r in rows] == ["alice", "alice"]


def test_activity_since_prunes_older_partitions(con: duckdb.DuckDBPyConnection) -> None:
    since = datetime.datetime(2026, 1, 2, tzinfo=UTC).timestamp()
    sql, params = query.activity_sql("alice", since)
    rows = con.sql(sql, params=params).fetchall()
    assert [r[1] for r in rows] == ["application", "request"]
    plan = con.sql("EXPLAIN " + sql, params=params).fetchall()
    assert "dt" in str(plan)  # the partition predicate reaches the scan


def test_partition_columns_are_queryable(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql("SELECT dt, count(*) FROM audit GROUP BY dt ORDER BY dt").fetchall()
    assert rows == [("2026-01-01", 2), ("2026-01-02", 2)]


def test_missing_location_is_an_empty_table(tmp_path: Path) -> None:
    fs = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    assert query.dataset(catalog.AUDIT, fs).to_table().num_rows == 0


@pytest.mark.parametrize(("text", "ago"), [("1d", 86400), ("12h", 43200), ("30m", 1800), ("2w", 1209600)])
def test_parse_since_relative(text: str, ago: int) -> None:
    assert query.parse_since(text, 1_000_000_000) == 1_000_000_000 - ago


def test_catalog_exports_glue_and_ddl() -> None:
    glue = catalog.glue_table_input(catalog.AUDIT)
    assert [k["Name"] for k in glue["PartitionKeys"]] == ["dt", "hour"]
    assert glue["StorageDescriptor"]["Location"] == "s3://audit-logs/audit/"
    columns = {c["Name"]: c["Type"] for c in glue["StorageDescriptor"]["Columns"]}
    assert columns["time"] == "timestamp" and columns["http_status"] == "smallint"
    assert "PARTITIONED BY (`dt` string, `hour` string)" in catalog.ddl(catalog.AUDIT)
