"""The SQS query protocol: form-encoded ``Action=...`` requests, XML answers (older SDKs, curl).

Parameters arrive flattened (``Attribute.1.Name``, ``SendMessageBatchRequestEntry.2.Id``) and
are rebuilt into the JSON protocol's shape, so the actions see one shape. Answers are rendered
back with the query model's element names (``<Attribute><Name/><Value/></Attribute>``).
See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-xml.html
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

from aerostore.http.context import RequestContext, Result
from aerostore.sqs import errors

NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
CONTENT_TYPE = "text/xml"
FORM = "application/x-www-form-urlencoded"

# query name of a flattened list -> JSON member
_LISTS = {
    "AttributeName": "AttributeNames",
    "MessageAttributeName": "MessageAttributeNames",
    "MessageSystemAttributeName": "MessageSystemAttributeNames",
    "TagKey": "TagKeys",
    "SendMessageBatchRequestEntry": "Entries",
    "DeleteMessageBatchRequestEntry": "Entries",
    "ChangeMessageVisibilityBatchRequestEntry": "Entries",
}
# query name of a flattened map -> (JSON member, key element, value element)
_MAPS = {
    "Attribute": ("Attributes", "Name", "Value"),
    "MessageAttribute": ("MessageAttributes", "Name", "Value"),
    "MessageSystemAttribute": ("MessageSystemAttributes", "Name", "Value"),
    "Tag": ("Tags", "Key", "Value"),
}
# JSON member -> XML element of each item (lists) or (element, key, value) (maps)
_LIST_ELEMENTS = {"QueueUrls": "QueueUrl", "queueUrls": "QueueUrl", "Messages": "Message",
                  "Failed": "BatchResultErrorEntry"}  # fmt: skip
_MAP_ELEMENTS = {json_name: (query, key, value) for query, (json_name, key, value) in _MAPS.items()}
_NO_RESULT = frozenset({"ChangeMessageVisibility", "DeleteMessage", "DeleteQueue", "PurgeQueue",
                        "SetQueueAttributes", "TagQueue", "UntagQueue"})  # fmt: skip


def is_query(ctx: RequestContext) -> bool:
    return ctx.method == "POST" and ctx.headers.get("content-type", "").startswith(FORM)


def parse(ctx: RequestContext, body: bytes) -> tuple[str, dict[str, Any]]:
    """The action and the parameters (form body and query string), rebuilt into the JSON shape."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise errors.InvalidParameterValue("The request body is not valid UTF-8.") from None
    pairs += parse_qsl(ctx.query_string, keep_blank_values=True)
    flat = dict(pairs)
    action = flat.pop("Action", "")
    for ignored in ("Version", "AWSAccessKeyId", "SignatureMethod", "SignatureVersion", "Signature",
                    "Timestamp", "Expires"):  # fmt: skip
        flat.pop(ignored, None)
    return action, _rebuild(flat)


def path_queue_url(ctx: RequestContext, base_url: str) -> str:
    """Older SDKs post to the queue URL itself instead of passing QueueUrl."""
    path = unquote(urlsplit(ctx.raw_path).path).strip("/")
    return f"{base_url}/{path}" if path.count("/") == 1 else ""


def unknown_action(action: str) -> errors.SqsError:
    return errors.InvalidAction(f"The action {action} is not valid for this endpoint.")


def _rebuild(flat: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = value
    return _convert(tree)


def _convert(node: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _LISTS:
            result[_LISTS[key]] = [_value(item) for item in _ordered(value)]
        elif key in _MAPS and isinstance(value, dict):
            name, key_element, value_element = _MAPS[key]
            items = [item for item in _ordered(value) if isinstance(item, dict)]
            result[name] = {i[key_element]: _value(i.get(value_element)) for i in items if key_element in i}
        else:
            result[key] = _value(value)
    return result


def _ordered(value: Any) -> list[Any]:
    """The members of ``X.1``, ``X.2``... in index order; a bare ``X=v`` is a one-item list."""
    if not isinstance(value, dict):
        return [value]
    return [value[k] for k in sorted((k for k in value if k.isdigit()), key=int)]


def _value(value: Any) -> Any:
    return _convert(value) if isinstance(value, dict) else value


# ---- rendering ----


def render(action: str, result: dict[str, Any], request_id: str) -> Result:
    inner = "" if action in _NO_RESULT else f"<{action}Result>{_members(result, action)}</{action}Result>"
    body = (
        f'<?xml version="1.0"?><{action}Response xmlns="{NAMESPACE}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
    return Result(status=200, headers=_headers(request_id), body=body.encode())


def render_error(exc: errors.SqsError, request_id: str) -> Result:
    fault = "Sender" if exc.sender_fault else "Receiver"
    body = (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{fault}</Type>'
        f"<Code>{_text(exc.query_code)}</Code><Message>{_text(exc.text)}</Message><Detail/></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return Result(status=exc.status, headers=_headers(request_id), body=body.encode())


def _members(result: dict[str, Any], action: str) -> str:
    parts = []
    for name, value in result.items():
        if name in _MAP_ELEMENTS and isinstance(value, dict):
            parts.append(_map(value, *_MAP_ELEMENTS[name], action))
        elif isinstance(value, list):
            element = _LIST_ELEMENTS.get(name, f"{action}ResultEntry")
            parts.extend(_element(element, item, action) for item in value)
        else:
            parts.append(_element(name, value, action))
    return "".join(parts)


def _map(value: dict[str, Any], element: str, key: str, item: str, action: str) -> str:
    return "".join(
        f"<{element}><{key}>{_text(k)}</{key}>{_element(item, v, action)}</{element}>"
        for k, v in value.items()
    )


def _element(name: str, value: Any, action: str) -> str:
    if isinstance(value, dict):
        return f"<{name}>{_members(value, action)}</{name}>"
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    return f"<{name}>{_text(str(value))}</{name}>"


def _text(value: str) -> str:
    # A literal CR would come back as LF from any XML parser.
    return escape(value, {"\r": "&#xD;"})


def _headers(request_id: str) -> dict[str, str]:
    return {"content-type": CONTENT_TYPE, "x-amzn-RequestId": request_id}
