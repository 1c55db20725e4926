"""Webhook target: one HTTP POST per event; any 2xx answer means accepted.

The endpoint can de-duplicate redeliveries on the ``X-Aerostore-Event-Id`` header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetError, TargetOptions

if TYPE_CHECKING:
    import httpx

EVENT_ID_HEADER = "X-Aerostore-Event-Id"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookOptions(TargetOptions):
    endpoint: str
    auth_token: str | None = None  # sent as the Authorization header, verbatim ("Bearer xyz")

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        url = urlsplit(self.endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"endpoint must be an http:// or https:// URL, got {self.endpoint!r}")


class WebhookTarget(ConnectedTarget[WebhookOptions, "httpx.AsyncClient"]):
    type_name = "webhook"
    options_type = WebhookOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        import httpx

        return (httpx.HTTPError, OSError)

    def _timeouts(self) -> tuple[type[BaseException], ...]:
        import httpx

        return (TimeoutError, httpx.TimeoutException)

    async def _open(self) -> httpx.AsyncClient:
        import httpx

        headers = {"Content-Type": "application/json"}
        if self.options.auth_token:
            headers["Authorization"] = self.options.auth_token
        return httpx.AsyncClient(headers=headers, timeout=self.options.timeout)

    async def _send(self, conn: httpx.AsyncClient, batch: Sequence[Delivery]) -> None:
        for delivery in batch:
            response = await conn.post(
                self.options.endpoint,
                content=delivery.body.encode(),
                headers={EVENT_ID_HEADER: delivery.event_id},
            )
            if not response.is_success:
                raise TargetError(f"{self.arn}: the endpoint answered {response.status_code}")

    def _round_trips(self, batch: Sequence[Delivery]) -> int:
        return len(batch)

    async def _close(self, conn: httpx.AsyncClient) -> None:
        await conn.aclose()
