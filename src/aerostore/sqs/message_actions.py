"""The message actions: send, receive, delete, change visibility, and their batch forms.

Each takes the service and the call, and returns the result in the JSON protocol's shape.
See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aerostore.sqs import attributes as qa
from aerostore.sqs import batch, errors, params, validation
from aerostore.sqs.digests import md5_of_attributes, md5_of_body
from aerostore.sqs.model import NewMessage, Received, Sent
from aerostore.sqs.params import Call
from aerostore.sqs.service import QueueService

Result = dict[str, Any]
MAX_VISIBILITY = 43200
MAX_DELAY = 900
MAX_WAIT = 20
MAX_MESSAGES = 10


# ---- sending ----


async def send_message(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    message = new_message(call.params, call.principal.access_key)
    (outcome,) = await svc.send_messages(name, [message])
    if isinstance(outcome, errors.SqsError):
        raise outcome
    return _sent(message, outcome)


async def send_message_batch(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    entries = params.entries(call.params)
    ids = batch.check_entries(entries, "SendMessageBatchRequestEntry")
    parsed: list[NewMessage | errors.SqsError] = []
    for entry in entries:
        try:
            parsed.append(new_message(entry, call.principal.access_key))
        except errors.SqsError as exc:
            parsed.append(exc)
    valid = [m for m in parsed if isinstance(m, NewMessage)]
    total = sum(m.size for m in valid)
    if total > batch.MAX_BATCH_BYTES:
        raise errors.BatchRequestTooLong(
            f"Batch requests cannot be longer than {batch.MAX_BATCH_BYTES} bytes. "
            f"You have sent {total} bytes."
        )
    outcomes = iter(await svc.send_messages(name, valid) if valid else [])
    successful, failed = [], []
    for entry_id, item in zip(ids, parsed, strict=True):
        outcome = item if isinstance(item, errors.SqsError) else next(outcomes)
        if isinstance(outcome, errors.SqsError):
            failed.append(batch.failure(entry_id, outcome))
        else:
            assert isinstance(item, NewMessage)
            successful.append({"Id": entry_id, **_sent(item, outcome)})
    return batch.result(successful, failed)


def new_message(entry: dict[str, Any], sender: str) -> NewMessage:
    """A SendMessage request or batch entry, validated as far as it can be without the queue."""
    body = entry.get("MessageBody")
    if not isinstance(body, str):
        raise errors.missing("MessageBody")
    validation.check_body(body)
    delay = params.optional_int(entry, "DelaySeconds", 0, MAX_DELAY, "DelaySeconds must be >= 0 and <= 900.")
    return NewMessage(
        body=body,
        md5_body=md5_of_body(body),
        attributes=validation.message_attributes(entry.get("MessageAttributes")),
        system=validation.system_attributes(entry.get("MessageSystemAttributes")),
        sender=sender,
        delay=delay,
        group_id=validation.fifo_id(entry.get("MessageGroupId"), "MessageGroupId"),
        dedup_id=validation.fifo_id(entry.get("MessageDeduplicationId"), "MessageDeduplicationId"),
    )


def _sent(message: NewMessage, sent: Sent) -> Result:
    result: Result = {"MessageId": sent.message_id, "MD5OfMessageBody": message.md5_body}
    if message.attributes:
        result["MD5OfMessageAttributes"] = md5_of_attributes(message.attributes)
    if message.system:
        result["MD5OfMessageSystemAttributes"] = md5_of_attributes(message.system)
    if sent.sequence is not None:
        result["SequenceNumber"] = sequence_number(sent.sequence)
    return result


def sequence_number(sequence: int) -> str:
    return f"{sequence:020d}"


# ---- receiving ----


async def receive_message(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    p = call.params
    count = params.optional_int(
        p, "MaxNumberOfMessages", 1, MAX_MESSAGES, "Must be between 1 and 10, if provided."
    )
    visibility = params.optional_int(
        p, "VisibilityTimeout", 0, MAX_VISIBILITY, "Must be >= 0 and <= 43200, if provided."
    )
    wait = params.optional_int(p, "WaitTimeSeconds", 0, MAX_WAIT, "Must be >= 0 and <= 20, if provided.")
    queue = svc.get_queue(name)
    if wait is None:
        wait = queue.int_attribute(qa.RECEIVE_MESSAGE_WAIT_TIME_SECONDS)
    system_names = params.string_list(p, "MessageSystemAttributeNames") or params.string_list(
        p, "AttributeNames"
    )
    attribute_names = params.string_list(p, "MessageAttributeNames")
    received = await svc.receive(name, max_messages=count or 1, visibility=visibility, wait=wait)
    if not received:
        return {}
    return {"Messages": [_message(m, system_names, attribute_names) for m in received]}


def _message(message: Received, system_names: list[str], attribute_names: list[str]) -> Result:
    result: Result = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_body,
        "Body": message.body,
    }
    system = _system_attributes(message, system_names)
    if system:
        result["Attributes"] = system
    selected = validation.select_attributes(message.attributes, attribute_names)
    if selected:
        result["MD5OfMessageAttributes"] = md5_of_attributes(selected)
        result["MessageAttributes"] = selected
    return result


def _millis(epoch: float) -> str:
    return str(int(epoch * 1000))


_SYSTEM_ATTRIBUTES: dict[str, Callable[[Received], str | None]] = {
    "SenderId": lambda m: m.sender,
    "SentTimestamp": lambda m: _millis(m.sent),
    "ApproximateReceiveCount": lambda m: str(m.receive_count),
    "ApproximateFirstReceiveTimestamp": lambda m: _millis(m.first_received),
    "MessageGroupId": lambda m: m.group_id,
    "MessageDeduplicationId": lambda m: m.dedup_id,
    "SequenceNumber": lambda m: None if m.sequence is None else sequence_number(m.sequence),
    "AWSTraceHeader": lambda m: m.system.get(validation.TRACE_HEADER, {}).get("StringValue"),
    "DeadLetterQueueSourceArn": lambda m: m.source_arn,
}


def _system_attributes(message: Received, names: list[str]) -> dict[str, str]:
    wanted = list(_SYSTEM_ATTRIBUTES) if "All" in names else names
    result = {}
    for name in wanted:
        getter = _SYSTEM_ATTRIBUTES.get(name)
        value = getter(message) if getter is not None else None
        if value is not None:
            result[name] = value
    return result


# ---- acknowledging ----


async def delete_message(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    handle = params.required_string(call.params, "ReceiptHandle")
    (outcome,) = await svc.delete_messages(name, [handle])
    if outcome is not None:
        raise outcome
    return {}


async def delete_message_batch(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    entries = params.entries(call.params)
    ids = batch.check_entries(entries, "DeleteMessageBatchRequestEntry")
    handles = [str(entry.get("ReceiptHandle") or "") for entry in entries]
    outcomes = await svc.delete_messages(name, handles)
    return _batch_result(ids, outcomes)


async def change_message_visibility(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    handle = params.required_string(call.params, "ReceiptHandle")
    timeout = _visibility(call.params)
    (outcome,) = await svc.change_visibility(name, [(handle, timeout)])
    if outcome is not None:
        raise outcome
    return {}


async def change_message_visibility_batch(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    entries = params.entries(call.params)
    ids = batch.check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")
    checked: list[tuple[str, int] | errors.SqsError] = []
    for entry in entries:
        try:
            checked.append((params.required_string(entry, "ReceiptHandle"), _visibility(entry)))
        except errors.SqsError as exc:
            checked.append(exc)
    valid = [c for c in checked if isinstance(c, tuple)]
    done = iter(await svc.change_visibility(name, valid) if valid else [])
    outcomes = [c if isinstance(c, errors.SqsError) else next(done) for c in checked]
    return _batch_result(ids, outcomes)


def _visibility(entry: dict[str, Any]) -> int:
    timeout = params.optional_int(
        entry,
        "VisibilityTimeout",
        0,
        MAX_VISIBILITY,
        "VisibilityTimeout must be an integer between 0 and 43200.",
    )
    if timeout is None:
        raise errors.missing("VisibilityTimeout")
    return timeout


def _batch_result(ids: list[str], outcomes: list[errors.SqsError | None]) -> Result:
    successful = [{"Id": i} for i, o in zip(ids, outcomes, strict=True) if o is None]
    failed = [batch.failure(i, o) for i, o in zip(ids, outcomes, strict=True) if o is not None]
    return batch.result(successful, failed)
