"""Redis target: XADD to a stream, fields ``event`` (the JSON body) and ``id`` (the event id).

A batch goes in one MULTI/EXEC, so it is all in the stream or none of it. Accepted means the server
applied it; whether that survives a Redis restart depends on the server's AOF/RDB settings. Streams have
no de-duplication: consumers that must not see an event twice skip ids they have seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetOptions

if TYPE_CHECKING:
    import redis.asyncio


@dataclass(frozen=True, slots=True, kw_only=True)
class RedisOptions(TargetOptions):
    url: str  # redis://[user:password@]host:port/db, rediss:// for TLS
    stream: str

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"url must be a redis://, rediss:// or unix:// URL, got {self.url!r}")
        if not self.stream:
            raise ValueError("stream must not be empty")


class RedisTarget(ConnectedTarget[RedisOptions, "redis.asyncio.Redis"]):
    type_name = "redis"
    options_type = RedisOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        import redis.exceptions

        return (redis.exceptions.RedisError, OSError)

    def _timeouts(self) -> tuple[type[BaseException], ...]:
        import redis.exceptions

        return (TimeoutError, redis.exceptions.TimeoutError)

    async def _open(self) -> redis.asyncio.Redis:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        timeout = self.options.timeout
        # The relay retries with its own backoff; the client's retries would only stretch the timeout.
        client = redis.asyncio.Redis.from_url(
            self.options.url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            await client.ping()
        except BaseException:
            await client.aclose()
            raise
        return client

    async def _send(self, conn: redis.asyncio.Redis, batch: Sequence[Delivery]) -> None:
        async with conn.pipeline(transaction=True) as pipe:
            for delivery in batch:
                fields: dict[Any, Any] = {"event": delivery.body, "id": delivery.event_id}
                pipe.xadd(self.options.stream, fields)
            await pipe.execute()

    async def _close(self, conn: redis.asyncio.Redis) -> None:
        await conn.aclose()
