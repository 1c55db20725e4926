"""One function per Firehose operation: parameters in, the response's JSON out.

See https://docs.aws.amazon.com/firehose/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

from aerostore.firehose import model
from aerostore.firehose.errors import InvalidArgumentException, ValidationException
from aerostore.firehose.service import FirehoseService

MAX_RECORD_BYTES = 1_024_000  # 1,000 KiB before base64
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_LIST_LIMIT = 10_000

Action = Callable[[FirehoseService, dict[str, Any]], Awaitable[dict[str, Any]]]


async def create_delivery_stream(service: FirehoseService, params: dict[str, Any]) -> dict[str, Any]:
    name = model.check_name(params.get("DeliveryStreamName"))
    config, extended = model.destination_config(params)
    return {"DeliveryStreamARN": await service.create(name, config, extended)}


async def describe_delivery_stream(service: FirehoseService, params: dict[str, Any]) -> dict[str, Any]:
    name = model.check_name(params.get("DeliveryStreamName"))
    return {"DeliveryStreamDescription": service.describe(name)}


async def list_delivery_streams(service: FirehoseService, params: dict[str, Any]) -> dict[str, Any]:
    limit = params.get("Limit", MAX_LIST_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValidationException(f"Limit must be between 1 and {MAX_LIST_LIMIT}.")
    stream_type = params.get("DeliveryStreamType")
    names, more = service.list_names(str(params.get("ExclusiveStartDeliveryStreamName", "")), limit)
    if stream_type not in (None, "DirectPut"):
        names, more = [], False
    return {"DeliveryStreamNames": names, "HasMoreDeliveryStreams": more}


async def delete_delivery_stream(service: FirehoseService, params: dict[str, Any]) -> dict[str, Any]:
    await service.delete(model.check_name(params.get("DeliveryStreamName")))
    return {}


async def put_record(service: FirehoseService, params: dict[str, Any]) -> dict[str, Any]:
    name = model.check_name(params.get("DeliveryStreamName"))
    data = _data(params.get("Record"))
    if len(data) > MAX_RECORD_BYTES:
        raise ValidationException(
            "1 validation error detected: Value at 'record.data' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_RECORD_BYTES}"
        )
    service.require(name)
    (record_id,) = await service.put_records(name, [data])
    return {"RecordId": record_id_text(record_id), "Encrypted": False}


async def put_record_batch(service: FirehoseService, params: dict[str, Any]) -> dict[str, Any]:
    """Records too big fail alone (``ErrorCode`` in their slot); the others are buffered."""
    name = model.check_name(params.get("DeliveryStreamName"))
    entries = params.get("Records")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_BATCH_RECORDS:
        raise ValidationException(
            "1 validation error detected: Value at 'records' failed to satisfy constraint: "
            f"Member must have length between 1 and {MAX_BATCH_RECORDS}"
        )
    datas = [_data(entry) for entry in entries]
    if sum(len(d) for d in datas) > MAX_BATCH_BYTES:
        raise InvalidArgumentException(f"Records size exceeds {MAX_BATCH_BYTES // (1024 * 1024)} MB limit")
    service.require(name)
    fits = [d for d in datas if len(d) <= MAX_RECORD_BYTES]
    ids = iter(await service.put_records(name, fits) if fits else [])
    responses: list[dict[str, str]] = []
    for data in datas:
        if len(data) > MAX_RECORD_BYTES:
            responses.append(
                {
                    "ErrorCode": "InvalidArgumentException",
                    "ErrorMessage": f"Record size exceeds {MAX_RECORD_BYTES // 1024} KiB limit",
                }
            )
        else:
            responses.append({"RecordId": record_id_text(next(ids))})
    failed = sum(1 for r in responses if "ErrorCode" in r)
    return {"FailedPutCount": failed, "Encrypted": False, "RequestResponses": responses}


def record_id_text(record_id: int) -> str:
    return f"{record_id:032d}"


def _data(record: Any) -> bytes:
    if not isinstance(record, dict) or not isinstance(record.get("Data"), str):
        raise ValidationException("A record needs Data (a blob).")
    try:
        return base64.b64decode(record["Data"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgumentException("Record Data is not valid base64.") from None


ACTIONS: dict[str, Action] = {
    "CreateDeliveryStream": create_delivery_stream,
    "DescribeDeliveryStream": describe_delivery_stream,
    "ListDeliveryStreams": list_delivery_streams,
    "DeleteDeliveryStream": delete_delivery_stream,
    "PutRecord": put_record,
    "PutRecordBatch": put_record_batch,
}
