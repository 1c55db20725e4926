"""How ``aerostore serve`` builds the delivery streams: settings, the built-in audit stream, the S3 client.

``AEROSTORE_FIREHOSE_INTERVAL`` (seconds) overrides every stream's IntervalInSeconds (development).
``AEROSTORE_FIREHOSE_S3_ENDPOINT`` delivers to another S3 endpoint (AWS S3, MinIO) with the
standard AWS credential chain; by default deliveries go to this server's own S3 API, in
process (loopback.py), signed with the root credentials.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config as BotoConfig  # type: ignore[import-untyped]

from aerostore.audit import schema as audit_schema
from aerostore.blueprint import apply as blueprint
from aerostore.config import Config, Credentials
from aerostore.firehose.loopback import Loopback
from aerostore.firehose.schema import BUILTIN_DATABASE
from aerostore.firehose.service import FirehoseService
from aerostore.storage.meta.db import Database

AUDIT_ROLE = "audit"
AUDIT_PREFIX = "audit/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/"
AUDIT_ERROR_PREFIX = "audit-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/"
LOCAL_ENDPOINT = "http://127.0.0.1"  # never dialled: the loopback answers before any socket


def audit_stream_config(bucket: str) -> dict[str, Any]:
    """The built-in ``aerostore-audit`` stream: Parquet (zstd) with the audit schema, Hive-partitioned."""
    role = "arn:aws:iam::000000000000:role/aerostore-audit"
    return {
        "RoleARN": role,
        "BucketARN": f"arn:aws:s3:::{bucket}",
        "Prefix": AUDIT_PREFIX,
        "ErrorOutputPrefix": AUDIT_ERROR_PREFIX,
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 300},
        "CompressionFormat": "UNCOMPRESSED",
        "DataFormatConversionConfiguration": {
            "Enabled": True,
            "SchemaConfiguration": {
                "DatabaseName": BUILTIN_DATABASE,
                "TableName": audit_schema.TABLE,
                "RoleARN": role,
            },  # fmt: skip
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "ZSTD"}}},
        },
    }


def build(config: Config, credentials: Credentials, db: Database) -> tuple[FirehoseService, Loopback]:
    """The service, and the loopback transport to attach the ASGI app to once it exists."""
    loopback = Loopback()
    external = os.environ.get("AEROSTORE_FIREHOSE_S3_ENDPOINT")

    def s3_client() -> Any:
        boto = BotoConfig(retries={"max_attempts": 3, "mode": "standard"}, s3={"addressing_style": "path"})
        if external:
            return boto3.client("s3", endpoint_url=external, config=boto)
        loopback.loop = asyncio.get_running_loop()
        client = boto3.client("s3", endpoint_url=f"{LOCAL_ENDPOINT}:{config.port}", region_name=config.region,
                              aws_access_key_id=credentials.user, aws_secret_access_key=credentials.password,
                              config=boto)  # fmt: skip
        client.meta.events.register("before-send.s3", loopback)
        return client

    buckets = {spec.role: spec.name for spec in blueprint.load(config.blueprint)}
    builtin = {audit_schema.STREAM: audit_stream_config(buckets[AUDIT_ROLE])} if AUDIT_ROLE in buckets else {}
    interval = os.environ.get("AEROSTORE_FIREHOSE_INTERVAL")
    service = FirehoseService(db, s3_client, region=config.region, builtin=builtin,
                              interval_override=float(interval) if interval else None)  # fmt: skip
    return service, loopback
