"""The delivery-stream API through boto3's firehose client: streams, records, Firehose's errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .firehose_helpers import ROLE, FastServer, firehose_client, parquet_stream
from .server import free_port


@pytest.fixture(scope="module")
def fh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastServer]:
    srv = FastServer(tmp_path_factory.mktemp("fhapi") / "data", free_port(), interval="300").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def firehose(fh_server: FastServer) -> Any:
    return firehose_client(fh_server)


def s3_config(bucket: str = "audit-logs", **extra: Any) -> dict[str, Any]:
    return {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **extra}


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_create_describe_list_delete(firehose: Any) -> None:
    name = f"fh-{uuid.uuid4().hex[:8]}"
    config = s3_config(Prefix="x/", BufferingHints={"SizeInMBs": 2, "IntervalInSeconds": 60})
    arn = firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=config)
    assert arn["DeliveryStreamARN"] == f"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}"
    desc = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert desc["DeliveryStreamStatus"] == "ACTIVE" and desc["DeliveryStreamType"] == "DirectPut"
    ext = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert ext["BucketARN"] == "arn:aws:s3:::audit-logs" and ext["Prefix"] == "x/"
    assert ext["BufferingHints"] == {"SizeInMBs": 2, "IntervalInSeconds": 60}
    assert name in firehose.list_delivery_streams()["DeliveryStreamNames"]
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    assert name not in firehose.list_delivery_streams()["DeliveryStreamNames"]


def test_builtin_audit_stream_is_parquet_to_audit_logs(firehose: Any) -> None:
    desc = firehose.describe_delivery_stream(DeliveryStreamName="aerostore-audit")[
        "DeliveryStreamDescription"
    ]
    ext = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert ext["BucketARN"] == "arn:aws:s3:::audit-logs"
    assert ext["DataFormatConversionConfiguration"]["SchemaConfiguration"]["TableName"] == "audit"
    assert "dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/" in ext["Prefix"]


def test_create_existing_stream_is_resource_in_use(firehose: Any) -> None:
    name = parquet_stream(firehose, "audit-logs", "id:bigint")
    with pytest.raises(ClientError) as exc:
        parquet_stream_named(firehose, name)
    assert error_code(exc) == "ResourceInUseException"


def parquet_stream_named(firehose: Any, name: str) -> None:
    firehose.create_delivery_stream(DeliveryStreamName=name, S3DestinationConfiguration=s3_config())


def test_describe_missing_stream_is_resource_not_found(firehose: Any) -> None:
    with pytest.raises(firehose.exceptions.ResourceNotFoundException):
        firehose.describe_delivery_stream(DeliveryStreamName="no-such-stream")


def test_put_record_to_missing_stream_is_resource_not_found(firehose: Any) -> None:
    with pytest.raises(firehose.exceptions.ResourceNotFoundException):
        firehose.put_record(DeliveryStreamName="no-such-stream", Record={"Data": b"{}"})


@pytest.mark.parametrize(
    "hints",
    [{"SizeInMBs": 129, "IntervalInSeconds": 60}, {"SizeInMBs": 5, "IntervalInSeconds": 901}],
    ids=["size", "interval"],
)
def test_create_buffering_hints_out_of_range(firehose: Any, hints: dict[str, int]) -> None:
    with pytest.raises(ClientError) as exc:
        firehose.create_delivery_stream(
            DeliveryStreamName=f"fh-{uuid.uuid4().hex[:8]}",
            S3DestinationConfiguration=s3_config(BufferingHints=hints),
        )
    assert error_code(exc) == "ValidationException"


def test_create_prefix_expression_without_error_prefix_is_invalid(firehose: Any) -> None:
    with pytest.raises(firehose.exceptions.InvalidArgumentException):
        firehose.create_delivery_stream(
            DeliveryStreamName=f"fh-{uuid.uuid4().hex[:8]}",
            S3DestinationConfiguration=s3_config(Prefix="!{timestamp:yyyy}/"),
        )


def test_create_unknown_glue_table_is_invalid(firehose: Any) -> None:
    with pytest.raises(firehose.exceptions.InvalidArgumentException):
        parquet_stream_with_table(firehose, "nowhere", "nothing")


def parquet_stream_with_table(firehose: Any, database: str, table: str) -> None:
    conversion = {"Enabled": True, "SchemaConfiguration": {"DatabaseName": database, "TableName": table}}
    firehose.create_delivery_stream(
        DeliveryStreamName=f"fh-{uuid.uuid4().hex[:8]}",
        ExtendedS3DestinationConfiguration=s3_config(DataFormatConversionConfiguration=conversion),
    )


def test_put_record_answers_record_id(firehose: Any) -> None:
    name = parquet_stream(firehose, "audit-logs", "id:bigint")
    answer = firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"id": 1}'})
    assert answer["RecordId"] and answer["Encrypted"] is False


def test_put_record_batch_oversize_record_fails_alone(firehose: Any) -> None:
    name = parquet_stream(firehose, "audit-logs", "id:bigint")
    records = [{"Data": json.dumps({"id": i}).encode()} for i in range(3)]
    records.insert(1, {"Data": b"x" * 1_024_001})
    answer = firehose.put_record_batch(DeliveryStreamName=name, Records=records)
    assert answer["FailedPutCount"] == 1
    slots = answer["RequestResponses"]
    assert [("ErrorCode" in slot) for slot in slots] == [False, True, False, False]
    assert slots[1]["ErrorCode"] == "InvalidArgumentException"
    assert len({slot["RecordId"] for slot in slots if "RecordId" in slot}) == 3


def test_put_record_oversize_is_validation_error(firehose: Any) -> None:
    name = parquet_stream(firehose, "audit-logs", "id:bigint")
    with pytest.raises(ClientError) as exc:
        firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x" * 1_024_001})
    assert error_code(exc) == "ValidationException"


def test_put_record_batch_over_4_mib_is_invalid(firehose: Any) -> None:
    name = parquet_stream(firehose, "audit-logs", "id:bigint")
    records = [{"Data": b"x" * 1_000_000} for _ in range(5)]
    with pytest.raises(firehose.exceptions.InvalidArgumentException):
        firehose.put_record_batch(DeliveryStreamName=name, Records=records)
