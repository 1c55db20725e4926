"""QueueService on a real database: long polling without busy-waiting, the events interface."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from aerostore.sqs import errors, store
from aerostore.sqs.service import QueueService
from aerostore.storage.meta.db import Database

Scenario = Callable[[QueueService], Awaitable[None]]


def run(tmp_path: Path, scenario: Scenario) -> None:
    async def main() -> None:
        db = Database(tmp_path / "meta.sqlite3", synchronous="NORMAL")
        await db.start()
        service = QueueService(db, region="us-east-1")
        await service.start()
        try:
            await scenario(service)
        finally:
            await service.close()
            await db.close()

    asyncio.run(main())


def test_a_long_poll_answers_as_soon_as_a_message_is_sent(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        await svc.create_queue("q", {}, {})
        started = time.monotonic()
        waiter = asyncio.create_task(svc.receive("q", max_messages=1, visibility=None, wait=10))
        await asyncio.sleep(0.5)
        jobs = svc.db.stats.jobs
        await svc.send("q", "hello")
        (got,) = await waiter
        assert got.body == "hello" and time.monotonic() - started < 2
        assert svc.db.stats.jobs - jobs <= 2  # the send and one receive: the waiter slept until woken

    run(tmp_path, scenario)


def test_an_idle_long_poll_runs_no_write_and_times_out(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        await svc.create_queue("q", {}, {})
        jobs = svc.db.stats.jobs
        started = time.monotonic()
        assert await svc.receive("q", max_messages=10, visibility=None, wait=1) == []
        assert 0.9 < time.monotonic() - started < 1.5
        assert svc.db.stats.jobs == jobs

    run(tmp_path, scenario)


def test_a_long_poll_wakes_when_a_delayed_message_becomes_visible(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        await svc.create_queue("q", {"DelaySeconds": "1"}, {})
        await svc.send("q", "later")
        started = time.monotonic()
        (got,) = await svc.receive("q", max_messages=1, visibility=None, wait=5)
        assert got.body == "later" and 0.9 < time.monotonic() - started < 2

    run(tmp_path, scenario)


def test_concurrent_receivers_never_share_a_message(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        await svc.create_queue("q", {}, {})
        sent = set(await asyncio.gather(*(svc.send("q", f"m{i}") for i in range(60))))

        async def drain() -> list[str]:
            ids = []
            while got := await svc.receive("q", max_messages=3, visibility=None, wait=0):
                ids += [m.message_id for m in got]
            return ids

        batches = await asyncio.gather(*(drain() for _ in range(8)))
        received = [i for batch in batches for i in batch]
        assert len(received) == len(set(received)) == 60 and set(received) == sent

    run(tmp_path, scenario)


def test_close_releases_long_polls(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        await svc.create_queue("q", {}, {})
        waiter = asyncio.create_task(svc.receive("q", max_messages=1, visibility=None, wait=20))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await svc.close()
        assert await waiter == [] and time.monotonic() - started < 1

    run(tmp_path, scenario)


def test_ensure_queue_and_arn_lookup_for_the_event_relay(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        dlq_arn = await svc.ensure_queue("image-processing-dlq", {"MessageRetentionPeriod": "1209600"})
        policy = f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}'
        arn = await svc.ensure_queue("image-processing", {"RedrivePolicy": policy})
        assert arn == "arn:aws:sqs:us-east-1:000000000000:image-processing"
        assert await svc.ensure_queue("image-processing", {"VisibilityTimeout": "99"}) == arn
        assert svc.get_queue("image-processing").int_attribute("VisibilityTimeout") == 30
        assert svc.queue_name_for_arn(arn) == "image-processing"
        assert svc.queue_name_for_arn("arn:aws:sqs:eu-west-1:000000000000:image-processing") is None
        assert svc.queue_name_for_arn("arn:aws:sqs:us-east-1:000000000000:missing") is None
        assert await svc.ensure_queue("events.fifo", {}) == "arn:aws:sqs:us-east-1:000000000000:events.fifo"
        assert svc.get_queue("events.fifo").fifo

    run(tmp_path, scenario)


def test_enqueue_sync_then_notify_wakes_a_long_poll(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        await svc.ensure_queue("q", {})
        waiter = asyncio.create_task(svc.receive("q", max_messages=1, visibility=None, wait=10))
        await asyncio.sleep(0.2)
        assert await svc.db.write(lambda c: store.enqueue_sync(c, "q", "event", time.time()))
        svc.notify("q")
        (got,) = await asyncio.wait_for(waiter, 2)
        assert got.body == "event"

    run(tmp_path, scenario)


def test_redrive_policy_needs_an_existing_dead_letter_queue(tmp_path: Path) -> None:
    async def scenario(svc: QueueService) -> None:
        policy = '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":1}'
        with pytest.raises(errors.InvalidParameterValue, match="does not exist"):
            await svc.create_queue("q", {"RedrivePolicy": policy}, {})

    run(tmp_path, scenario)
