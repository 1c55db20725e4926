"""A server with fast delivery, and boto3 firehose clients, for the delivery-stream tests."""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pyarrow.parquet as pq

from .server import ROOT_PASSWORD, ROOT_USER, Server

ROLE = "arn:aws:iam::000000000000:role/firehose"


@dataclass
class FastServer(Server):
    """A server whose streams deliver every ``interval`` seconds."""

    interval: str = "0.5"

    def env(self) -> dict[str, str]:
        return {**super().env(), "AEROSTORE_FIREHOSE_INTERVAL": self.interval}


def firehose_client(srv: Server) -> Any:
    return boto3.client(
        "firehose",
        endpoint_url=srv.endpoint,
        aws_access_key_id=ROOT_USER,
        aws_secret_access_key=ROOT_PASSWORD,
        region_name="us-east-1",
    )


def s3_client(srv: Server) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=srv.endpoint,
        aws_access_key_id=ROOT_USER,
        aws_secret_access_key=ROOT_PASSWORD,
        region_name="us-east-1",
    )


def parquet_stream(firehose: Any, bucket: str, columns: str, **extra: Any) -> str:
    name = f"fh-{uuid.uuid4().hex[:10]}"
    serde = extra.pop("serde", {})
    config = {
        "RoleARN": ROLE,
        "BucketARN": f"arn:aws:s3:::{bucket}",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        **extra,
        "DataFormatConversionConfiguration": {
            "Enabled": True,
            "SchemaConfiguration": {
                "DatabaseName": "aerostore:inline",
                "TableName": columns,
                "RoleARN": ROLE,
            },
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": serde}},
        },
    }
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=config)
    return name


def wait_for_keys(s3: Any, bucket: str, prefix: str = "", count: int = 1, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    keys: list[str] = []
    while time.monotonic() < deadline:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
        keys = [k for k in keys if not k.startswith("_manifest/")]
        if len(keys) >= count:
            return keys
        time.sleep(0.2)
    raise AssertionError(f"expected {count} objects under {prefix!r}, found {keys}")


def read_parquet(s3: Any, bucket: str, key: str) -> Any:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return pq.ParquetFile(io.BytesIO(body))
