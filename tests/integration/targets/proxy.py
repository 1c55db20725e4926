"""A TCP proxy on loopback that a test can take down, make unresponsive, and bring back on the same port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..server import free_port


@dataclass
class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``127.0.0.1:upstream``.

    ``down()`` closes the port and resets every live connection (a broker that went away);
    ``hang()`` keeps accepting but passes nothing in either direction (a broker that stopped answering);
    ``deaf()`` passes requests but drops every reply (the broker acted, its acknowledgement was lost);
    ``up()`` resets live connections and forwards again.
    """

    upstream: int
    port: int = field(default_factory=free_port)
    requests: bool = True
    replies: bool = True
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def __aenter__(self) -> TcpProxy:
        await self.up()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.down()

    async def up(self) -> None:
        self._reset_all()
        self.requests = self.replies = True
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._reset_all()
        await asyncio.sleep(0)

    def hang(self) -> None:
        self.requests = self.replies = False

    def deaf(self) -> None:
        self.requests, self.replies = True, False

    def _reset_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, upstream_writer}
        await asyncio.gather(
            self._pump(client_reader, upstream_writer, lambda: self.requests),
            self._pump(upstream_reader, client_writer, lambda: self.replies),
        )
        self._writers -= {client_writer, upstream_writer}

    @staticmethod
    async def _pump(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, passing: Callable[[], bool]
    ) -> None:
        try:
            while data := await reader.read(65536):
                if passing():
                    writer.write(data)
                    await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
