"""`aerostore audit verify`: walk the hash chains of delivered files through the S3 API (chain.py)."""

from __future__ import annotations

import os
from typing import Any

import boto3  # type: ignore[import-untyped]
import click

from aerostore.firehose import chain


def verify(s3: Any, bucket: str, stream: str | None) -> tuple[int, list[chain.Problem]]:
    """(files checked, problems) over one stream's chain, or every chain in ``bucket``."""
    files, problems = 0, []
    for name in [stream] if stream else chain.streams(s3, bucket):
        report = chain.verify(s3, bucket, name)
        files += report.files
        problems += report.problems or []
    return files, problems


@click.command("verify")
@click.option("--bucket", default=lambda: os.environ.get("AEROSTORE_AUDIT_BUCKET", "audit-logs"),
              show_default="audit-logs", help="The bucket the streams deliver to.")  # fmt: skip
@click.option("--stream", help="One delivery stream (default: every stream with a chain in the bucket).")
@click.pass_obj
def verify_command(target: Any, bucket: str, stream: str | None) -> None:
    """Report files modified, deleted or reordered since delivery; exit 1 if there is any."""
    endpoint = target.endpoint()
    s3 = boto3.client("s3", endpoint_url=endpoint.url, aws_access_key_id=endpoint.access_key,
                      aws_secret_access_key=endpoint.secret_key, region_name=endpoint.region)  # fmt: skip
    files, problems = verify(s3, bucket, stream)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{files} files checked in s3://{bucket}: {len(problems)} problem(s)")
    if problems:
        raise SystemExit(1)
