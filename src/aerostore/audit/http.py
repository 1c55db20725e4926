"""The audit tables over HTTP, for the console: ``GET /-/audit/query?sql=...`` and ``GET /-/audit/catalog``.

Signed with SigV4 for service ``s3`` like any S3 request; only the root user may query, since
the audit trail says who did what (as ``/-/media``, worker/http.py). The query runs in a thread
and reads the tables through the S3 API (audit/query.py), as ``aerostore audit query`` does.
Answers are JSON: ``{"columns": [...], "rows": [[...], ...], "truncated": bool}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from aerostore.audit import catalog, query, schema
from aerostore.auth import sigv4
from aerostore.http.context import RequestContext, Result
from aerostore.http.streams import Receive
from aerostore.s3 import errors

PREFIX = "/-/audit"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_JSON = {"content-type": "application/json"}


class AuditApi:
    """A routed API: claims ``/-/audit``."""

    def __init__(self, endpoint: query.Endpoint, keys: sigv4.KeyStore) -> None:
        self.endpoint = endpoint
        self.keys = keys

    def claims(self, ctx: RequestContext) -> bool:
        path = ctx.raw_path.split("?", 1)[0]
        return path == PREFIX or path.startswith(PREFIX + "/")

    async def handle(self, ctx: RequestContext, receive: Receive) -> Result:
        path = ctx.raw_path.split("?", 1)[0]
        ctx.audit.update(service=schema.API_ADMIN, operation="AuditQuery")
        try:
            if ctx.method != "GET":
                return _error(ctx, 405, "MethodNotAllowed", "The audit endpoint is read-only.")
            _authenticate(ctx, self.keys)
            if path == PREFIX + "/catalog":
                ctx.audit["operation"] = "AuditCatalog"
                body = [catalog.describe(t) for t in catalog.TABLES.values()]
                return Result(200, dict(_JSON), json.dumps({"tables": body}).encode())
            if path != PREFIX + "/query":
                return _error(ctx, 404, "NotFound", "Expected /-/audit/query or /-/audit/catalog.")
            sql = dict(parse_qsl(ctx.query_string)).get("sql", "")
            if not sql.strip():
                return _error(ctx, 400, "InvalidArgument", "The sql parameter is required.")
            table = await asyncio.to_thread(query.run, sql, self.endpoint)
        except errors.S3Error as exc:
            return _error(ctx, exc.status, exc.code, exc.text)
        except duckdb.Error as exc:
            return _error(ctx, 400, "InvalidQuery", str(exc))
        return Result(200, dict(_JSON), json.dumps(to_json(table), default=str).encode())


def to_json(table: pa.Table, limit: int = query.MAX_ROWS) -> dict[str, Any]:
    rows = table.slice(0, limit).to_pylist()
    return {
        "columns": table.column_names,
        "rows": [[row[name] for name in table.column_names] for row in rows],
        "truncated": table.num_rows > limit,
    }


def _authenticate(ctx: RequestContext, keys: sigv4.KeyStore) -> None:
    headers = dict(ctx.headers)
    headers.setdefault(sigv4.X_AMZ_CONTENT_SHA256, _EMPTY_SHA256)
    raw_path = ctx.raw_path.split("?", 1)[0]
    auth = sigv4.verify(ctx.method, raw_path, ctx.query_string, headers, keys, time.time())
    ctx.audit.update(principal=auth.principal.user, access_key_id=auth.principal.access_key,
                     auth_type=auth.auth_type, signature_version=auth.signature_version)  # fmt: skip
    if not auth.principal.is_root:
        raise errors.AccessDenied()


def _error(ctx: RequestContext, status: int, code: str, message: str) -> Result:
    ctx.audit["error_code"] = code
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return Result(status, dict(_JSON), body)
