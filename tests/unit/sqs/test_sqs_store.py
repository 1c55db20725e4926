"""The queue store on a real SQLite file: visibility, receipts, redrive, retention, FIFO order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from aerostore.sqs import catalog, errors, store
from aerostore.sqs.digests import md5_of_body
from aerostore.sqs.model import NewMessage, Received, Sent
from aerostore.storage.meta import schema

T0 = 1_700_000_000.0
DLQ_ARN = "arn:aws:sqs:us-east-1:000000000000:dlq"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(tmp_path / "meta.sqlite3", isolation_level=None)
    db.row_factory = sqlite3.Row
    schema.migrate(db)
    yield db
    db.close()


def message(body: str = "m", **kwargs: object) -> NewMessage:
    return NewMessage(body, md5_of_body(body), {}, {}, "tester", **kwargs)  # type: ignore[arg-type]


def send(conn: sqlite3.Connection, queue: str, *bodies: str, now: float = T0, **kwargs: object) -> list[Sent]:
    results = store.send_batch(conn, queue, [message(b, **kwargs) for b in bodies], now)
    assert all(isinstance(r, Sent) for r in results), results
    return results  # type: ignore[return-value]


def receive(conn: sqlite3.Connection, queue: str, now: float, n: int = 10) -> list[Received]:
    return store.receive(conn, queue, n, None, now, dead_letter_queue="dlq", source_arn="arn:src").messages


def test_a_received_message_is_invisible_until_its_timeout(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {"VisibilityTimeout": "30"}, {}, T0)
    send(conn, "q", "a")
    (first,) = receive(conn, "q", T0)
    assert first.receive_count == 1 and first.first_received == T0
    assert receive(conn, "q", T0 + 29) == []
    (again,) = receive(conn, "q", T0 + 30)
    assert again.message_id == first.message_id and again.receive_count == 2
    assert again.receipt_handle != first.receipt_handle and again.first_received == T0


def test_a_stale_handle_deletes_nothing_and_does_not_fail(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {"VisibilityTimeout": "1"}, {}, T0)
    send(conn, "q", "a")
    (first,) = receive(conn, "q", T0)
    (second,) = receive(conn, "q", T0 + 2)
    store.delete(conn, "q", first.receipt_handle, T0 + 2)
    assert store.counts(conn, 1, T0 + 2).in_flight == 1
    store.delete(conn, "q", second.receipt_handle, T0 + 2)
    assert store.counts(conn, 1, T0 + 2) == store.counts(conn, 1, T0 + 100)
    assert store.counts(conn, 1, T0 + 2).in_flight == 0


def test_counts_tell_visible_in_flight_and_delayed(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {}, {}, T0)
    send(conn, "q", "a", "b")
    send(conn, "q", "later", delay=60)
    receive(conn, "q", T0, n=1)
    counts = store.counts(conn, 1, T0)
    assert (counts.visible, counts.in_flight, counts.delayed) == (1, 1, 1)
    assert store.next_visible(conn, 1, T0) == T0 + 30


def test_change_visibility_needs_the_current_receipt_of_a_message_in_flight(
    conn: sqlite3.Connection,
) -> None:
    catalog.create(conn, "q", {}, {}, T0)
    send(conn, "q", "a")
    (got,) = receive(conn, "q", T0)
    store.change_visibility(conn, "q", got.receipt_handle, 0, T0 + 1)
    with pytest.raises(errors.MessageNotInflight):
        store.change_visibility(conn, "q", got.receipt_handle, 10, T0 + 2)
    (again,) = receive(conn, "q", T0 + 2)
    with pytest.raises(errors.InvalidParameterValue):
        store.change_visibility(conn, "q", got.receipt_handle, 10, T0 + 2)
    store.change_visibility(conn, "q", again.receipt_handle, 100, T0 + 2)
    assert receive(conn, "q", T0 + 101) == [] and len(receive(conn, "q", T0 + 102)) == 1


def test_after_max_receive_count_a_message_moves_to_the_dead_letter_queue(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "dlq", {}, {}, T0)
    policy = f'{{"deadLetterTargetArn":"{DLQ_ARN}","maxReceiveCount":2}}'
    catalog.create(conn, "q", {"RedrivePolicy": policy, "VisibilityTimeout": "1"}, {}, T0)
    (sent,) = send(conn, "q", "poison")
    for attempt in range(2):
        (got,) = receive(conn, "q", T0 + 2 * attempt)
        assert got.receive_count == attempt + 1
    outcome = store.receive(conn, "q", 1, None, T0 + 10, dead_letter_queue="dlq", source_arn="arn:src")
    assert outcome.messages == [] and outcome.dead_lettered == {"dlq"}
    (dead,) = receive(conn, "dlq", T0 + 10)
    assert (dead.message_id, dead.body, dead.receive_count) == (sent.message_id, "poison", 1)
    assert dead.source_arn == "arn:src" and dead.sent == T0


def test_messages_past_retention_are_never_received_and_are_swept(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {"MessageRetentionPeriod": "60"}, {}, T0)
    send(conn, "q", "old")
    send(conn, "q", "new", now=T0 + 30)
    got = receive(conn, "q", T0 + 61)
    assert [m.body for m in got] == ["new"]
    send(conn, "q", "newer", now=T0 + 100)
    assert store.sweep(conn, T0 + 95) == 1
    assert store.counts(conn, 1, T0 + 100).visible == 1


def test_oversized_message_fails_alone_in_a_batch(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {"MaximumMessageSize": "1024"}, {}, T0)
    results = store.send_batch(conn, "q", [message("x" * 1025), message("ok")], T0)
    assert isinstance(results[0], errors.InvalidParameterValue) and isinstance(results[1], Sent)


def test_enqueue_sync_inserts_in_the_callers_transaction(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {"DelaySeconds": "5"}, {}, T0)
    conn.execute("BEGIN IMMEDIATE")
    assert store.enqueue_sync(conn, "q", '{"Records": []}', T0)
    assert not store.enqueue_sync(conn, "gone", "x", T0)
    conn.execute("ROLLBACK")
    assert store.counts(conn, 1, T0).delayed == 0
    assert store.enqueue_sync(conn, "q", "x", T0)
    assert store.counts(conn, 1, T0).delayed == 1
    (got,) = receive(conn, "q", T0 + 5)
    assert got.sender == store.SYSTEM_SENDER


def test_deleting_a_queue_drops_its_messages(conn: sqlite3.Connection) -> None:
    catalog.create(conn, "q", {}, {}, T0)
    send(conn, "q", "a")
    catalog.delete(conn, "q")
    catalog.create(conn, "q", {}, {}, T0)
    assert receive(conn, "q", T0) == []
    assert conn.execute("SELECT count(*) FROM sqs_messages").fetchone()[0] == 0


def test_create_is_idempotent_only_with_the_same_attributes(conn: sqlite3.Connection) -> None:
    first, created = catalog.create(conn, "q", {"VisibilityTimeout": "60"}, {}, T0)
    again, created_again = catalog.create(conn, "q", {"VisibilityTimeout": "60"}, {}, T0 + 1)
    assert created and not created_again and again == first
    with pytest.raises(errors.QueueNameExists, match="VisibilityTimeout"):
        catalog.create(conn, "q", {"VisibilityTimeout": "61"}, {}, T0)


# ---- FIFO ----


def fifo(conn: sqlite3.Connection, **attributes: str) -> None:
    catalog.create(conn, "f.fifo", {"FifoQueue": "true", **attributes}, {}, T0)


def test_fifo_group_is_blocked_while_one_of_its_messages_is_in_flight(conn: sqlite3.Connection) -> None:
    fifo(conn)
    for body, group in [("a1", "a"), ("b1", "b"), ("a2", "a"), ("b2", "b")]:
        send(conn, "f.fifo", body, group_id=group, dedup_id=body)
    first = receive(conn, "f.fifo", T0, n=1)
    assert [m.body for m in first] == ["a1"]
    rest = receive(conn, "f.fifo", T0, n=10)
    assert [m.body for m in rest] == ["b1", "b2"]
    assert receive(conn, "f.fifo", T0) == []
    store.delete(conn, "f.fifo", first[0].receipt_handle, T0 + 1)
    assert [m.body for m in receive(conn, "f.fifo", T0 + 1)] == ["a2"]


def test_fifo_redelivers_in_order_after_the_visibility_timeout(conn: sqlite3.Connection) -> None:
    fifo(conn, VisibilityTimeout="5")
    for body in "123":
        send(conn, "f.fifo", body, group_id="g", dedup_id=body)
    assert [m.body for m in receive(conn, "f.fifo", T0, n=2)] == ["1", "2"]
    assert receive(conn, "f.fifo", T0 + 1) == []
    assert [m.body for m in receive(conn, "f.fifo", T0 + 5)] == ["1", "2", "3"]


def test_fifo_deduplicates_for_five_minutes(conn: sqlite3.Connection) -> None:
    fifo(conn, ContentBasedDeduplication="true")
    (a,) = send(conn, "f.fifo", "same", group_id="g")
    (b,) = send(conn, "f.fifo", "same", group_id="g", now=T0 + 299)
    (c,) = send(conn, "f.fifo", "same", group_id="g", now=T0 + 301)
    assert a == b and c.message_id != a.message_id
    assert a.sequence is not None and c.sequence is not None and c.sequence > a.sequence
    assert len(receive(conn, "f.fifo", T0 + 301)) == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"group_id": None, "dedup_id": "d"}, errors.MissingParameter),
        ({"group_id": "g", "dedup_id": None}, errors.InvalidParameterValue),
        ({"group_id": "g", "dedup_id": "d", "delay": 1}, errors.InvalidParameterValue),
    ],
    ids=["no-group", "no-dedup", "per-message-delay"],
)
def test_fifo_send_requirements(
    conn: sqlite3.Connection, kwargs: dict[str, object], error: type[Exception]
) -> None:
    fifo(conn)
    (result,) = store.send_batch(conn, "f.fifo", [message("x", **kwargs)], T0)
    assert isinstance(result, error)


def test_fifo_delete_with_an_expired_handle_fails(conn: sqlite3.Connection) -> None:
    fifo(conn, VisibilityTimeout="1")
    send(conn, "f.fifo", "x", group_id="g", dedup_id="x")
    (got,) = receive(conn, "f.fifo", T0)
    with pytest.raises(errors.InvalidParameterValue, match="expired"):
        store.delete(conn, "f.fifo", got.receipt_handle, T0 + 2)
