from __future__ import annotations

from typing import Any

import pytest

from aerostore.firehose import chain, model
from aerostore.firehose.errors import FirehoseError

ARN = "arn:aws:s3:::b"


def test_parse_defaults_like_firehose() -> None:
    dest = model.parse({"BucketARN": ARN}, extended=False)
    assert (dest.bucket, dest.size_bytes, dest.interval, dest.parquet_compression) == (
        "b",
        5 * 1024 * 1024,
        300,
        None,
    )


def test_parse_parquet_defaults_to_zstd() -> None:
    conversion = {"SchemaConfiguration": {"DatabaseName": "aerostore:inline", "TableName": "a:int"}}
    dest = model.parse({"BucketARN": ARN, "DataFormatConversionConfiguration": conversion}, extended=True)
    assert dest.parquet_compression == "ZSTD" and dest.file_extension == ".parquet"


@pytest.mark.parametrize(
    "config",
    [
        {"BucketARN": "b"},
        {"BucketARN": ARN, "BufferingHints": {"SizeInMBs": 0}},
        {"BucketARN": ARN, "BufferingHints": {"IntervalInSeconds": -1}},
        {"BucketARN": ARN, "CompressionFormat": "ZIP"},
        {"BucketARN": ARN, "Prefix": "!{timestamp:yyyy}/"},
    ],
    ids=["arn", "size", "interval", "compression", "prefix-without-error-prefix"],
)
def test_parse_refuses(config: dict[str, Any]) -> None:
    with pytest.raises(FirehoseError):
        model.parse(config, extended=True)


def test_chain_links_hash_their_content() -> None:
    first = chain.make_link("s", 1, "", "k1", b"one")
    second = chain.make_link("s", 2, first["hash"], "k2", b"two")
    assert second["prev"] == first["hash"] and chain.link_hash(second) == second["hash"]
    assert chain.link_hash({**second, "sha256": "0" * 64}) != second["hash"]
    assert chain.link_key("s", 2) == "_manifest/s/000000000002.json"
