"""The SQS API: read the body, authenticate, parse by protocol, run the action, render.

It answers at the same endpoint as S3. ``claims`` picks its requests out: the JSON protocol's
``X-Amz-Target: AmazonSQS.*``, or a form-encoded POST signed for service ``sqs`` (query
protocol). Every error, SQS's own or unexpected, is rendered here in the request's protocol:
a client never sees a traceback.
"""

from __future__ import annotations

import logging
import uuid
from types import ModuleType
from typing import Any

from aerostore.auth import sigv4
from aerostore.http.context import RequestContext, Result
from aerostore.http.streams import Receive, read_capped
from aerostore.sqs import errors, protocol_json, protocol_query
from aerostore.sqs.actions import ACTIONS, UNSUPPORTED, unsupported
from aerostore.sqs.auth import SERVICE, authenticate
from aerostore.sqs.params import Call
from aerostore.sqs.service import QueueService

log = logging.getLogger("aerostore.sqs")

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # a 1 MiB batch, base64 binary attributes, JSON or form escaping
_SQS_SCOPE = f"/{SERVICE}/{sigv4.TERMINATOR}"


class SqsApi:
    def __init__(self, service: QueueService, keys: sigv4.KeyStore) -> None:
        self.service = service
        self.keys = keys

    def claims(self, ctx: RequestContext) -> bool:
        """Whether a request is for SQS rather than S3."""
        if protocol_json.is_json(ctx):
            return True
        return protocol_query.is_query(ctx) and _SQS_SCOPE in ctx.headers.get(sigv4.AUTHORIZATION, "")

    async def handle(self, ctx: RequestContext, receive: Receive) -> Result:
        codec: ModuleType = protocol_json if protocol_json.is_json(ctx) else protocol_query
        request_id = str(uuid.uuid4())
        ctx.audit["request_id"] = request_id  # the id SQS clients see, in the audit record too
        action = ""
        try:
            body = await read_capped(receive, MAX_REQUEST_BYTES, errors.RequestEntityTooLarge)
            principal = authenticate(ctx, body, self.keys)
            ctx.audit.update(principal=principal.user, access_key_id=principal.access_key, auth_type="header")
            action, params = codec.parse(ctx, body)
            ctx.audit.update(service=SERVICE, operation=action)
            result = await self._run(ctx, action, params, principal)
            response: Result = codec.render(action, result, request_id)
        except errors.SqsError as exc:
            ctx.audit["error_code"] = exc.code
            response = codec.render_error(exc, request_id)
        except Exception:
            log.exception("internal error", extra={"request_id": request_id})
            response = codec.render_error(errors.InternalFailure(), request_id)
        response.audit.update(service=SERVICE, operation=action)
        return response

    async def _run(
        self, ctx: RequestContext, action: str, params: dict[str, Any], principal: sigv4.Principal
    ) -> dict[str, Any]:
        handler = ACTIONS.get(action)
        if handler is None:
            if action in UNSUPPORTED:
                raise unsupported(action)
            codec: Any = protocol_json if protocol_json.is_json(ctx) else protocol_query
            raise codec.unknown_action(action)
        base = base_url(ctx)
        path_url = "" if protocol_json.is_json(ctx) else protocol_query.path_queue_url(ctx, base)
        return await handler(self.service, Call(action, params, base, principal, path_url))


def base_url(ctx: RequestContext) -> str:
    return f"{'https' if ctx.secure else 'http'}://{ctx.host or 'localhost'}"
