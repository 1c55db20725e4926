"""One audit record per request, written durably: with the change, or by group commit.

The ASGI boundary calls ``Auditor.begin`` before the API runs and the returned function once the
answer is sent. In between, every durable write job the request submits is wrapped (through
``storage/meta/db.py``'s ``job_wrapper``) so that the request's record is appended to the
``aerostore-audit`` delivery stream in the transaction of its change: a mutation never commits
without its record (``committed`` = true). Such a request gets no second record at the end.

Every other request (reads, errors, and mutations whose change did not commit) is recorded when
its answer has been sent: what its record needs waits in memory at most ``flush_interval`` seconds,
then a single durable write job builds, encodes and appends the whole batch on the writer thread
(the event loop only keeps a tuple per request). A crash loses at most that window of those records.
See docs/audit.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
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


class AppendMany(Protocol):
    """The same, for many records at once (the group commit of boundary records)."""

    def __call__(
        self, conn: sqlite3.Connection, stream: str, records: Sequence[bytes], now: float
    ) -> Any: ...


# What the boundary keeps of an answered request until the flush builds its record (writer thread):
# (context, exchange, the result's audit fields or None, time.time() of the answer).
_Pending = tuple[RequestContext, Exchange, dict[str, Any] | None, float]


class _Request:
    """One request being served: the ``finish`` the boundary calls, and the wrapper of its write jobs."""

    __slots__ = ("auditor", "ctx", "exchange", "token", "written", "committed", "closed")

    def __init__(self, auditor: Auditor, ctx: RequestContext, exchange: Exchange) -> None:
        self.auditor = auditor
        self.ctx = ctx
        self.exchange = exchange
        self.written = False  # its record is in a write job (set on the writer thread)
        self.committed = False  # ... and that job committed
        # Answered and recorded: a write committing later (its client went away, or a task the
        # request started inherited the context) must not add a second record.
        self.closed = False
        self.token = job_wrapper.set(self.wrap)

    def __call__(self, result: Result | None) -> None:
        """The answer is sent (``result`` None: it failed): keep the raw values for the next flush."""
        job_wrapper.reset(self.token)
        self.closed = True
        if self.committed:
            return
        # No record is built here: the flush builds and encodes it on the writer thread.
        buffer = self.auditor._buffer
        buffer.append((self.ctx, self.exchange, None if result is None else result.audit, time.time()))
        if len(buffer) >= MAX_BUFFERED:
            self.auditor._full.set()

    def wrap(self, job: Callable[[sqlite3.Connection], T]) -> Callable[[sqlite3.Connection], T]:
        """``job``, then in its savepoint this request's record (its first committed change carries it)."""

        def run(conn: sqlite3.Connection) -> T:
            value = job(conn)
            if self.written or self.closed:
                return value
            now = time.time()
            record = build(self.ctx, self.exchange, None, now, committed=True)
            record["version_id"] = record.get("version_id") or _version_of(value)
            self.auditor.append(conn, schema.STREAM, schema.encode(record), now)
            self.written = True
            self.auditor.db.on_commit(self._committed)
            return value

        return run

    def _committed(self) -> None:
        self.committed = True


class Auditor:
    """The ``AuditSink`` of http/asgi.py."""

    def __init__(
        self,
        db: Database,
        append: Append,
        *,
        append_many: AppendMany | None = None,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
    ) -> None:
        self.db = db
        self.append = append
        self.append_many = append_many
        self.flush_interval = flush_interval
        self._buffer: list[_Pending] = []
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- the boundary ----

    def begin(self, ctx: RequestContext, exchange: Exchange) -> Callable[[Result | None], None]:
        """Called before the API runs: its write jobs carry the record from now on (``job_wrapper``)."""
        return _Request(self, ctx, exchange)

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
        """Write every buffered record in one write job (one transaction); how many there were."""
        batch, self._buffer = self._buffer, []
        self._full.clear()
        if batch:
            await self.db.write(lambda conn: self._append_all(conn, batch))
        return len(batch)

    def _append_all(self, conn: sqlite3.Connection, batch: list[_Pending]) -> None:
        """On the writer thread, off the event loop: build, encode and insert the batch's records."""
        now = time.time()
        data = [schema.encode(build(*pending)) for pending in batch]
        if self.append_many is not None:
            self.append_many(conn, schema.STREAM, data, now)
        else:
            for record in data:
                self.append(conn, schema.STREAM, record, now)

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
    ctx: RequestContext,
    exchange: Exchange,
    result_audit: dict[str, Any] | None,
    now: float,
    *,
    committed: bool = False,
) -> dict[str, Any]:
    """The record of a request from what the boundary measured and the API reported (``Result.audit``).

    A ``committed`` record is built in the transaction of the change, before the answer: its
    status is the operation's success status, and the answer's bytes and timings are unknown
    (``total_ms`` runs to the commit).
    """
    fields = {**ctx.audit, **result_audit} if result_audit else ctx.audit
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
