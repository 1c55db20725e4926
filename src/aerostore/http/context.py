"""Per-request values shared by every API: the context going in, the result coming out."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

Body = bytes | Iterator[bytes] | AsyncIterator[bytes]


@dataclass(slots=True)
class RequestContext:
    request_id: str
    started: float
    remote: str
    host: str
    method: str
    raw_path: str
    query_string: str
    headers: dict[str, str]
    secure: bool = False
    # What the API learns that the audit record needs, as soon as it knows it (principal,
    # operation, bucket, key...), so that a request failing halfway is still recorded with it.
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def host_id(self) -> str:
        """The ``x-amz-id-2`` of this request's answer (and of the events it causes)."""
        return base64.b64encode(self.request_id.encode() * 3).decode()


@dataclass(slots=True)
class Result:
    """What a handler answers; the ASGI boundary renders it and records the audit entry."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = b""
    length: int | None = None  # for streamed bodies: the Content-Length to announce
    audit: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Handlers pass module constants (``headers=XML``); the boundary adds CORS and
        # ``connection`` headers to this dict, which must never reach the next answer.
        self.headers = dict(self.headers)


@dataclass(slots=True)
class Exchange:
    """What the ASGI boundary measures of one request, for its audit record."""

    bytes_received: int = 0
    bytes_sent: int = 0
    status: int = 0  # as sent in ``http.response.start``; 0 if no answer started
    first_byte: float | None = None  # time.time() of ``http.response.start``
