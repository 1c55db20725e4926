"""`aerostore serve`: run the whole platform on one machine."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import uvicorn

from aerostore.access.public import BUCKET_OWNER_ENFORCED, OWNERSHIPS
from aerostore.app import build_app
from aerostore.cli.options import data_dir_option
from aerostore.config import (
    DEFAULT_ADDRESS,
    Config,
    parse_address,
    read_config_file,
    root_credentials,
)
from aerostore.events.targets import load_targets
from aerostore.worker import default_concurrency


def serve(config: Config) -> None:
    """Start the S3 API on the configured address and block until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    creds = root_credentials(config.data_dir)
    scheme = "https" if config.tls_cert else "http"
    click.echo(f"aerostore S3 API: {scheme}://{config.host}:{config.port}  data: {config.data_dir}")
    if creds.generated:
        click.echo("Root credentials were generated; they are shown only this once:")
        click.echo(f"  AccessKey: {creds.user}\n  SecretKey: {creds.password}")
    app = build_app(config, creds)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
        ssl_keyfile=str(config.tls_key) if config.tls_key else None,
        lifespan="on",
        server_header=False,
        log_level="warning",
        timeout_keep_alive=30,
        backlog=2048,
    )


@click.command("serve")
@data_dir_option("Where object data and the SQLite metadata live.")
@click.option(
    "--address", default=DEFAULT_ADDRESS, envvar="AEROSTORE_ADDRESS", show_default=True, help="HOST:PORT"
)
@click.option("--region", default="us-east-1", envvar="AEROSTORE_REGION", show_default=True)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    envvar="AEROSTORE_DOMAIN",
    help="Domain for virtual-hosted-style requests (BUCKET.DOMAIN); repeatable.",
)
@click.option("--tls-cert", type=click.Path(exists=True, path_type=Path), envvar="AEROSTORE_TLS_CERT")
@click.option("--tls-key", type=click.Path(exists=True, path_type=Path), envvar="AEROSTORE_TLS_KEY")
@click.option(
    "--blueprint",
    type=click.Path(exists=True, path_type=Path),
    envvar="AEROSTORE_BLUEPRINT",
    help="Architecture file (default: the packaged three-bucket file).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, path_type=Path),
    envvar="AEROSTORE_CONFIG",
    help="Server config file (TOML): external event targets (docs/notifications-targets.md).",
)
@click.option("--no-fsync", is_flag=True, help="Benchmarks only: acknowledge writes before they are durable.")
@click.option(
    "--image-workers",
    type=click.IntRange(min=0),
    default=default_concurrency,
    envvar="AEROSTORE_IMAGE_WORKERS",
    show_default="number of cores",
    help="Images processed at once by the in-process image worker (docs/worker.md); 0: none.",
)
@click.option("--no-audit", is_flag=True, help="Do not record requests in the audit trail (benchmarks).")
@click.option(
    "--audit-flush-interval",
    type=click.FloatRange(min=0.01),
    default=1.0,
    envvar="AEROSTORE_AUDIT_FLUSH_INTERVAL",
    show_default=True,
    help="Seconds the audit records of reads and errors may wait before their durable write.",
)
@click.option(
    "--default-object-ownership",
    type=click.Choice(OWNERSHIPS),
    default=BUCKET_OWNER_ENFORCED,
    envvar="AEROSTORE_DEFAULT_OBJECT_OWNERSHIP",
    show_default=True,
    help="Object Ownership of buckets created without x-amz-object-ownership (ACLs enabled unless enforced).",
)
@click.option(
    "--lifecycle-day-seconds",
    type=click.FloatRange(min=1.0),
    default=86400.0,
    envvar="AEROSTORE_LIFECYCLE_DAY_SECONDS",
    show_default=True,
    help="Length of a lifecycle day in seconds; a few seconds for demos and tests (docs/lifecycle.md).",
)
@click.option(
    "--archive-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="AEROSTORE_ARCHIVE_DIR",
    help="Where GLACIER and DEEP_ARCHIVE data lives, compressed (default: DATA_DIR/archive).",
)
def serve_command(
    data_dir: Path,
    address: str,
    region: str,
    domains: tuple[str, ...],
    tls_cert: Path | None,
    tls_key: Path | None,
    blueprint: Path | None,
    config_file: Path | None,
    no_fsync: bool,
    image_workers: int,
    no_audit: bool,
    audit_flush_interval: float,
    default_object_ownership: str,
    lifecycle_day_seconds: float,
    archive_dir: Path | None,
) -> None:
    """Run the S3 API with the embedded engine (local disk + SQLite)."""
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    host, port = parse_address(address)
    try:
        settings = read_config_file(config_file)
        load_targets(settings.get("targets", {}))  # refuse a wrong file now, not at first event
    except (ValueError, OSError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise click.UsageError(str(exc)) from None
    serve(
        Config(
            data_dir=data_dir,
            host=host,
            port=port,
            region=region,
            domains=domains or ("localhost",),
            tls_cert=tls_cert,
            tls_key=tls_key,
            fsync=not no_fsync,
            blueprint=blueprint,
            targets=settings.get("targets", {}),
            image_workers=image_workers,
            audit=not no_audit,
            audit_flush_interval=audit_flush_interval,
            default_object_ownership=default_object_ownership,
            lifecycle_day_seconds=lifecycle_day_seconds,
            archive_dir=archive_dir,
            archive=settings.get("archive", {}),
            tiers=settings.get("tiers", {}),
        )
    )
