"""One SQS call as the actions see it, and typed access to its parameters.

Both protocols hand the actions the parameters in the JSON protocol's shape (the query
protocol's flattened form is rebuilt into it). Numbers may arrive as JSON numbers or as
strings (query protocol); a wrong type is ``InvalidParameterValue``, a missing required
parameter ``MissingParameter``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aerostore.auth.sigv4 import Principal
from aerostore.sqs import errors

QUEUE_URL = "QueueUrl"


@dataclass(frozen=True, slots=True)
class Call:
    action: str
    params: dict[str, Any]
    base_url: str  # scheme://host as the client addressed us, for queue URLs
    principal: Principal
    path_queue_url: str = ""  # query protocol: the queue URL the request was posted to

    def queue_url(self) -> str:
        url = self.params.get(QUEUE_URL) or self.path_queue_url
        if not isinstance(url, str) or not url:
            raise errors.missing(QUEUE_URL)
        return url


def required_string(params: Mapping[str, Any], name: str) -> str:
    value = optional_string(params, name)
    if value is None:
        raise errors.missing(name)
    return value


def optional_string(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.invalid_value(name, value, "Must be a string.")
    return value


def optional_int(params: Mapping[str, Any], name: str, low: int, high: int, reason: str) -> int | None:
    """An integer in ``low..high``; ``reason`` completes AWS's "Value X for parameter Y is invalid"."""
    value = params.get(name)
    if value is None:
        return None
    number = _as_int(value)
    if number is None or not low <= number <= high:
        raise errors.invalid_value(name, value, reason)
    return number


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit() and value.isascii():
        return int(value)
    return None


def string_list(params: Mapping[str, Any], name: str) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.invalid_value(name, value, "Must be a list of strings.")
    return value


def string_map(params: Mapping[str, Any], name: str) -> dict[str, str]:
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str | int) for v in value.values()):
        raise errors.invalid_value(name, value, "Must be a map of strings.")
    return {str(k): str(v) for k, v in value.items()}


def entries(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = params.get("Entries")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise errors.invalid_value("Entries", value, "Must be a list of structures.")
    return [dict(v) for v in value]
