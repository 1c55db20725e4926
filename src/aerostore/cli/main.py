"""The `aerostore` command.

Subcommands are imported when they are run, not when the program starts: `aerostore serve`
needs the whole server, `aerostore lifecycle status` only SQLite, and importing everything
(DuckDB, boto3, pyarrow, libvips) for every command cost most of a second.
"""

from __future__ import annotations

import importlib

import click

from aerostore import __version__

# name -> (module, attribute) of each subcommand
COMMANDS = {
    "serve": ("aerostore.cli.serve", "serve_command"),
    "worker": ("aerostore.cli.worker", "worker_group"),
    "media": ("aerostore.cli.media", "media_group"),
    "admin": ("aerostore.cli.admin", "admin_group"),
    "audit": ("aerostore.cli.audit", "audit_group"),
    "lifecycle": ("aerostore.cli.lifecycle", "lifecycle_group"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="aerostore")
def cli() -> None:
    """aerostore: the AircraftOps object-storage platform (S3 API + pipelines) in one program."""


def main() -> None:
    cli()
