"""MQTT target: publish each event to ``topic`` at QoS 1 (or 2) and wait for the broker's PUBACK (PUBCOMP).

Accepted means the broker took responsibility for the message. What it keeps depends on its subscribers:
a broker delivers to the sessions subscribed at that moment (persistent sessions included) and keeps
nothing for a topic nobody subscribes to. MQTT has no de-duplication by id; the JSON carries the event.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetOptions, all_accepted

if TYPE_CHECKING:
    import aiomqtt

PLAIN_SCHEMES = {"tcp": 1883, "mqtt": 1883}
TLS_SCHEMES = {"ssl": 8883, "tls": 8883, "mqtts": 8883}


@dataclass(frozen=True, slots=True, kw_only=True)
class MqttOptions(TargetOptions):
    broker: str  # tcp://host:1883, or ssl:// / tls:// / mqtts:// for TLS
    topic: str
    qos: int = 1
    username: str | None = None
    password: str | None = None
    client_id: str | None = None

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        url = urlsplit(self.broker)
        if url.scheme not in PLAIN_SCHEMES | TLS_SCHEMES or not url.hostname:
            raise ValueError(f"broker must be a tcp://, ssl://, mqtt:// or mqtts:// URL, got {self.broker!r}")
        if self.qos not in (1, 2):
            raise ValueError(f"qos must be 1 or 2 (QoS 0 has no acknowledgement), got {self.qos}")
        if not self.topic or any(c in self.topic for c in "+#"):
            raise ValueError(f"topic must be a topic name without wildcards, got {self.topic!r}")


class MqttTarget(ConnectedTarget[MqttOptions, "aiomqtt.Client"]):
    type_name = "mqtt"
    options_type = MqttOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        import aiomqtt

        return (aiomqtt.MqttError, OSError)

    async def _open(self) -> aiomqtt.Client:
        import aiomqtt

        options = self.options
        url = urlsplit(options.broker)
        tls = url.scheme in TLS_SCHEMES
        client = aiomqtt.Client(
            url.hostname or "",
            url.port or (TLS_SCHEMES | PLAIN_SCHEMES)[url.scheme],
            username=options.username if options.username is not None else _unquoted(url.username),
            password=options.password if options.password is not None else _unquoted(url.password),
            identifier=options.client_id,
            timeout=options.timeout,
            tls_context=ssl.create_default_context() if tls else None,
        )
        try:
            await client.__aenter__()
        except BaseException:
            # A connect that timed out or was abandoned may still hold a socket: release it.
            await self._close_quietly(client.__aexit__(None, None, None))
            raise
        return client

    async def _send(self, conn: aiomqtt.Client, batch: Sequence[Delivery]) -> None:
        options = self.options
        await all_accepted(
            [conn.publish(options.topic, delivery.body.encode(), qos=options.qos) for delivery in batch]
        )

    async def _close(self, conn: aiomqtt.Client) -> None:
        await conn.__aexit__(None, None, None)


def _unquoted(part: str | None) -> str | None:
    return unquote(part) if part is not None else None
