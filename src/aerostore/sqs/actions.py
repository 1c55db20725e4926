"""The action table: every SQS action name, spelled as on the wire, and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aerostore.sqs import errors
from aerostore.sqs import message_actions as m
from aerostore.sqs import queue_actions as q
from aerostore.sqs.params import Call
from aerostore.sqs.service import QueueService

Action = Callable[[QueueService, Call], Awaitable[dict[str, Any]]]

ACTIONS: dict[str, Action] = {
    "CreateQueue": q.create_queue,
    "GetQueueUrl": q.get_queue_url,
    "ListQueues": q.list_queues,
    "DeleteQueue": q.delete_queue,
    "PurgeQueue": q.purge_queue,
    "GetQueueAttributes": q.get_queue_attributes,
    "SetQueueAttributes": q.set_queue_attributes,
    "TagQueue": q.tag_queue,
    "UntagQueue": q.untag_queue,
    "ListQueueTags": q.list_queue_tags,
    "ListDeadLetterSourceQueues": q.list_dead_letter_source_queues,
    "SendMessage": m.send_message,
    "SendMessageBatch": m.send_message_batch,
    "ReceiveMessage": m.receive_message,
    "DeleteMessage": m.delete_message,
    "DeleteMessageBatch": m.delete_message_batch,
    "ChangeMessageVisibility": m.change_message_visibility,
    "ChangeMessageVisibilityBatch": m.change_message_visibility_batch,
}

# Known to SQS, not offered here: permissions are the IAM policies' job, move tasks are not built.
UNSUPPORTED = frozenset(
    {
        "AddPermission",
        "RemovePermission",
        "StartMessageMoveTask",
        "CancelMessageMoveTask",
        "ListMessageMoveTasks",
    }
)


def unsupported(action: str) -> errors.SqsError:
    return errors.UnsupportedOperation(f"{action} is not supported by aerostore.")
