"""A boto3 transport into the server's own ASGI app: S3 API requests without a socket.

The delivery writes through the S3 API, signed and checked like any client's requests, so the
same code writes to AWS S3 or MinIO. To its own server it cannot always go over TCP: at a
graceful stop uvicorn has closed its socket before the services stop, and the buffer must still
be delivered then. botocore's ``before-send`` event lets a handler answer a prepared request
(the mechanism moto's mock uses); this one runs it through the ASGI app on the server's loop.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HeadersDict  # type: ignore[import-untyped]

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
TIMEOUT = 300.0


class _Raw(io.BytesIO):
    """The raw body botocore reads a response from."""

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        while chunk := self.read(1024 * 1024):
            yield chunk


class Loopback:
    """Register with ``client.meta.events.register("before-send.s3", loopback)``."""

    def __init__(self) -> None:
        self.app: Asgi | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def attach(self, app: Asgi, loop: asyncio.AbstractEventLoop) -> None:
        self.app, self.loop = app, loop

    def __call__(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        if self.loop is None:
            raise RuntimeError("loopback transport is not attached to the server")
        future = asyncio.run_coroutine_threadsafe(self._call(request), self.loop)
        status, headers, body = future.result(TIMEOUT)
        return AWSResponse(request.url, status, HeadersDict(headers), _Raw(body))

    async def _call(self, request: AWSPreparedRequest) -> tuple[int, dict[str, str], bytes]:
        assert self.app is not None
        url = urlsplit(request.url)
        body = _body(request.body)
        headers = [(k.lower().encode("latin-1"), _bytes(v)) for k, v in request.headers.items()]
        if not any(name == b"host" for name, _ in headers):
            headers.append((b"host", _host(url.scheme, url.netloc).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": unquote(url.path),
            "raw_path": url.path.encode(),
            "query_string": url.query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 0),
        }
        sent = {"body": False}
        response: dict[str, Any] = {"status": 500, "headers": {}, "chunks": []}

        async def receive() -> dict[str, Any]:
            if sent["body"]:
                await asyncio.Event().wait()  # never: the body was read in full
            sent["body"] = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = {
                    k.decode("latin-1"): v.decode("latin-1") for k, v in message["headers"]
                }
            elif message["type"] == "http.response.body":
                response["chunks"].append(message.get("body", b""))

        await self.app(scope, receive, send)
        return response["status"], response["headers"], b"".join(response["chunks"])


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    data = body.read()
    return data.encode() if isinstance(data, str) else bytes(data)


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("latin-1")


def _host(scheme: str, netloc: str) -> str:
    """As botocore signs it: the default port left out."""
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc
