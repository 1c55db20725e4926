"""The receive loop: long-poll the queue, hand messages to a bounded pool, delete what is settled.

- At most ``concurrency`` messages are held at once (one image each in memory): the receiver
  asks for as many messages as there are free slots, never more than 10 (SQS's maximum).
- A message is deleted only after every upload it names is settled (its outputs PUT and
  acknowledged, or it was rejected). Anything else leaves it on the queue: it comes back
  after the visibility timeout, and after ``maxReceiveCount`` receives the queue's redrive
  policy moves it to the dead-letter queue. The last attempt records ``failed`` and tags
  the original.
- While a message is being worked on its visibility is extended every half timeout, so a
  slow image is not handed to a second worker; a killed worker extends nothing and the
  message comes back.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import Counter
from typing import Any

from aerostore.worker.events import BadMessage, Upload, parse_message
from aerostore.worker.index import MediaIndex
from aerostore.worker.pipeline import Pipeline
from aerostore.worker.settings import WorkerSettings, clients

log = logging.getLogger("aerostore.worker")

RECEIVE_COUNT = "ApproximateReceiveCount"
MAX_MESSAGES = 10
DEFAULT_VISIBILITY = 30
MAX_BACKOFF = 30.0
DESCRIBE_EVERY = 300.0  # seconds between reads of the queue's visibility timeout and redrive policy


class ImageWorker:
    """``aerostore worker images``: one receiver thread and ``concurrency`` processing threads."""

    def __init__(self, settings: WorkerSettings, *, s3: Any = None, sqs: Any = None) -> None:
        self.settings = settings
        if s3 is None or sqs is None:
            s3, sqs = clients(settings)
        self.s3, self.sqs = s3, sqs
        self.index = MediaIndex(settings.index_path) if settings.index_path else None
        self.pipeline = Pipeline(s3, self.index, settings)
        self.queue_url = settings.queue_url
        self.max_receives: int | None = None
        self.visibility = DEFAULT_VISIBILITY
        self._described_at = -DESCRIBE_EVERY
        self.counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._inbox: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._leases: dict[str, float] = {}  # receipt handle -> when its visibility was last set
        self._leases_lock = threading.Lock()
        # Newer SDKs name the parameter MessageSystemAttributeNames; AttributeNames is its deprecated alias.
        members = sqs.meta.service_model.operation_model("ReceiveMessage").input_shape.members
        name = "MessageSystemAttributeNames" if "MessageSystemAttributeNames" in members else "AttributeNames"
        self._receive_count = {name: [RECEIVE_COUNT]}

    # ---- running ----

    def run(self, stop: threading.Event, *, drain_seconds: float = 30.0) -> None:
        """Work until ``stop`` is set, then wait up to ``drain_seconds`` for messages in hand."""
        if logging.getLogger("pyvips").level == logging.NOTSET:
            logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips narrates every resize at INFO
        threads = [
            threading.Thread(target=self._work, name=f"image-worker-{i}", daemon=True)
            for i in range(self.settings.concurrency)
        ]
        threads.append(
            threading.Thread(target=self._receive_forever, args=(stop,), name="image-receiver", daemon=True)
        )
        threads.append(
            threading.Thread(target=self._extend_forever, args=(stop,), name="image-leases", daemon=True)
        )
        for thread in threads:
            thread.start()
        stop.wait()
        self._drain(drain_seconds)
        if self.index is not None:
            self.index.close()

    def _drain(self, seconds: float) -> None:
        """Wait for the messages in hand (received, not yet settled), at most ``seconds``."""
        deadline = time.monotonic() + seconds
        while self._leases and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._leases:
            log.warning(
                "stopping with %d message(s) in progress; they will be delivered again", len(self._leases)
            )

    def _receive_forever(self, stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                if time.monotonic() - self._described_at > DESCRIBE_EVERY:
                    self._describe_queue()
                self._receive_once(stop)
                backoff = 0.5
            except Exception as exc:
                if stop.is_set():
                    return  # the endpoint going away as we stop is no news
                log.warning(
                    "receiving from %s: %s (retrying in %.1f s)", self.queue_url or "the queue", exc, backoff
                )
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _receive_once(self, stop: threading.Event) -> None:
        if not self._slots.acquire(timeout=1.0):
            return
        free = 1
        while free < MAX_MESSAGES and self._slots.acquire(blocking=False):
            free += 1
        messages: list[dict[str, Any]] = []
        try:
            if not stop.is_set():
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=free,
                    WaitTimeSeconds=self.settings.wait_seconds,
                    **self._receive_count,
                ).get("Messages", [])
        finally:
            for _ in range(free - len(messages)):
                self._slots.release()
        now = time.monotonic()
        for message in messages:
            with self._leases_lock:
                self._leases[message["ReceiptHandle"]] = now
            self._inbox.put(message)

    def _describe_queue(self) -> None:
        """The queue URL (from its name), its visibility timeout and its redrive maxReceiveCount."""
        if not self.queue_url:
            self.queue_url = self.sqs.get_queue_url(QueueName=self.settings.queue_name)["QueueUrl"]
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
        ).get("Attributes", {})
        self.visibility = int(attrs.get("VisibilityTimeout", DEFAULT_VISIBILITY))
        redrive = json.loads(attrs["RedrivePolicy"]) if attrs.get("RedrivePolicy") else {}
        self.max_receives = int(redrive.get("maxReceiveCount", 0))  # 0: no dead-letter queue
        first = self._described_at < 0
        self._described_at = time.monotonic()
        if not first:
            return
        dead_letter = f"dead letter after {self.max_receives} receives" if self.max_receives else "no DLQ"
        log.info(
            "image worker on %s (visibility %d s, %s, %d at a time)",
            self.queue_url,
            self.visibility,
            dead_letter,
            self.settings.concurrency,
        )

    def _work(self) -> None:
        while (message := self._inbox.get()) is not None:
            try:
                self.handle_message(message)
            except Exception:
                log.exception("image worker: unexpected error")
            finally:
                with self._leases_lock:
                    self._leases.pop(message["ReceiptHandle"], None)
                self._slots.release()

    # ---- one message ----

    def handle_message(self, message: dict[str, Any]) -> bool:
        """Settle every upload of ``message`` and delete it; False (message kept) if one failed."""
        receipt = message["ReceiptHandle"]
        attempts = int((message.get("Attributes") or {}).get(RECEIVE_COUNT, "1"))
        try:
            uploads = parse_message(message.get("Body", ""))
        except BadMessage as exc:
            log.error(
                "message %s is not an S3 event (%s); left for the dead-letter queue",
                message.get("MessageId"),
                exc,
            )
            self._count("bad-message")
            return False
        for upload in uploads:
            try:
                record = self.pipeline.handle(upload)
            except Exception as exc:
                self._failed(upload, exc, attempts)
                return False
            self._count(record.status if record is not None else "gone")
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
        self._count("deleted")
        return True

    def _failed(self, upload: Upload, exc: Exception, attempts: int) -> None:
        final = bool(self.max_receives) and attempts >= (self.max_receives or 0)
        log.warning(
            "attempt %d failed for %s: %r%s",
            attempts,
            upload.source,
            exc,
            " (last attempt: dead-letter queue next)" if final else "",
        )
        self._count("failed")
        try:
            self.pipeline.record_failure(upload, f"attempt {attempts}: {exc!r}", attempts, final=final)
        except Exception as record_exc:
            log.warning("%s: could not record the failure: %r", upload.source, record_exc)

    def _count(self, what: str) -> None:
        with self._counts_lock:
            self.counts[what] += 1

    # ---- visibility ----

    def _extend_forever(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            half = max(self.visibility / 2, 1.0)
            now = time.monotonic()
            with self._leases_lock:
                due = [receipt for receipt, since in self._leases.items() if now - since >= half]
                for receipt in due:
                    self._leases[receipt] = now
            for receipt in due:
                try:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=self.visibility
                    )
                except Exception as exc:
                    log.warning("could not extend a message's visibility: %s", exc)
