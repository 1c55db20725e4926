"""Receipt handles: opaque to clients, (queue id, message row, nonce of one receive) to us.

Each receive stores a fresh random nonce on the message row, so a handle from an earlier
receive stops matching as soon as the message is received again. As on AWS, deleting with
such a stale handle succeeds without deleting anything; a handle that does not decode, or
that belongs to another queue, is ``ReceiptHandleIsInvalid``.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from aerostore.sqs import errors

_PREFIX = "AQEB"
_LAYOUT = struct.Struct(">QQ16s")


@dataclass(frozen=True, slots=True)
class Receipt:
    queue_id: int
    row_id: int
    nonce: str  # hex, as stored in sqs_messages.receipt


def new_nonce() -> str:
    return os.urandom(16).hex()


def encode(queue_id: int, row_id: int, nonce: str) -> str:
    raw = _LAYOUT.pack(queue_id, row_id, bytes.fromhex(nonce))
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(handle: str, queue_id: int) -> Receipt:
    """The receipt a handle names, checked to belong to the queue the request addressed."""
    try:
        if not handle.startswith(_PREFIX):
            raise ValueError(handle)
        text = handle[len(_PREFIX) :]
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        owner, row_id, nonce = _LAYOUT.unpack(raw)
    except (ValueError, binascii.Error, struct.error, UnicodeEncodeError):
        raise invalid(handle) from None
    if owner != queue_id:
        raise invalid(handle)
    return Receipt(owner, row_id, nonce.hex())


def invalid(handle: str) -> errors.SqsError:
    return errors.ReceiptHandleIsInvalid(
        f'The input receipt handle "{handle}" is not a valid receipt handle.'
    )
