"""The media index as JSON at the server's endpoint, read-only, for the console (docs/worker.md).

``GET /-/media`` lists (filters ``aircraft``, ``from``, ``to``, ``status``, ``key``, ``limit``);
``GET /-/media/<sha256-prefix>`` shows an upload and its near-duplicates (``distance``, default 10).
Bucket names cannot start with ``-``, so these paths never shadow an S3 request. Requests are
signed with SigV4 for service ``s3``, as an S3 request is; only the root user may read, since
the index holds GPS positions (users and policies arrive with issue 6).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from aerostore.auth import sigv4
from aerostore.http.context import RequestContext, Result
from aerostore.http.streams import Receive
from aerostore.s3 import errors
from aerostore.worker.index import MediaIndex, captured_bounds

PREFIX = "/-/media"
DEFAULT_DISTANCE = 10
MAX_LIMIT = 1000
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class MediaApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class MediaApi:
    """A routed API: claims ``/-/media`` and answers JSON."""

    def __init__(self, index_path: Path, keys: sigv4.KeyStore) -> None:
        self.index_path = index_path
        self.keys = keys
        self._index: MediaIndex | None = None

    def claims(self, ctx: RequestContext) -> bool:
        path = ctx.raw_path.split("?", 1)[0]
        return path == PREFIX or path.startswith(PREFIX + "/")

    async def handle(self, ctx: RequestContext, receive: Receive) -> Result:
        try:
            if ctx.method not in ("GET", "HEAD"):
                raise MediaApiError(405, "MethodNotAllowed", "The media index is read-only.")
            _authenticate(ctx, self.keys)
            body = await asyncio.to_thread(self._answer, ctx)
            result = Result(200, {"content-type": "application/json"}, json.dumps(body).encode())
        except errors.S3Error as exc:
            result = _error(exc.status, exc.code, exc.text)
            result.audit["error_code"] = exc.code
        except MediaApiError as exc:
            result = _error(exc.status, exc.code, exc.message)
            result.audit["error_code"] = exc.code
        result.audit.update(service="media", operation="GetMedia")
        return result

    def _answer(self, ctx: RequestContext) -> dict[str, Any]:
        if self._index is None:
            self._index = MediaIndex(self.index_path)
        path = unquote(ctx.raw_path.split("?", 1)[0])
        params = dict(parse_qsl(ctx.query_string, keep_blank_values=True))
        if path in (PREFIX, PREFIX + "/"):
            return list_media(self._index, params)
        return show_media(self._index, path[len(PREFIX) + 1 :], params)


def list_media(index: MediaIndex, params: dict[str, str]) -> dict[str, Any]:
    try:
        since, until = captured_bounds(params.get("from"), params.get("to"))
        limit = min(int(params.get("limit", MAX_LIMIT)), MAX_LIMIT)
    except ValueError as exc:
        raise MediaApiError(400, "InvalidArgument", str(exc)) from None
    rows = index.find(
        aircraft=params.get("aircraft"),
        since=since,
        until=until,
        status=params.get("status"),
        key=params.get("key"),
        limit=limit,
    )
    return {"media": [r.to_json() for r in rows], "count": len(rows)}


def show_media(index: MediaIndex, sha_prefix: str, params: dict[str, str]) -> dict[str, Any]:
    if not sha_prefix or any(c not in "0123456789abcdefABCDEF" for c in sha_prefix):
        raise MediaApiError(400, "InvalidArgument", "Expected /-/media/<sha256 prefix, hex>.")
    rows = index.by_sha256(sha_prefix)
    if not rows:
        raise MediaApiError(404, "NoSuchMedia", f"No upload has a SHA-256 starting with {sha_prefix}.")
    try:
        distance = int(params.get("distance", DEFAULT_DISTANCE))
    except ValueError as exc:
        raise MediaApiError(400, "InvalidArgument", str(exc)) from None
    first = rows[0]
    near = index.near_duplicates(first.phash, distance, exclude_sha256=first.sha256) if first.phash else []
    return {
        "media": [r.to_json() for r in rows],
        "nearDuplicates": [{"distance": d, **r.to_json()} for d, r in near],
    }


def _authenticate(ctx: RequestContext, keys: sigv4.KeyStore) -> sigv4.Principal:
    headers = dict(ctx.headers)
    headers.setdefault(sigv4.X_AMZ_CONTENT_SHA256, _EMPTY_SHA256)  # a GET has no body to hash
    raw_path = ctx.raw_path.split("?", 1)[0]
    auth = sigv4.verify(ctx.method, raw_path, ctx.query_string, headers, keys, time.time())
    ctx.audit.update(principal=auth.principal.user, access_key_id=auth.principal.access_key,
                     auth_type=auth.auth_type, signature_version=auth.signature_version)  # fmt: skip
    if not auth.principal.is_root:
        raise errors.AccessDenied()
    return auth.principal


def _error(status: int, code: str, message: str) -> Result:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return Result(status, {"content-type": "application/json"}, body)
