"""`aerostore worker images`: the image worker on its own, against any S3 + SQS endpoints."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from aerostore.config import DEFAULT_DATA_DIR
from aerostore.worker import default_concurrency

DEFAULT_INDEX = str(Path(DEFAULT_DATA_DIR) / "media.sqlite3")


@click.group("worker")
def worker_group() -> None:
    """Pipeline workers that run beside (or without) the server."""


@worker_group.command("images")
@click.option(
    "--queue-url",
    required=True,
    envvar="AEROSTORE_WORKER_QUEUE_URL",
    help="The queue the S3 events arrive on (SQS URL).",
)
@click.option("--s3-endpoint", envvar="AEROSTORE_WORKER_S3_ENDPOINT", help="S3 endpoint URL (default: AWS).")
@click.option(
    "--sqs-endpoint",
    envvar="AEROSTORE_WORKER_SQS_ENDPOINT",
    help="SQS endpoint URL (default: the queue URL's origin, or AWS for an AWS queue URL).",
)
@click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], default="us-east-1", show_default=True)
@click.option("--access-key", envvar="AWS_ACCESS_KEY_ID", help="Default: boto3's credential chain.")
@click.option("--secret-key", envvar="AWS_SECRET_ACCESS_KEY")
@click.option("--no-verify-ssl", is_flag=True, help="Do not check the endpoints' TLS certificates.")
@click.option(
    "--processed-bucket", default="processed-images", show_default=True, envvar="AEROSTORE_PROCESSED_BUCKET"
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=default_concurrency,
    show_default="number of cores",
    help="Images processed (and held in memory) at once.",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_INDEX,
    envvar="AEROSTORE_MEDIA_INDEX",
    show_default=True,
    help="The media index (SQLite file).",
)
@click.option("--max-bytes", type=click.IntRange(min=1), help="Largest upload accepted [100 MiB].")
@click.option("--max-pixels", type=click.IntRange(min=1), help="Most pixels decoded [100 MP].")
@click.option("--max-width", type=click.IntRange(min=1), help="Widest image accepted [30000].")
@click.option("--max-height", type=click.IntRange(min=1), help="Tallest image accepted [30000].")
@click.option("--keep-original", is_flag=True, help="Also store the validated original.")
@click.option(
    "--wait-seconds",
    type=click.IntRange(0, 20),
    default=20,
    show_default=True,
    help="ReceiveMessage long-poll wait.",
)
def images_command(
    queue_url: str,
    s3_endpoint: str | None,
    sqs_endpoint: str | None,
    region: str,
    access_key: str | None,
    secret_key: str | None,
    no_verify_ssl: bool,
    processed_bucket: str,
    concurrency: int,
    index_path: Path,
    max_bytes: int | None,
    max_pixels: int | None,
    max_width: int | None,
    max_height: int | None,
    keep_original: bool,
    wait_seconds: int,
) -> None:
    """Process uploads announced on an SQS queue into renditions in the processed bucket."""
    from aerostore.images import Limits
    from aerostore.worker.runner import ImageWorker
    from aerostore.worker.settings import WorkerSettings

    if (access_key is None) != (secret_key is None):
        raise click.UsageError("--access-key and --secret-key go together")
    given = {
        "max_bytes": max_bytes,
        "max_pixels": max_pixels,
        "max_width": max_width,
        "max_height": max_height,
    }
    limits = Limits(**{name: value for name, value in given.items() if value is not None})
    settings = WorkerSettings(
        queue_url=queue_url,
        s3_endpoint=s3_endpoint,
        sqs_endpoint=sqs_endpoint,
        region=region,
        access_key=access_key,
        secret_key=secret_key,
        verify=False if no_verify_ssl else None,
        processed_bucket=processed_bucket,
        concurrency=concurrency,
        index_path=index_path,
        limits=limits,
        keep_original=keep_original,
        wait_seconds=wait_seconds,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ImageWorker(settings).run(stop)
