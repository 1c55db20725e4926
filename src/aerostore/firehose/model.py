"""A delivery stream's destination: CreateDeliveryStream's S3 configuration parsed and checked.

See https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aerostore.firehose import prefix as prefixes
from aerostore.firehose.errors import InvalidArgumentException, ValidationException

DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL = 300
DEFAULT_PARQUET_COMPRESSION = "ZSTD"  # aerostore's default; Firehose's is SNAPPY
COMPRESSIONS = ("UNCOMPRESSED", "GZIP")
PARQUET_COMPRESSIONS = ("ZSTD", "SNAPPY", "GZIP", "UNCOMPRESSED")
NAME = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
EXTENDED = "ExtendedS3DestinationConfiguration"
PLAIN = "S3DestinationConfiguration"
OTHER_DESTINATIONS = (
    "RedshiftDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration",
    "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
    "AmazonOpenSearchServerlessDestinationConfiguration",
)


@dataclass(frozen=True, slots=True)
class Destination:
    """The S3 destination of a stream, as aerostore delivers to it."""

    bucket: str
    prefix: str
    error_prefix: str
    size_bytes: int
    interval: int
    compression: str  # of non-converted files: UNCOMPRESSED or GZIP
    parquet_compression: str | None  # None: records are written as received
    database: str
    table: str
    file_extension: str
    raw: dict[str, Any]  # the configuration as given, echoed by DescribeDeliveryStream
    extended: bool


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )
    return name


def destination_config(params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The S3 destination configuration of a CreateDeliveryStream request, and whether it is Extended."""
    stream_type = params.get("DeliveryStreamType", "DirectPut")
    if stream_type != "DirectPut":
        raise InvalidArgumentException(f"DeliveryStreamType {stream_type} is not supported; use DirectPut.")
    if any(key in params for key in OTHER_DESTINATIONS):
        raise InvalidArgumentException("Only S3 destinations are supported.")
    given = [key for key in (EXTENDED, PLAIN) if key in params]
    if len(given) != 1:
        raise InvalidArgumentException("Exactly one destination configuration is required.")
    config = params[given[0]]
    if not isinstance(config, dict):
        raise InvalidArgumentException(f"{given[0]} must be a structure.")
    return config, given[0] == EXTENDED


def parse(config: dict[str, Any], extended: bool) -> Destination:
    """A destination from its configuration; InvalidArgument/Validation exceptions as Firehose answers."""
    bucket_arn = str(config.get("BucketARN", ""))
    if not bucket_arn.startswith("arn:aws:s3:::") or len(bucket_arn) <= len("arn:aws:s3:::"):
        raise InvalidArgumentException(f"BucketARN {bucket_arn!r} is not an S3 bucket ARN.")
    hints = config.get("BufferingHints") or {}
    size = _bounded(hints.get("SizeInMBs", DEFAULT_SIZE_MB), 1, 128, "bufferingHints.sizeInMBs")
    interval = _bounded(
        hints.get("IntervalInSeconds", DEFAULT_INTERVAL), 0, 900, "bufferingHints.intervalInSeconds"
    )
    prefix, error_prefix = str(config.get("Prefix", "")), str(config.get("ErrorOutputPrefix", ""))
    prefixes.check(prefix, error=False)
    prefixes.check(error_prefix, error=True)
    if prefixes.has_expressions(prefix) and not error_prefix:
        raise InvalidArgumentException(
            "ErrorOutputPrefix cannot be null or empty when Prefix has expressions."
        )
    compression = str(config.get("CompressionFormat", "UNCOMPRESSED"))
    if compression not in COMPRESSIONS:
        raise InvalidArgumentException(f"CompressionFormat {compression} is not supported: {COMPRESSIONS}.")
    parquet, database, table = _conversion(
        config.get("DataFormatConversionConfiguration") if extended else None
    )
    if parquet is not None and compression != "UNCOMPRESSED":
        raise InvalidArgumentException(
            "CompressionFormat must be UNCOMPRESSED when data format conversion is enabled."
        )
    default_extension = ".parquet" if parquet else (".gz" if compression == "GZIP" else "")
    return Destination(
        bucket=bucket_arn.removeprefix("arn:aws:s3:::"),
        prefix=prefix,
        error_prefix=error_prefix,
        size_bytes=size * 1024 * 1024,
        interval=interval,
        compression=compression,
        parquet_compression=parquet,
        database=database,
        table=table,
        file_extension=str(config.get("FileExtension", default_extension)),
        raw=config,
        extended=extended,
    )


def _conversion(conversion: Any) -> tuple[str | None, str, str]:
    """(Parquet compression or None, database, table) of a DataFormatConversionConfiguration."""
    if not conversion or not conversion.get("Enabled", True):
        return None, "", ""
    schema = conversion.get("SchemaConfiguration") or {}
    database, table = schema.get("DatabaseName"), schema.get("TableName")
    if not database or not table:
        raise InvalidArgumentException("SchemaConfiguration needs DatabaseName and TableName.")
    serializer = (conversion.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
    if "OrcSerDe" in serializer:
        raise InvalidArgumentException("Only ParquetSerDe output is supported.")
    parquet = (serializer.get("ParquetSerDe") or {}).get("Compression", DEFAULT_PARQUET_COMPRESSION)
    if parquet not in PARQUET_COMPRESSIONS:
        raise InvalidArgumentException(
            f"ParquetSerDe Compression {parquet} is not one of {PARQUET_COMPRESSIONS}."
        )
    return str(parquet), str(database), str(table)


def _bounded(value: Any, low: int, high: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: "
            f"Member must have value between {low} and {high}"
        )
    return value


def describe(name: str, arn: str, created: float, dest: Destination) -> dict[str, Any]:
    """DescribeDeliveryStream's DeliveryStreamDescription."""
    plain = {
        "RoleARN": dest.raw.get("RoleARN", ""),
        "BucketARN": dest.raw["BucketARN"],
        "Prefix": dest.prefix,
        "ErrorOutputPrefix": dest.error_prefix,
        "BufferingHints": {"SizeInMBs": dest.size_bytes // (1024 * 1024), "IntervalInSeconds": dest.interval},
        "CompressionFormat": dest.compression,
        "EncryptionConfiguration": dest.raw.get(
            "EncryptionConfiguration", {"NoEncryptionConfig": "NoEncryption"}
        ),
        "CloudWatchLoggingOptions": dest.raw.get("CloudWatchLoggingOptions", {"Enabled": False}),
    }
    extended = {**plain, "S3BackupMode": dest.raw.get("S3BackupMode", "Disabled")}
    if "DataFormatConversionConfiguration" in dest.raw:
        extended["DataFormatConversionConfiguration"] = dest.raw["DataFormatConversionConfiguration"]
    if dest.extended and "FileExtension" in dest.raw:
        extended["FileExtension"] = dest.raw["FileExtension"]
    destination: dict[str, Any] = {
        "DestinationId": "destinationId-000000000001",
        "S3DestinationDescription": plain,
    }
    if dest.extended:
        destination["ExtendedS3DestinationDescription"] = extended
    return {
        "DeliveryStreamName": name,
        "DeliveryStreamARN": arn,
        "DeliveryStreamStatus": "ACTIVE",
        "DeliveryStreamEncryptionConfiguration": {"Status": "DISABLED"},
        "DeliveryStreamType": "DirectPut",
        "VersionId": "1",
        "CreateTimestamp": created,
        "Destinations": [destination],
        "HasMoreDestinations": False,
    }
