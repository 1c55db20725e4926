"""SQS target: any SQS endpoint, real AWS included, through botocore's client in a worker thread.

Events go out with SendMessageBatch, at most 10 messages and 256 KiB per request; accepted means SQS
stored every entry (any ``Failed`` entry fails the batch). On a FIFO queue (``.fifo``) the event id is the
MessageDeduplicationId, so SQS drops a redelivery within its 5-minute de-duplication interval.
See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aerostore.events.targets.base import ConnectedTarget, Delivery, TargetError, TargetOptions

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = 256 * 1024
DEFAULT_REGION = "us-east-1"
# MessageDeduplicationId: up to 128 characters from a-z, A-Z, 0-9 and punctuation.
_DEDUP_ID = re.compile(r"[!-~]{1,128}")
_AWS_HOST = re.compile(r"sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?")


@dataclass(frozen=True, slots=True, kw_only=True)
class SqsOptions(TargetOptions):
    queue_url: str
    endpoint: str | None = None  # default: the AWS endpoint of the region
    region: str | None = None  # default: from an AWS queue URL, else us-east-1
    access_key: str | None = None  # default (with secret_key): botocore's credential chain
    secret_key: str | None = None
    session_token: str | None = None
    message_group_id: str = "aerostore"  # FIFO queues only

    def __post_init__(self) -> None:
        TargetOptions.__post_init__(self)
        if urlsplit(self.queue_url).scheme not in ("http", "https"):
            raise ValueError(f"queue_url must be an http(s) URL, got {self.queue_url!r}")
        if (self.access_key is None) != (self.secret_key is None):
            raise ValueError("access_key and secret_key go together")

    @property
    def region_name(self) -> str:
        if self.region:
            return self.region
        match = _AWS_HOST.fullmatch(urlsplit(self.queue_url).hostname or "")
        return match.group(1) if match else DEFAULT_REGION

    @property
    def fifo(self) -> bool:
        return self.queue_url.rstrip("/").endswith(".fifo")


class SqsTarget(ConnectedTarget[SqsOptions, Any]):
    type_name = "sqs"
    options_type = SqsOptions

    def _failures(self) -> tuple[type[BaseException], ...]:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        return (BotoCoreError, ClientError, OSError)

    def _timeouts(self) -> tuple[type[BaseException], ...]:
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

        return (TimeoutError, ConnectTimeoutError, ReadTimeoutError)

    async def _open(self) -> Any:
        return await asyncio.to_thread(self._client)

    def _client(self) -> Any:
        import botocore.config  # type: ignore[import-untyped]
        import botocore.session  # type: ignore[import-untyped]

        options = self.options
        config = botocore.config.Config(
            connect_timeout=options.timeout,
            read_timeout=options.timeout,
            retries={"total_max_attempts": 1},  # the relay retries, with its own backoff
        )
        return botocore.session.Session().create_client(
            "sqs",
            region_name=options.region_name,
            endpoint_url=options.endpoint,
            aws_access_key_id=options.access_key,
            aws_secret_access_key=options.secret_key,
            aws_session_token=options.session_token,
            config=config,
        )

    async def _send(self, conn: Any, batch: Sequence[Delivery]) -> None:
        for group in batches(batch):
            entries = [self._entry(index, delivery) for index, delivery in enumerate(group)]
            reply = await asyncio.to_thread(
                conn.send_message_batch, QueueUrl=self.options.queue_url, Entries=entries
            )
            if failed := reply.get("Failed"):
                first = failed[0]
                raise TargetError(
                    f"{self.arn}: SQS refused {len(failed)} of {len(entries)} messages "
                    f"({first.get('Code')}: {first.get('Message')})"
                )

    def _entry(self, index: int, delivery: Delivery) -> dict[str, str]:
        entry = {"Id": f"m{index}", "MessageBody": delivery.body}
        if self.options.fifo:
            entry["MessageDeduplicationId"] = dedup_id(delivery.event_id)
            entry["MessageGroupId"] = self.options.message_group_id
        return entry

    def _round_trips(self, batch: Sequence[Delivery]) -> int:
        return len(batches(batch))

    async def _close(self, conn: Any) -> None:
        await asyncio.to_thread(conn.close)


def batches(batch: Sequence[Delivery]) -> list[list[Delivery]]:
    """Consecutive groups within SendMessageBatch's limits of 10 entries and 256 KiB of bodies."""
    groups: list[list[Delivery]] = []
    size = 0
    for delivery in batch:
        length = len(delivery.body.encode())
        if not groups or len(groups[-1]) == MAX_BATCH_ENTRIES or size + length > MAX_BATCH_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(delivery)
        size += length
    return groups


def dedup_id(event_id: str) -> str:
    """The event id as a MessageDeduplicationId; hashed when it has characters or a length SQS refuses."""
    return event_id if _DEDUP_ID.fullmatch(event_id) else hashlib.sha256(event_id.encode()).hexdigest()
