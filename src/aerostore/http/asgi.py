"""The ASGI entry: request ids, timing, and THE place where an exception becomes a response."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol

from aerostore.http.context import Exchange, RequestContext, Result
from aerostore.s3 import errors, xml

log = logging.getLogger("aerostore.http")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# A streamed body up to this size is read on the event loop; beyond it, in worker threads.
INLINE_READ_LIMIT = 256 * 1024


class Api(Protocol):
    async def handle(self, ctx: RequestContext, receive: Receive) -> Result: ...


class RoutedApi(Api, Protocol):
    """An API sharing the endpoint with the default one: it claims the requests that are its own."""

    def claims(self, ctx: RequestContext) -> bool: ...


class AuditSink(Protocol):
    """Records every request (audit/recorder.py)."""

    def begin(self, ctx: RequestContext, exchange: Exchange) -> Callable[[Result | None], None]:
        """Called before the API runs; returns what to call once the answer is sent (None: it failed)."""
        ...


class Lifecycle(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...


def new_request_id() -> str:
    return os.urandom(8).hex().upper()


def error_result(ctx: RequestContext, exc: errors.S3Error) -> Result:
    """AWS's error XML (Code, Message, extra fields, Resource, RequestId, HostId)."""
    content: list[tuple[str, xml.Content]] = [("Code", exc.code), ("Message", exc.text)]
    content += list(exc.fields.items())
    content += [("Resource", ctx.raw_path.split("?", 1)[0]), ("RequestId", ctx.request_id)]
    content.append(("HostId", ctx.headers.get("x-amz-id-2", "")))
    if ctx.method == "HEAD" or exc.status == 304:
        # No body may follow: HEAD answers carry none, and neither does 304 Not Modified.
        return Result(status=exc.status, headers=dict(exc.headers()), body=b"")
    headers = {"content-type": "application/xml", **exc.headers()}
    return Result(status=exc.status, headers=headers, body=xml.document("Error", content, namespace=False))


class App:
    """ASGI application: the APIs behind the shared request/error boundary.

    A request goes to the first of ``routes`` that claims it (SQS claims its own by header),
    otherwise to ``api`` (S3).
    """

    def __init__(
        self,
        api: Api,
        services: list[Lifecycle],
        routes: Sequence[RoutedApi] = (),
        audit: AuditSink | None = None,
    ) -> None:
        self.api = api
        self.services = services
        self.routes = routes
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for service in self.services:
                    await service.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for service in reversed(self.services):
                    await service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = _context(scope)
        exchange = Exchange()
        if self.audit is None:
            await self._serve(ctx, exchange, receive, send)
            return
        finish = self.audit.begin(ctx, exchange)
        result: Result | None = None
        try:
            result = await self._serve(ctx, exchange, receive, send)
        finally:
            finish(result)

    async def _serve(self, ctx: RequestContext, exchange: Exchange, receive: Receive, send: Send) -> Result:
        body = _BodyTracker(receive, ctx.headers, exchange)
        api = next((route for route in self.routes if route.claims(ctx)), self.api)
        try:
            result = await api.handle(ctx, body.receive)
        except errors.S3Error as exc:
            ctx.audit["error_code"] = exc.code
            result = error_result(ctx, exc)
        except Exception:
            log.exception("internal error", extra={"request_id": ctx.request_id})
            ctx.audit["error_code"] = errors.InternalError.code
            result = error_result(ctx, errors.InternalError())
        if not body.complete:
            # The client may still be sending (or, under Expect: 100-continue, never send) the
            # body we did not read: the connection cannot carry another request.
            result.headers["connection"] = "close"
        await _send_result(ctx, result, send, exchange)
        return result


class _BodyTracker:
    """Knows whether the request body was read to its end."""

    def __init__(self, receive: Receive, headers: dict[str, str], exchange: Exchange) -> None:
        self._receive = receive
        self._exchange = exchange
        length = headers.get("content-length", "0")
        self.complete = "transfer-encoding" not in headers and (not length.isdigit() or int(length) == 0)

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._exchange.bytes_received += len(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
        return message


def _context(scope: Scope) -> RequestContext:
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        text = _wire_text(value)
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    client = scope.get("client") or ("", 0)
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return RequestContext(
        request_id=new_request_id(),
        started=time.time(),
        remote=client[0],
        host=headers.get("host", ""),
        method=scope["method"],
        raw_path=_wire_text(raw_path),
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        secure=scope.get("scheme") == "https",
    )


async def _send_result(ctx: RequestContext, result: Result, send: Send, exchange: Exchange) -> None:
    """Render ``result``, measuring into ``exchange`` the status, time to first byte and body bytes sent."""
    headers = [(b"x-amz-request-id", ctx.request_id.encode()), (b"x-amz-id-2", _host_id(ctx))]
    headers.append((b"server", b"AeroStore"))
    for name, value in result.headers.items():
        headers.append((name.encode("latin-1"), _header_value(value)))
    body = result.body
    if isinstance(body, bytes):
        length = len(body)
    else:
        length = result.length if result.length is not None else 0
    if "content-length" not in result.headers:
        headers.append((b"content-length", str(length).encode()))
    exchange.status = result.status
    exchange.first_byte = time.time()
    await send({"type": "http.response.start", "status": result.status, "headers": headers})
    if ctx.method == "HEAD" or result.status == 304:
        if not isinstance(body, bytes):
            _close(body)
        await send({"type": "http.response.body", "body": b""})
        return
    if isinstance(body, bytes):
        exchange.bytes_sent += len(body)
        await send({"type": "http.response.body", "body": body})
    elif isinstance(body, Iterator):
        await _send_sync_stream(body, length, send, exchange)
    else:
        await _send_async_stream(body, send, exchange)


def _header_value(value: str) -> bytes:
    """Latin-1 as HTTP allows; anything beyond it RFC 2047-encoded, as S3 returns such metadata."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return b"=?UTF-8?B?" + base64.b64encode(value.encode("utf-8", "surrogatepass")) + b"?="


def _wire_text(raw: bytes) -> str:
    """The request target as text: UTF-8 when it is (signatures are computed over UTF-8)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _host_id(ctx: RequestContext) -> bytes:
    return base64.b64encode(ctx.request_id.encode() * 3)


def _next_chunk(body: Iterator[bytes]) -> bytes | None:
    return next(body, None)


def _close(body: object) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


async def _send_sync_stream(body: Iterator[bytes], length: int, send: Send, exchange: Exchange) -> None:
    """Send a file-backed body; big ones are read in threads so the loop never waits on disk.

    A small body is read on the loop and its last chunk ends the response in the same message.
    A big one takes a thread hop per chunk (``READ_CHUNK`` of storage/blobs.py, 4 MiB): reading
    the next chunk while sending this one measured no faster and cost more CPU; bigger chunks
    (fewer hops and sends) measured faster.
    """
    if length <= INLINE_READ_LIMIT:
        try:
            chunks = list(body)
        finally:
            _close(body)
        last = len(chunks) - 1
        for i, chunk in enumerate(chunks or [b""]):
            exchange.bytes_sent += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": i < last})
        return
    try:
        while (piece := await asyncio.to_thread(_next_chunk, body)) is not None:
            exchange.bytes_sent += len(piece)
            await send({"type": "http.response.body", "body": piece, "more_body": True})
    finally:
        _close(body)
    await send({"type": "http.response.body", "body": b""})


async def _send_async_stream(body: AsyncIterator[bytes], send: Send, exchange: Exchange) -> None:
    async for chunk in body:
        exchange.bytes_sent += len(chunk)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
