"""A streaming ``multipart/form-data`` reader: the fields before the file, then the file's bytes.

Built on python-multipart's push parser (what Starlette uses): each network read is fed to it,
and the file part's bytes are handed on as they arrive, never held whole in memory. Fields after
the file are read and dropped, as S3 ignores them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from aerostore.http.streams import Receive
from aerostore.s3 import errors

FILE_FIELD = "file"
MAX_FIELDS_BYTES = 20 * 1024  # S3's limit on the fields preceding the file

_Event = tuple[str, bytes]  # ("part", b"") | ("header", b"name: value") | ("data", bytes) | ("end", b"")


@dataclass(frozen=True, slots=True)
class FilePart:
    filename: str
    content_type: str


def malformed() -> errors.S3Error:
    return errors.MalformedPOSTRequest()


class FormReader:
    """One form body read through ``receive``: ``fields()``, then iterate ``file()``, then ``drain()``."""

    def __init__(self, receive: Receive, content_type: str) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise malformed()
        self._receive = receive
        self._events: deque[_Event] = deque()
        self._done = False
        self._field, self._value = bytearray(), bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": lambda: self._events.append(("part", b"")),
                "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_part_data": lambda d, s, e: self._events.append(("data", bytes(d[s:e]))),
                "on_part_end": lambda: self._events.append(("end", b"")),
            },
        )

    def _header_end(self) -> None:
        self._events.append(("header", bytes(self._field) + b":" + bytes(self._value)))
        self._field.clear()
        self._value.clear()

    async def _next(self) -> _Event | None:
        while not self._events:
            if self._done:
                return None
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise errors.IncompleteBody()
            try:
                self._parser.write(message.get("body", b""))
                if not message.get("more_body", False):
                    self._done = True
                    self._parser.finalize()
            except MultipartParseError:
                raise malformed() from None
        return self._events.popleft()

    async def fields(self) -> tuple[dict[str, str], FilePart | None]:
        """The fields before the file (lower-case names, first value kept) and the file part, if any."""
        fields: dict[str, str] = {}
        size = 0
        while (event := await self._next()) is not None:
            if event[0] != "part":
                raise malformed()
            name, filename, content_type = await self._part_headers()
            if name.lower() == FILE_FIELD:
                return fields, FilePart(filename, content_type)
            value = await self._part_value(MAX_FIELDS_BYTES - size)
            size += len(name) + len(value)
            fields.setdefault(name.lower(), value.decode("utf-8", "replace"))
        return fields, None

    async def _part_headers(self) -> tuple[str, str, str]:
        name = filename = content_type = ""
        while (event := await self._next()) is not None and event[0] == "header":
            field, _, value = event[1].decode("utf-8", "replace").partition(":")
            if field.strip().lower() == "content-disposition":
                _, options = parse_options_header(value.strip())
                name = options.get(b"name", b"").decode("utf-8", "replace")
                filename = options.get(b"filename", b"").decode("utf-8", "replace")
            elif field.strip().lower() == "content-type":
                content_type = value.strip()
        if event is not None:
            self._events.appendleft(event)  # the part's first data or its end
        return name, filename, content_type

    async def _part_value(self, room: int) -> bytes:
        value = bytearray()
        while (event := await self._next()) is not None and event[0] == "data":
            value += event[1]
            if len(value) > room:
                raise errors.MaxPostPreDataLengthExceeded()
        if event is None:
            raise malformed()
        return bytes(value)

    async def file(self) -> AsyncIterator[bytes]:
        """The file part's bytes as they arrive."""
        while (event := await self._next()) is not None and event[0] == "data":
            yield event[1]
        if event is None:
            raise malformed()

    async def drain(self) -> None:
        """Read the rest of the body (fields after the file are ignored, as S3 does)."""
        while await self._next() is not None:
            self._events.clear()
