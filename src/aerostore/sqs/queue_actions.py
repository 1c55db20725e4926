"""The queue actions: create, find, list, attributes, tags, purge, delete.

Each takes the service and the call, and returns the result in the JSON protocol's shape.
See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aerostore.sqs import errors, params
from aerostore.sqs.params import Call
from aerostore.sqs.service import QueueService

Result = dict[str, Any]
MAX_RESULTS = 1000


async def create_queue(svc: QueueService, call: Call) -> Result:
    name = params.required_string(call.params, "QueueName")
    attributes = params.string_map(call.params, "Attributes")
    tags = params.string_map(call.params, "tags") or params.string_map(call.params, "Tags")
    queue = await svc.create_queue(name, attributes, tags)
    return {"QueueUrl": svc.url(call.base_url, queue.name)}


async def get_queue_url(svc: QueueService, call: Call) -> Result:
    name = params.required_string(call.params, "QueueName")
    owner = params.optional_string(call.params, "QueueOwnerAWSAccountId")
    if owner is not None and owner != svc.account_id:
        raise errors.QueueDoesNotExist()
    return {"QueueUrl": svc.url(call.base_url, svc.get_queue(name).name)}


async def list_queues(svc: QueueService, call: Call) -> Result:
    prefix = params.optional_string(call.params, "QueueNamePrefix") or ""
    names, token = _page(call, lambda after, limit: svc.list_names(prefix, after, limit))
    result: Result = {}
    if names:
        result["QueueUrls"] = [svc.url(call.base_url, name) for name in names]
    if token:
        result["NextToken"] = token
    return result


async def list_dead_letter_source_queues(svc: QueueService, call: Call) -> Result:
    target = svc.name_for_url(call.queue_url())
    sources = svc.dead_letter_sources(target)
    names, token = _page(call, lambda after, limit: [n for n in sources if n > after][:limit])
    result: Result = {"queueUrls": [svc.url(call.base_url, name) for name in names]}
    if token:
        result["NextToken"] = token
    return result


def _page(call: Call, fetch: Any) -> tuple[list[str], str | None]:
    """A page of names: all (up to 1000) without MaxResults; with it, a page and a NextToken."""
    limit = params.optional_int(
        call.params, "MaxResults", 1, MAX_RESULTS, "MaxResults must be an integer between 1 and 1000."
    )
    after = _decode_token(params.optional_string(call.params, "NextToken"))
    if limit is None:
        names: list[str] = fetch(after, MAX_RESULTS)
        return names, None
    names = fetch(after, limit + 1)
    if len(names) > limit:
        return names[:limit], base64.urlsafe_b64encode(names[limit - 1].encode()).decode()
    return names, None


def _decode_token(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise errors.InvalidParameterValue("Invalid NextToken value.") from None


async def delete_queue(svc: QueueService, call: Call) -> Result:
    await svc.delete_queue(svc.name_for_url(call.queue_url()))
    return {}


async def purge_queue(svc: QueueService, call: Call) -> Result:
    await svc.purge(svc.name_for_url(call.queue_url()))
    return {}


async def get_queue_attributes(svc: QueueService, call: Call) -> Result:
    queue = svc.get_queue(svc.name_for_url(call.queue_url()))
    values = svc.attributes(queue, params.string_list(call.params, "AttributeNames"))
    return {"Attributes": values} if values else {}


async def set_queue_attributes(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    if "Attributes" not in call.params:
        raise errors.missing("Attributes")
    await svc.set_attributes(name, params.string_map(call.params, "Attributes"))
    return {}


async def tag_queue(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    tags = params.string_map(call.params, "Tags")
    if not tags:
        raise errors.missing("Tags")
    await svc.tag(name, tags)
    return {}


async def untag_queue(svc: QueueService, call: Call) -> Result:
    name = svc.name_for_url(call.queue_url())
    keys = params.string_list(call.params, "TagKeys")
    if not keys:
        raise errors.missing("TagKeys")
    await svc.untag(name, keys)
    return {}


async def list_queue_tags(svc: QueueService, call: Call) -> Result:
    tags = svc.get_queue(svc.name_for_url(call.queue_url())).tags
    return {"Tags": tags} if tags else {}
