"""AMQP 0-9-1 target (RabbitMQ): publish to a durable exchange with publisher confirms.

Messages are persistent (delivery mode 2) and carry the event id as ``message_id``. Accepted means the
broker confirmed every message (for a durable queue: written to disk). With ``mandatory`` (the default) a
message no queue is bound for comes back and counts as not accepted, so events wait in the outbox until a
queue is bound instead of being dropped by the broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetOptions, all_accepted

if TYPE_CHECKING:
    from aio_pika.abc import AbstractConnection, AbstractExchange

EXCHANGE_TYPES = ("direct", "fanout", "topic", "headers")


@dataclass(frozen=True, slots=True, kw_only=True)
class AmqpOptions(TargetOptions):
    url: str  # amqp://user:password@host:5672/vhost, amqps:// for TLS
    exchange: str  # declared durable; "" is the default exchange, where routing_key names the queue
    routing_key: str = ""
    exchange_type: str = "direct"
    mandatory: bool = True

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        if not self.url.startswith(("amqp://", "amqps://")):
            raise ValueError(f"url must be an amqp:// or amqps:// URL, got {self.url!r}")
        if self.exchange_type not in EXCHANGE_TYPES:
            raise ValueError(f"exchange_type must be one of {', '.join(EXCHANGE_TYPES)}")


@dataclass(frozen=True, slots=True)
class _Link:
    connection: AbstractConnection
    exchange: AbstractExchange


class AmqpTarget(ConnectedTarget[AmqpOptions, _Link]):
    type_name = "amqp"
    options_type = AmqpOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        from aio_pika.exceptions import CONNECTION_EXCEPTIONS

        return CONNECTION_EXCEPTIONS

    async def _open(self) -> _Link:
        import aio_pika

        options = self.options
        connection = await aio_pika.connect(options.url, timeout=options.timeout)
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=options.mandatory)
            if not options.exchange:
                return _Link(connection, channel.default_exchange)
            exchange = await channel.declare_exchange(
                options.exchange, type=options.exchange_type, durable=True
            )
        except BaseException:
            await self._close_quietly(connection.close())
            raise
        return _Link(connection, exchange)

    def _usable(self, conn: _Link) -> bool:
        return not conn.connection.is_closed

    async def _send(self, conn: _Link, batch: Sequence[Delivery]) -> None:
        from aio_pika import DeliveryMode, Message

        messages = [
            Message(
                delivery.body.encode(),
                content_type="application/json",
                delivery_mode=DeliveryMode.PERSISTENT,
                message_id=delivery.event_id,
            )
            for delivery in batch
        ]
        # Publishing them all before awaiting any confirm pipelines the batch over one round trip.
        await all_accepted(
            [
                conn.exchange.publish(m, self.options.routing_key, mandatory=self.options.mandatory)
                for m in messages
            ]
        )

    async def _close(self, conn: _Link) -> None:
        await conn.connection.close()
