"""The `aerostore` command."""

from __future__ import annotations

import click

from aerostore import __version__
from aerostore.cli.admin import admin_group
from aerostore.cli.audit import audit_group
from aerostore.cli.lifecycle import lifecycle_group
from aerostore.cli.media import media_group
from aerostore.cli.serve import serve_command
from aerostore.cli.worker import worker_group
from aerostore.firehose.cli import verify_command


@click.group()
@click.version_option(__version__, prog_name="aerostore")
def cli() -> None:
    """aerostore: the AircraftOps object-storage platform (S3 API + pipelines) in one program."""


cli.add_command(serve_command)
cli.add_command(worker_group)
cli.add_command(media_group)
cli.add_command(admin_group)
cli.add_command(audit_group)
cli.add_command(lifecycle_group)
audit_group.add_command(verify_command)


def main() -> None:
    cli()
