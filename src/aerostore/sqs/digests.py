"""The MD5 digests SQS returns with every message, computed exactly as SQS computes them.

SDKs that check them (Java, .NET, Ruby, JavaScript v3) recompute the digests client-side and
refuse a response whose digest differs, so these must be bit-exact.

See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Mapping

STRING_TRANSPORT = 1
BINARY_TRANSPORT = 2


def md5_of_body(body: str) -> str:
    """The hex MD5 of the body's UTF-8 bytes."""
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: Mapping[str, Mapping[str, str]]) -> str:
    """The hex MD5 of message (or system) attributes in their wire form.

    For each attribute, sorted by name: the name, the data type, one transport byte (1 for
    String and Number, 2 for Binary), then the value; each of name, type and value preceded by
    its length as a 4-byte big-endian integer. Binary values arrive base64-encoded.
    """
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        digest.update(_field(name.encode("utf-8")))
        digest.update(_field(data_type.encode("utf-8")))
        if data_type.startswith("Binary"):
            digest.update(bytes([BINARY_TRANSPORT]))
            digest.update(_field(base64.b64decode(value["BinaryValue"])))
        else:
            digest.update(bytes([STRING_TRANSPORT]))
            digest.update(_field(value["StringValue"].encode("utf-8")))
    return digest.hexdigest()


def _field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data
