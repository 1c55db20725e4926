"""NATS JetStream target: publish to ``subject`` and wait for the stream's PubAck.

The stream must be the one that stores the message (``Nats-Expected-Stream``); it is created covering
``subject`` when missing, and left as it is when it exists. Every message carries ``Nats-Msg-Id`` = the
event id, so the server drops a redelivery that arrives within the stream's duplicate window.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetOptions, all_accepted

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js import JetStreamContext

logger = logging.getLogger("aerostore.events.targets")

MSG_ID_HEADER = "Nats-Msg-Id"


@dataclass(frozen=True, slots=True, kw_only=True)
class NatsOptions(TargetOptions):
    url: str  # nats://[user:password@]host:4222, tls:// for TLS
    subject: str
    stream: str
    duplicate_window: float = 120.0  # seconds; used only when this target creates the stream

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        if not self.url.startswith(("nats://", "tls://")):
            raise ValueError(f"url must be a nats:// or tls:// URL, got {self.url!r}")
        if not self.subject or any(c in self.subject for c in " *>"):
            raise ValueError(f"subject must be literal (no spaces or wildcards), got {self.subject!r}")
        if not self.stream or any(c in self.stream for c in " .*>"):
            raise ValueError(f"stream must be a name without spaces, '.', '*' or '>', got {self.stream!r}")


@dataclass(frozen=True, slots=True)
class _Link:
    client: Client
    jetstream: JetStreamContext


class NatsTarget(ConnectedTarget[NatsOptions, _Link]):
    type_name = "nats"
    options_type = NatsOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        import nats.errors

        return (nats.errors.Error, OSError)

    async def _open(self) -> _Link:
        import nats

        options = self.options
        # No client-side reconnecting: a lost connection fails the delivery and the next one reconnects.
        # max_reconnect_attempts=0 would mean "try forever" while connecting; 1 with no wait fails fast.
        client = await nats.connect(
            options.url,
            name="aerostore",
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            connect_timeout=math.ceil(options.timeout),
            error_cb=self._on_error,
        )
        try:
            jetstream = client.jetstream(timeout=options.timeout)
            await self._ensure_stream(jetstream)
        except BaseException:
            await self._close_quietly(client.close())
            raise
        return _Link(client, jetstream)

    async def _ensure_stream(self, jetstream: JetStreamContext) -> None:
        from nats.js.errors import NotFoundError

        try:
            await jetstream.stream_info(self.options.stream)
        except NotFoundError:
            await jetstream.add_stream(
                name=self.options.stream,
                subjects=[self.options.subject],
                duplicate_window=self.options.duplicate_window,
            )

    def _usable(self, conn: _Link) -> bool:
        # A request on a client that has closed meanwhile waits for its timeout instead of failing.
        return bool(conn.client.is_connected)

    async def _send(self, conn: _Link, batch: Sequence[Delivery]) -> None:
        options = self.options
        await all_accepted(
            [
                conn.jetstream.publish(
                    options.subject,
                    delivery.body.encode(),
                    timeout=options.timeout,
                    stream=options.stream,
                    headers={MSG_ID_HEADER: delivery.event_id},
                )
                for delivery in batch
            ]
        )

    async def _close(self, conn: _Link) -> None:
        await conn.client.close()

    async def _on_error(self, exc: Exception) -> None:
        logger.debug("%s: %r", self.arn, exc)
