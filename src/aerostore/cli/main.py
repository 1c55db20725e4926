"""The `aerostore` command."""

from __future__ import annotations

import click

from aerostore import __version__
from aerostore.cli.serve import serve_command


@click.group()
@click.version_option(__version__, prog_name="aerostore")
def cli() -> None:
    """aerostore: the AircraftOps object-storage platform (S3 API + pipelines) in one program."""


cli.add_command(serve_command)


def main() -> None:
    cli()
