"""Delivery: buffered records become Parquet files (or raw files) in the destination bucket via S3."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from aerostore.firehose import chain

from .firehose_helpers import (
    ROLE,
    FastServer,
    firehose_client,
    parquet_stream,
    read_parquet,
    s3_client,
    wait_for_keys,
)
from .server import ROOT_PASSWORD, ROOT_USER, free_port


@pytest.fixture(scope="module")
def fh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastServer]:
    srv = FastServer(tmp_path_factory.mktemp("fhdel") / "data", free_port(), interval="0.3").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def firehose(fh_server: FastServer) -> Any:
    return firehose_client(fh_server)


@pytest.fixture(scope="module")
def s3(fh_server: FastServer) -> Any:
    return s3_client(fh_server)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"fh-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def rows(count: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "user": f"u{i}", "score": i / 2, "ok": i % 2 == 0, "at": 1_700_000_000_000 + i}
        for i in range(count)
    ]


COLUMNS = "id:bigint,user:string,score:double,ok:boolean,at:timestamp"


def put(firehose: Any, stream: str, records: list[Any]) -> None:
    data = [{"Data": r if isinstance(r, bytes) else json.dumps(r).encode()} for r in records]
    assert firehose.put_record_batch(DeliveryStreamName=stream, Records=data)["FailedPutCount"] == 0


def test_delivery_parquet_rows_types_zstd_and_partitions(firehose: Any, s3: Any, bucket: str) -> None:
    stream = parquet_stream(
        firehose,
        bucket,
        COLUMNS,
        Prefix="t/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )
    put(firehose, stream, rows(50))
    (key,) = wait_for_keys(s3, bucket, "t/")
    now = datetime.datetime.now(datetime.UTC)
    assert key.startswith(f"t/dt={now:%Y-%m-%d}/hour=") and key.endswith(".parquet")
    parquet = read_parquet(s3, bucket, key)
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    table = parquet.read()
    assert str(table.schema.field("id").type) == "int64" and str(table.schema.field("ok").type) == "bool"
    assert str(table.schema.field("at").type) == "timestamp[ms, tz=UTC]"
    assert table.column("id").to_pylist() == list(range(50))
    assert table.column("score").to_pylist()[3] == 1.5


def test_delivery_snappy_selectable(firehose: Any, s3: Any, bucket: str) -> None:
    stream = parquet_stream(firehose, bucket, "id:bigint", serde={"Compression": "SNAPPY"})
    put(firehose, stream, [{"id": 1}])
    (key,) = wait_for_keys(s3, bucket)
    assert read_parquet(s3, bucket, key).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_delivery_default_prefix_is_firehose_time_folders(firehose: Any, s3: Any, bucket: str) -> None:
    stream = parquet_stream(firehose, bucket, "id:bigint")
    put(firehose, stream, [{"id": 1}])
    (key,) = wait_for_keys(s3, bucket)
    assert key.startswith(datetime.datetime.now(datetime.UTC).strftime("%Y/%m/%d/"))


def test_schema_violations_go_to_error_prefix(firehose: Any, s3: Any, bucket: str) -> None:
    stream = parquet_stream(
        firehose,
        bucket,
        "id:bigint,name:string",
        Prefix="ok/",
        ErrorOutputPrefix="bad/!{firehose:error-output-type}/",
    )
    put(firehose, stream, [{"id": 1, "name": "a"}, b"not json", {"id": "two", "name": "b"}, {"id": 3}])
    keys = wait_for_keys(s3, bucket, count=2)
    (good,) = [k for k in keys if k.startswith("ok/")]
    (bad,) = [k for k in keys if k.startswith("bad/format-conversion-failed/")]
    assert read_parquet(s3, bucket, good).read().column("id").to_pylist() == [1, 3]
    lines = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=bad)["Body"].read().splitlines()]
    assert [base64.b64decode(line["rawData"]) for line in lines] == [
        b"not json",
        b'{"id": "two", "name": "b"}',
    ]
    assert {line["lastErrorCode"] for line in lines} == {"DataFormatConversion.MalformedData"}


def test_delivery_without_conversion_writes_records_gzipped(firehose: Any, s3: Any, bucket: str) -> None:
    stream = f"fh-{uuid.uuid4().hex[:8]}"
    config = {
        "RoleARN": ROLE,
        "BucketARN": f"arn:aws:s3:::{bucket}",
        "Prefix": "raw/",
        "CompressionFormat": "GZIP",
    }
    firehose.create_delivery_stream(DeliveryStreamName=stream, S3DestinationConfiguration=config)
    put(firehose, stream, [b"a\n", b"b\n"])
    (key,) = wait_for_keys(s3, bucket, "raw/")
    assert gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == b"a\nb\n"


def verify(srv: FastServer, bucket: str, stream: str) -> subprocess.CompletedProcess[str]:
    args = [
        sys.executable,
        "-m",
        "aerostore",
        "audit",
        "--endpoint",
        srv.endpoint,
        "--access-key",
        ROOT_USER,
        "--secret-key",
        ROOT_PASSWORD,
        "verify",
        "--bucket",
        bucket,
        "--stream",
        stream,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_audit_verify_catches_modified_and_deleted_files(
    fh_server: FastServer, firehose: Any, s3: Any, bucket: str
) -> None:
    stream = parquet_stream(firehose, bucket, "id:bigint")
    for i in range(3):
        put(firehose, stream, [{"id": i}])
        wait_for_keys(s3, bucket, count=i + 1)
    keys = sorted(wait_for_keys(s3, bucket, count=3))
    assert verify(fh_server, bucket, stream).returncode == 0
    s3.put_object(Bucket=bucket, Key=keys[0], Body=b"forged")
    s3.delete_object(Bucket=bucket, Key=keys[2])
    result = verify(fh_server, bucket, stream)
    assert result.returncode == 1
    assert f"modified: {keys[0]}" in result.stdout and f"missing: {keys[2]}" in result.stdout


def test_audit_verify_catches_a_rewritten_chain_in_a_versioned_bucket(
    fh_server: FastServer, firehose: Any, s3: Any, bucket: str
) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    stream = parquet_stream(firehose, bucket, "id:bigint")
    for i in range(2):
        put(firehose, stream, [{"id": i}])
        wait_for_keys(s3, bucket, count=i + 1)
    links = [
        json.loads(s3.get_object(Bucket=bucket, Key=chain.link_key(stream, n))["Body"].read()) for n in (1, 2)
    ]
    # A forger who rewrites a file and every link after it keeps the chain consistent...
    forged, prev = b"forged", ""
    s3.put_object(Bucket=bucket, Key=links[0]["key"], Body=forged)
    for n, link in enumerate(links, start=1):
        body = forged if n == 1 else s3.get_object(Bucket=bucket, Key=link["key"])["Body"].read()
        new = chain.make_link(stream, n, prev, link["key"], body, **{k: link[k] for k in ("kind", "records")})
        s3.put_object(Bucket=bucket, Key=chain.link_key(stream, n), Body=chain.encode(new))
        prev = new["hash"]
    # ...but cannot remove the versions the bucket keeps.
    result = verify(fh_server, bucket, stream)
    assert result.returncode == 1 and "link-modified" in result.stdout
