"""What the outbox relay hands to an external target, and the connection handling all targets share.

A target accepts a batch only once the broker, database or endpoint has durably taken every message of it
(broker ack, publisher confirm, commit, 2xx). Anything short of that raises ``TargetError`` and the relay
delivers the same batch (same event ids) again later: delivery is at-least-once, so targets that can
de-duplicate on the event id do.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

logger = logging.getLogger("aerostore.events.targets")

DEFAULT_TIMEOUT = 10.0

T = TypeVar("T")
Conn = TypeVar("Conn")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one target. ``event_id`` is unique and stays the same on every redelivery."""

    event_id: str
    body: str


class TargetError(Exception):
    """The target did not accept the batch (down, refused, timed out, rejected); the relay retries it."""


class _ClientFailure(TargetError):
    """The client library failed fast (refused, reset, closed); a reused connection gets one more try."""


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """Settings every target table accepts; the relay enforces them, targets only carry them."""

    max_outbox: int = 100_000
    retry_min: float = 0.5
    retry_max: float = 60.0

    def __post_init__(self) -> None:
        if self.max_outbox < 1:
            raise ValueError(f"max_outbox must be at least 1, got {self.max_outbox}")
        if not 0 < self.retry_min <= self.retry_max:
            raise ValueError(
                f"retry_min and retry_max must satisfy 0 < retry_min <= retry_max, "
                f"got {self.retry_min} and {self.retry_max}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetOptions:
    """Settings of one target type; subclasses add theirs. ``timeout`` bounds each network round trip."""

    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")


class Target(Protocol):
    arn: str
    settings: RelaySettings

    async def deliver(self, batch: Sequence[Delivery]) -> None:
        """Return once the target durably accepted all of ``batch``; raise ``TargetError`` otherwise."""
        ...

    async def close(self) -> None: ...


Options = TypeVar("Options", bound=TargetOptions)


class ConnectedTarget(ABC, Generic[Options, Conn]):
    """A target over one connection, opened on first use and dropped after any failure.

    Dropping and re-opening is what makes a broker that went away and came back work again without a
    restart. A connection that sat idle may have been closed by the peer in the meantime, so a delivery on a
    reused connection that fails fast is tried once more on a fresh one; a timeout is not retried.
    """

    type_name: ClassVar[str]
    options_type: ClassVar[type[TargetOptions]]

    def __init__(self, arn: str, settings: RelaySettings, options: Options) -> None:
        self.arn = arn
        self.settings = settings
        self.options = options
        self._conn: Conn | None = None
        self._lock = asyncio.Lock()
        self._abandoned: set[asyncio.Future[Any]] = set()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.arn}>"

    async def deliver(self, batch: Sequence[Delivery]) -> None:
        if not batch:
            return
        async with self._lock:
            retry = self._conn is not None
            while True:
                try:
                    return await self._attempt(batch)
                except _ClientFailure as exc:
                    if not retry:
                        raise
                    retry = False
                    logger.info("%s: reconnecting after %s", self.arn, exc)

    async def close(self) -> None:
        async with self._lock:
            await self._reset()

    async def _attempt(self, batch: Sequence[Delivery]) -> None:
        timeout = self.options.timeout
        try:
            if self._conn is not None and not self._usable(self._conn):
                await self._reset()
            if self._conn is None:
                self._conn = await self._within(timeout, self._open())
            await self._within(timeout * self._round_trips(batch), self._send(self._conn, batch))
        except TargetError:
            raise
        except BaseException as exc:
            await self._reset()
            if isinstance(exc, self._timeouts()):
                raise TargetError(f"{self.arn}: no answer within {timeout:g} s") from exc
            if isinstance(exc, self._failures()):
                raise _ClientFailure(f"{self.arn}: {type(exc).__name__}: {exc}") from exc
            raise

    async def _reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._close_quietly(self._close(conn))

    async def _close_quietly(self, closing: Awaitable[object]) -> None:
        try:
            await self._within(self.options.timeout, closing)
        except Exception as exc:  # closing a broken connection often fails too; it is dropped anyway
            logger.debug("%s: error while closing: %r", self.arn, exc)

    async def _within(self, seconds: float, work: Awaitable[T]) -> T:
        """Await ``work`` for at most ``seconds``, then abandon it and raise ``TimeoutError``.

        Plain cancellation is not enough: psycopg answers it by asking the server to cancel the query and
        waiting up to 10 s for that, and aiomqtt and botocore block in threads. An abandoned task unwinds in
        the background, bounded by the client library's own timeouts, while the delivery has already failed.
        """
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=seconds)
        except asyncio.CancelledError:
            self._abandon(task)
            raise
        if not done:
            self._abandon(task)
            raise TimeoutError
        return task.result()

    def _abandon(self, task: asyncio.Future[Any]) -> None:
        task.cancel()
        self._abandoned.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Future[Any]) -> None:
        self._abandoned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.debug("%s: abandoned call ended with %r", self.arn, task.exception())

    def _round_trips(self, batch: Sequence[Delivery]) -> int:
        """How many sequential round trips ``_send`` makes for ``batch``; the send timeout scales with it."""
        return 1

    def _usable(self, conn: Conn) -> bool:
        """False when the client already knows its connection is gone (closed by the peer while idle)."""
        return True

    def _timeouts(self) -> tuple[type[BaseException], ...]:
        """Exceptions that mean the service did not answer in time; a timeout is never retried at once."""
        return (TimeoutError,)

    @abstractmethod
    def _failures(self) -> tuple[type[BaseException], ...]:
        """The client library's exceptions that mean "not accepted" (imported lazily)."""

    @abstractmethod
    async def _open(self) -> Conn:
        """Connect and prepare (declare, create); clean up whatever was opened if a later step fails."""

    @abstractmethod
    async def _send(self, conn: Conn, batch: Sequence[Delivery]) -> None:
        """Hand over ``batch`` and wait until the target acknowledged all of it."""

    @abstractmethod
    async def _close(self, conn: Conn) -> None: ...


async def all_accepted(calls: Sequence[Awaitable[object]]) -> None:
    """Run ``calls`` concurrently (pipelined on one connection) and raise the first failure, if any.

    Unlike a bare ``gather`` this waits for every call, so no failure is left unretrieved.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
