"""The S3 API: parse (route + authenticate), then hand the request to its handler."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import Token
from urllib.parse import parse_qsl

from aerostore.auth import sigv4
from aerostore.events.model import Origin
from aerostore.events.notifier import current_origin
from aerostore.http.context import RequestContext, Result
from aerostore.http.streams import Receive
from aerostore.s3 import errors
from aerostore.s3.handlers import HANDLERS
from aerostore.s3.operations import Operation
from aerostore.s3.request import S3Request
from aerostore.s3.router import decode_path, route, split_host
from aerostore.storage.engine import Engine

Handler = Callable[[S3Request], Awaitable[Result]]


class S3Api:
    def __init__(
        self,
        engine: Engine,
        keys: sigv4.KeyStore,
        *,
        region: str,
        domains: tuple[str, ...],
        destination_exists: Callable[[str], bool] = lambda arn: False,
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.region = region
        self.domains = domains
        self.destination_exists = destination_exists

    async def handle(self, ctx: RequestContext, receive: Receive) -> Result:
        query = dict(parse_qsl(ctx.query_string, keep_blank_values=True))
        path = decode_path(ctx.raw_path.split("?", 1)[0])
        host_bucket = split_host(ctx.host, self.domains)
        target = route(ctx.method, host_bucket, path, query, ctx.headers)
        raw_path = ctx.raw_path.split("?", 1)[0]
        auth = sigv4.verify(
            ctx.method,
            raw_path,
            ctx.query_string,
            ctx.headers,
            self.keys,
            time.time(),
            host_bucket=host_bucket,
        )
        if auth.principal is sigv4.Principal.ANONYMOUS:
            # Bucket policies (issue 6) decide what anonymous callers may do; until then, nothing.
            raise errors.AccessDenied()
        handler = HANDLERS.get(target.op)
        if handler is None or target.op is Operation.Unsupported:
            raise errors.NotImplemented()
        request = S3Request(
            ctx, target, query, auth, receive, self.engine, self.region, self.destination_exists
        )
        token = self._set_origin(ctx, auth.principal)
        try:
            result = await handler(request)
        finally:
            current_origin.reset(token)
        result.audit.setdefault("operation", target.op.value)
        return result

    def _set_origin(self, ctx: RequestContext, principal: sigv4.Principal) -> Token[Origin | None]:
        """Who is asking, for the events this request's changes cause (events/notifier.py)."""
        origin = Origin(self.region, ctx.request_id, ctx.host_id, principal.access_key, "", ctx.remote)
        return current_origin.set(origin)
