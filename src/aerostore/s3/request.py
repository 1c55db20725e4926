"""What an S3 handler receives: the routed, authenticated request and the services it may use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aerostore.auth.sigv4 import AuthResult
from aerostore.http.context import RequestContext
from aerostore.http.streams import BodyReader, Receive, read_small_body
from aerostore.s3.router import Route
from aerostore.storage.engine import Engine

if TYPE_CHECKING:
    from aerostore.access.control import AccessControl


@dataclass(slots=True)
class S3Request:
    ctx: RequestContext
    route: Route
    query: Mapping[str, str]
    auth: AuthResult
    receive: Receive
    engine: Engine
    region: str
    # Whether an ARN names a queue or target events can be sent to (notification configurations).
    destination_exists: Callable[[str], bool] = field(default=lambda arn: False)
    # Authorization (access/control.py), for handlers that authenticate inside (POST object).
    access: AccessControl | None = None
    # The length of a lifecycle "day" (Config.lifecycle_day_seconds): due dates in x-amz-expiration.
    day_seconds: float = 86400.0

    @property
    def headers(self) -> Mapping[str, str]:
        return self.ctx.headers

    @property
    def bucket(self) -> str:
        return self.route.bucket

    @property
    def key(self) -> str:
        return self.route.key

    @property
    def owner(self) -> str:
        return self.auth.principal.user

    def body(self, extra_algorithm: str | None = None) -> BodyReader:
        return BodyReader(self.receive, self.ctx.headers, self.auth, extra_algorithm=extra_algorithm)

    async def xml_body(self, limit: int = 1024 * 1024) -> bytes:
        return await read_small_body(self.receive, self.ctx.headers, self.auth, limit)
