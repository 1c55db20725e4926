"""One audit record per request, written durably: with the change, or by group commit.

The ASGI boundary calls ``Auditor.begin`` before the API runs and the returned function once the
answer is sent. In between, every durable write job the request submits is wrapped (through
``storage/meta/db.py``'s ``job_wrapper``) so that the request's record is appended to the
``aerostore-audit`` delivery stream in the transaction of its change: a mutation never commits
without its record (``committed`` = true). Such a request gets no second record at the end.

Every other request (reads, errors, and mutations whose change did not commit) is recorded when
its answer has been sent: its record waits in memory at most ``flush_interval`` seconds, then a
single durable write appends the whole batch. A crash loses at most that window of those records.
See docs/audit.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from aerostore.audit import schema
from aerostore.http.context import Exchange, RequestContext, Result
from aerostore.storage.meta.db import Database, job_wrapper

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_FLUSH_INTERVAL = 1.0
MAX_BUFFERED = 50_000  # records; past it a flush starts at once instead of waiting for the interval
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/|AWSAccessKeyId=([^&]+)|^AWS ([^:]+):")


class Append(Protocol):
    """The delivery stream's durable buffer (firehose): append one record inside a write job."""

    def __call__(self, conn: sqlite3.Connection, stream: str, data: bytes, now: float) -> Any: ...


@dataclass(slots=True)
class _Request:
    ctx: RequestContext
    exchange: Exchange
    written: bool = False  # its record is in a write job (set on the writer thread)
    committed: bool = False  # ... and that job committed
    # Answered and recorded: a write committing later (its client went away, or a task the
    # request started inherited the context) must not add a second record.
    closed: bool = False


class Auditor:
    """The ``AuditSink`` of http/asgi.py."""

    def __init__(self, db: Database, append: Append, *, flush_interval: float = DEFAULT_FLUSH_INTERVAL):
        self.db = db
        self.append = append
        self.flush_interval = flush_interval
        self._buffer: list[dict[str, Any]] = []
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- the boundary ----

    def begin(self, ctx: RequestContext, exchange: Exchange) -> Callable[[Result | None], None]:
        request = _Request(ctx, exchange)
        token = job_wrapper.set(lambda job: self._with_record(request, job))

        def finish(result: Result | None) -> None:
            job_wrapper.reset(token)
            request.closed = True
            if request.committed:
                return
            self._buffer.append(build(ctx, exchange, result, time.time()))
            if len(self._buffer) >= MAX_BUFFERED:
                self._full.set()

        return finish

    def _with_record(
        self, request: _Request, job: Callable[[sqlite3.Connection], T]
    ) -> Callable[[sqlite3.Connection], T]:
        def run(conn: sqlite3.Connection) -> T:
            value = job(conn)
            if request.written or request.closed:
                return value  # one record per request: its first committed change carries it
            now = time.time()
            record = build(request.ctx, request.exchange, None, now, committed=True)
            record["version_id"] = record.get("version_id") or _version_of(value)
            self.append(conn, schema.STREAM, schema.encode(record), now)
            request.written = True
            self.db.on_commit(lambda: setattr(request, "committed", True))
            return value

        return run

    # ---- group commit of the other records ----

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="aerostore-audit-flush")

    async def close(self) -> None:
        """Stop the timer and write what is buffered (a graceful stop loses nothing)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()

    async def flush(self) -> int:
        """Write every buffered record in one transaction; how many there were."""
        batch, self._buffer = self._buffer, []
        self._full.clear()
        if batch:
            await self.db.write(lambda conn: self._append_all(conn, batch))
        return len(batch)

    def _append_all(self, conn: sqlite3.Connection, batch: list[dict[str, Any]]) -> None:
        now = time.time()
        for record in batch:
            self.append(conn, schema.STREAM, schema.encode(record), now)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._full.wait(), self.flush_interval)
            except TimeoutError:
                pass
            try:
                await self.flush()
            except Exception:
                log.exception("audit flush failed")


def build(
    ctx: RequestContext, exchange: Exchange, result: Result | None, now: float, *, committed: bool = False
) -> dict[str, Any]:
    """The record of a request from what the boundary measured and the API reported.

    A ``committed`` record is built in the transaction of the change, before the answer: its
    status is the operation's success status, and the answer's bytes and timings are unknown
    (``total_ms`` runs to the commit).
    """
    fields = {**ctx.audit, **(result.audit if result is not None else {})}
    key_id = fields.get("access_key_id")
    auth_type = fields.get("auth_type")
    if auth_type is None:  # not authenticated: what did the request claim?
        key_id = _claimed_key(ctx)
        auth_type = _claimed_auth_type(ctx, key_id)
    api = fields.get("service") or schema.API_S3
    started_ms = ctx.started * 1000
    record: dict[str, Any] = {
        "time": round(started_ms),
        "kind": schema.KIND_REQUEST,
        "request_id": fields.get("request_id") or ctx.request_id,
        "api": api,
        "operation": fields.get("operation") or None,
        "principal": fields.get("principal") or (schema.AUTH_ANONYMOUS if auth_type == "anonymous" else None),
        "access_key_id": key_id or None,
        "source_ip": ctx.remote or None,
        "user_agent": ctx.headers.get("user-agent"),
        "bucket": fields.get("bucket") or None,
        "key": fields.get("key") or None,
        "version_id": fields.get("version_id") or None,
        "http_status": success_status(api, fields.get("operation")) if committed else exchange.status or None,
        "error_code": fields.get("error_code") or None,
        "bytes_received": exchange.bytes_received,  # the body as received, aws-chunked framing included
        "bytes_sent": None if committed else exchange.bytes_sent,
        "total_ms": round(now * 1000 - started_ms, 3),
        "ttfb_ms": None if exchange.first_byte is None else round(exchange.first_byte * 1000 - started_ms, 3),
        "signature_version": _signature_version(auth_type, fields.get("signature_version")),
        "auth_type": auth_type,
        "host": ctx.host or None,
        "committed": committed,
    }
    if isinstance(fields.get("detail"), dict):
        record["detail"] = fields["detail"]
    return record


def success_status(api: Any, operation: Any) -> int:
    """What a successful ``operation`` answers: S3's deletes but DeleteObjects answer 204 No Content."""
    name = str(operation or "")
    if api != schema.API_S3:
        return 200
    return 204 if (name.startswith("Delete") and name != "DeleteObjects") or name == "PostObject" else 200


def _signature_version(auth_type: str, version: Any) -> str | None:
    if auth_type == schema.AUTH_ANONYMOUS:
        return None
    return f"SigV{version or 4}"


def _claimed_key(ctx: RequestContext) -> str:
    """The access key a request claims, for a request whose signature was not (or could not be) checked."""
    text = ctx.headers.get("authorization", "") + " " + ctx.query_string.replace("%2F", "/")
    match = _CREDENTIAL.search(text.strip())
    return next((g for g in match.groups() if g), "") if match else ""


def _claimed_auth_type(ctx: RequestContext, claimed: str) -> str:
    """How an unverified request meant to authenticate (its principal stays unknown)."""
    if not claimed:
        return schema.AUTH_ANONYMOUS
    return schema.AUTH_HEADER if "authorization" in ctx.headers else schema.AUTH_PRESIGNED


def _version_of(value: Any) -> str | None:
    version_id = getattr(value, "version_id", None)
    return version_id if isinstance(version_id, str) and version_id else None
