"""What a worker is pointed at, and the boto3 clients for it (any S3 endpoint, any SQS endpoint)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aerostore.images import DEFAULT_RENDITIONS, Limits, RenditionSpec
from aerostore.worker import default_concurrency

DEFAULT_PROCESSED_BUCKET = "processed-images"
LONG_POLL_SECONDS = 20  # SQS's longest ReceiveMessage wait
PUTS_PER_IMAGE = 4  # outputs of one image PUT at once
_AWS_SQS_HOST = re.compile(r"(sqs\.[a-z0-9-]+|queue)\.amazonaws\.com(\.cn)?")


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """A worker's endpoints, credentials and limits.

    ``queue_url`` names the queue; ``queue_name`` is resolved with GetQueueUrl when there is no
    URL (the in-process worker knows only the name). Credentials left ``None`` come from
    boto3's chain (environment, shared files, instance role).
    """

    queue_url: str = ""
    queue_name: str = ""
    s3_endpoint: str | None = None
    sqs_endpoint: str | None = None
    region: str = "us-east-1"
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    verify: bool | str | None = None
    processed_bucket: str = DEFAULT_PROCESSED_BUCKET
    concurrency: int = field(default_factory=default_concurrency)
    index_path: Path | None = None
    limits: Limits = Limits()
    renditions: tuple[RenditionSpec, ...] = DEFAULT_RENDITIONS
    keep_original: bool = False
    wait_seconds: int = LONG_POLL_SECONDS

    def __post_init__(self) -> None:
        if not (self.queue_url or self.queue_name):
            raise ValueError("a queue URL (or name) is required")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 0 <= self.wait_seconds <= LONG_POLL_SECONDS:
            raise ValueError("wait_seconds must be 0 to 20")

    @property
    def sqs_endpoint_url(self) -> str | None:
        """The SQS endpoint: as given, else the queue URL's origin unless that is AWS's own."""
        if self.sqs_endpoint:
            return self.sqs_endpoint
        if not self.queue_url:
            return self.s3_endpoint
        parts = urlsplit(self.queue_url)
        if _AWS_SQS_HOST.fullmatch(parts.hostname or ""):
            return None
        return f"{parts.scheme}://{parts.netloc}"


def clients(settings: WorkerSettings) -> tuple[Any, Any]:
    """Thread-safe boto3 S3 and SQS clients with a connection per concurrent image (and the receiver)."""
    import boto3  # type: ignore[import-untyped]
    import botocore.config  # type: ignore[import-untyped]

    session = boto3.session.Session(
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        aws_session_token=settings.session_token,
        region_name=settings.region,
    )
    config = botocore.config.Config(
        # the receiver, visibility extensions, and each image's HEAD/GET then its parallel PUTs
        max_pool_connections=settings.concurrency * PUTS_PER_IMAGE + 2,
        retries={"mode": "standard", "max_attempts": 3},
        # A long poll waits up to 20 s for a message before answering.
        read_timeout=settings.wait_seconds + 40,
    )
    s3 = session.client("s3", endpoint_url=settings.s3_endpoint, verify=settings.verify, config=config)
    sqs = session.client("sqs", endpoint_url=settings.sqs_endpoint_url, verify=settings.verify, config=config)
    return s3, sqs
