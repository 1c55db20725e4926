"""Webhook target against a real HTTP server on loopback that records what it is sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aerostore.events.targets import Delivery, Target, TargetError, load_targets
from aerostore.events.targets.webhook import EVENT_ID_HEADER

from .proxy import TcpProxy
from .scenarios import TIMEOUT, down_hung_then_back, make_batch

TOKEN = "Bearer test-token"


@dataclass
class Receiver:
    port: int
    status: int = 200
    received: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def deliveries(self) -> list[Delivery]:
        return [Delivery(headers[EVENT_ID_HEADER.lower()], body) for _, headers, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append((self.path, headers, body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def webhook_target(port: int) -> Target:
    options = {"endpoint": f"http://127.0.0.1:{port}/s3/events", "auth_token": TOKEN, "timeout": TIMEOUT}
    return load_targets({"webhook": {"audit": options}})["arn:aerostore:sqs::audit:webhook"]


def test_deliver_batch_posts_each_event(receiver: Receiver) -> None:
    batch = make_batch(3)
    target = webhook_target(receiver.port)

    async def scenario() -> None:
        await target.deliver(batch)
        await target.close()

    asyncio.run(scenario())
    assert receiver.deliveries() == batch
    for path, headers, _ in receiver.received:
        assert path == "/s3/events"
        assert headers["authorization"] == TOKEN
        assert headers["content-type"] == "application/json"


def test_non_2xx_answer_is_not_accepted(receiver: Receiver) -> None:
    receiver.status = 503
    target = webhook_target(receiver.port)

    async def scenario() -> None:
        with pytest.raises(TargetError, match="503"):
            await target.deliver(make_batch(2))
        receiver.status = 204
        await target.deliver(make_batch(2))
        await target.close()

    asyncio.run(scenario())
    assert len(receiver.received) == 3  # the refused first event, then both again


def test_webhook_down_then_back(receiver: Receiver) -> None:
    async def scenario() -> list[Delivery]:
        async with TcpProxy(receiver.port) as proxy:
            target = webhook_target(proxy.port)
            expected = await down_hung_then_back(proxy, target)
            await target.close()
            return expected

    expected = asyncio.run(scenario())
    assert receiver.deliveries() == expected
