"""The S3 API: parse (route + authenticate), then hand the request to its handler."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import Token
from urllib.parse import parse_qsl

from aerostore.access.control import AccessControl
from aerostore.auth import sigv4
from aerostore.events.model import Origin
from aerostore.events.notifier import current_origin
from aerostore.http.context import RequestContext, Result
from aerostore.http.streams import Receive
from aerostore.s3 import errors
from aerostore.s3.handlers import HANDLERS, cors, post_object
from aerostore.s3.operations import Operation
from aerostore.s3.request import S3Request
from aerostore.s3.router import Route, decode_path, route, split_host
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
        access: AccessControl | None = None,
        day_seconds: float = 86400.0,
    ) -> None:
        self.engine = engine
        self.access = access or AccessControl(engine)
        self.keys = keys
        self.region = region
        self.domains = domains
        self.destination_exists = destination_exists
        self.day_seconds = day_seconds

    async def handle(self, ctx: RequestContext, receive: Receive) -> Result:
        """CORS around every answer (s3/handlers/cors.py).

        Preflights are answered before authentication; any other answer, errors included, carries
        the headers of the CORS rule its Origin matches.
        """
        bucket = self._bucket_of(ctx)
        if ctx.method == "OPTIONS":
            return cors.preflight(ctx, self.engine, bucket)
        try:
            result = await self._handle(ctx, receive)
        except errors.S3Error as exc:
            exc.extra_headers.update(cors.response_headers(ctx, self.engine, bucket))
            raise
        result.headers.update(cors.response_headers(ctx, self.engine, bucket))
        return result

    def _bucket_of(self, ctx: RequestContext) -> str:
        host_bucket = split_host(ctx.host, self.domains)
        if host_bucket:
            return host_bucket
        try:
            return decode_path(ctx.raw_path.split("?", 1)[0])[1:].partition("/")[0]
        except errors.S3Error:
            return ""

    async def _handle(self, ctx: RequestContext, receive: Receive) -> Result:
        query = dict(parse_qsl(ctx.query_string, keep_blank_values=True))
        path = decode_path(ctx.raw_path.split("?", 1)[0])
        host_bucket = split_host(ctx.host, self.domains)
        target = route(ctx.method, host_bucket, path, query, ctx.headers)
        ctx.audit.update(operation=target.op.value, bucket=target.bucket, key=target.key)
        if target.op is Operation.PostObject:
            # A browser form: its signature is in the form (auth/post_policy.py), checked as the body is read.
            return await self._post_object(ctx, receive, target, query)
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
        _audit_auth(ctx, auth)
        self.access.authorize(
            principal=auth.principal,
            operation=target.op,
            bucket=target.bucket,
            key=target.key,
            ctx=ctx,
            query=query,
            headers=ctx.headers,
            auth_type=auth.auth_type,
        )
        handler = HANDLERS.get(target.op)
        if handler is None or target.op is Operation.Unsupported:
            raise errors.NotImplemented()
        request = S3Request(
            ctx, target, query, auth, receive, self.engine, self.region, self.destination_exists, self.access
        )
        request.day_seconds = self.day_seconds
        token = self._set_origin(ctx, auth.principal)
        try:
            result = await handler(request)
        finally:
            current_origin.reset(token)
        result.audit.setdefault("operation", target.op.value)
        return result

    async def _post_object(
        self, ctx: RequestContext, receive: Receive, target: Route, query: dict[str, str]
    ) -> Result:
        anonymous = sigv4.AuthResult(sigv4.Principal.ANONYMOUS, sigv4.UNSIGNED_PAYLOAD)
        ctx.audit["auth_type"] = "post-policy"  # the form's policy signature names the principal
        request = S3Request(ctx, target, query, anonymous, receive, self.engine, self.region)
        request.access = self.access
        token = self._set_origin(ctx, anonymous.principal)
        try:
            result = await post_object.post_object(request, self.keys)
        finally:
            current_origin.reset(token)
        result.audit.setdefault("operation", target.op.value)
        return result

    def _set_origin(self, ctx: RequestContext, principal: sigv4.Principal) -> Token[Origin | None]:
        """Who is asking, for the events this request's changes cause (events/notifier.py)."""
        origin = Origin(self.region, ctx.request_id, ctx.host_id, principal.access_key, "", ctx.remote)
        return current_origin.set(origin)


def _audit_auth(ctx: RequestContext, auth: sigv4.AuthResult) -> None:
    """Who signed, for the audit record (audit/recorder.py)."""
    principal = auth.principal
    ctx.audit.update(principal=principal.user, access_key_id=principal.access_key,
                     auth_type=auth.auth_type, signature_version=auth.signature_version)  # fmt: skip
