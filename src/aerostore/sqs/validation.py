"""Checks on what a sender sends: body characters, message attributes, FIFO ids.

See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from aerostore.sqs import errors

MAX_ATTRIBUTES = 10
TRACE_HEADER = "AWSTraceHeader"

# Allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF
_BAD_CHARACTER = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.\-\u00c0-\u017f]{1,256}")
_DATA_TYPE = re.compile(r"(String|Number|Binary)(\..+)?", re.DOTALL)
_FIFO_ID = re.compile(r"[0-9A-Za-z!\"#$%&'()*+,./:;<=>?@\[\\\]^_`{|}~-]{1,128}")
_RESERVED_PREFIXES = ("aws.", "amazon.")


def check_body(body: str) -> None:
    if not body:
        raise errors.missing("MessageBody")
    if _BAD_CHARACTER.search(body):
        raise errors.InvalidMessageContents()


def message_attributes(raw: Any) -> dict[str, dict[str, str]]:
    """Validated message attributes in wire form: name -> {DataType, StringValue | BinaryValue}."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise errors.InvalidParameterValue("MessageAttributes must be a map.")
    if len(raw) > MAX_ATTRIBUTES:
        raise errors.InvalidParameterValue(
            f"Number of message attributes [{len(raw)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}]."
        )
    return {_attribute_name(name): _attribute_value(name, value) for name, value in raw.items()}


def system_attributes(raw: Any) -> dict[str, dict[str, str]]:
    """MessageSystemAttributes: only AWSTraceHeader, a String, exists."""
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise errors.InvalidParameterValue("MessageSystemAttributes must be a map.")
    result = {}
    for name, value in raw.items():
        if name != TRACE_HEADER:
            raise errors.InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        checked = _attribute_value(name, value)
        if checked["DataType"] != "String":
            raise errors.InvalidParameterValue(f"Message system attribute '{name}' must be of type 'String'.")
        result[name] = checked
    return result


def _attribute_name(name: str) -> str:
    if not isinstance(name, str) or not _ATTRIBUTE_NAME.fullmatch(name):
        raise errors.InvalidParameterValue(
            "Message (user) attribute names can only contain upper and lower case characters, digits, "
            "periods, hyphens and underscores, and must be shorter than 256 bytes."
        )
    if (
        name.lower().startswith(_RESERVED_PREFIXES)
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    ):
        raise errors.InvalidParameterValue(
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are "
            "reserved for internal use. Additionally, they cannot start or end with '.' or contain '..'."
        )
    return name


def _attribute_value(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise errors.InvalidParameterValue(f"Message (user) attribute '{name}' must be a structure.")
    data_type = value.get("DataType")
    if not data_type:
        raise errors.InvalidParameterValue(
            f"The message attribute '{name}' must contain a non-empty message attribute type."
        )  # noqa: E501
    match = _DATA_TYPE.fullmatch(str(data_type))
    if match is None or len(data_type) > 256:
        raise errors.InvalidParameterValue(
            f"The type of message (user) attribute '{name}' is invalid. You must use only the following "
            "supported type prefixes: Binary, Number, String."
        )
    if match.group(1) == "Binary":
        return {"DataType": data_type, "BinaryValue": _binary(name, value.get("BinaryValue"))}
    text = value.get("StringValue")
    if not isinstance(text, str) or not text:
        raise errors.InvalidParameterValue(
            f"Message (user) attribute '{name}' must contain a non-empty value of type '{match.group(1)}'."
        )
    if _BAD_CHARACTER.search(text):
        raise errors.InvalidParameterValue(errors.InvalidMessageContents.message)
    if match.group(1) == "Number":
        _check_number(name, text)
    return {"DataType": data_type, "StringValue": text}


def _binary(name: str, value: Any) -> str:
    """Binary values travel base64-encoded in both protocols; kept that way."""
    if isinstance(value, str) and value:
        try:
            if base64.b64decode(value, validate=True):
                return value
        except (binascii.Error, ValueError):
            pass
    raise errors.InvalidParameterValue(
        f"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'."
    )


def _check_number(name: str, text: str) -> None:
    """Up to 38 significant digits, between -10^128 and 10^126."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if (
        number is None
        or not number.is_finite()
        or not Decimal("-1e128") <= number <= Decimal("1e126")
        or len(number.normalize().as_tuple().digits) > 38
    ):
        raise errors.InvalidParameterValue(
            f"Can't cast the value of message (user) attribute '{name}' to a number."
        )  # noqa: E501


def fifo_id(value: Any, parameter: str) -> str | None:
    """MessageGroupId / MessageDeduplicationId: 1 to 128 alphanumeric or punctuation characters."""
    if value is None:
        return None
    if not isinstance(value, str) or not _FIFO_ID.fullmatch(value):
        raise errors.invalid_value(
            parameter,
            value,
            f"{parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.",
        )
    return value


def select_attributes(
    attributes: Mapping[str, dict[str, str]], names: list[str]
) -> dict[str, dict[str, str]]:
    """The message attributes a ReceiveMessage asked for: ``All``/``.*``, exact names, ``prefix.*``."""
    if not names or not attributes:
        return {}
    if "All" in names or ".*" in names:
        return dict(attributes)
    exact = {n for n in names if not n.endswith(".*")}
    prefixes = tuple(n[:-1] for n in names if n.endswith(".*"))
    return {k: v for k, v in attributes.items() if k in exact or (prefixes and k.startswith(prefixes))}
