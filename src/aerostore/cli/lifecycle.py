"""`aerostore lifecycle status`: what the lifecycle engine did and what is due next (docs/lifecycle.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from aerostore.cli.options import data_dir_option
from aerostore.lifecycle import status


@click.group("lifecycle")
def lifecycle_group() -> None:
    """The lifecycle engine: expirations, transitions and aborted uploads, per bucket."""


@lifecycle_group.command("status")
@data_dir_option()
@click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable output (the shape is in docs/lifecycle.md)."
)
def status_command(data_dir: Path, as_json: bool) -> None:
    """Each configured bucket's last pass: versions scanned, actions per rule, cursor, next due date.

    Reads DATA_DIR/meta.sqlite3 read-only; works while the server runs.
    """
    try:
        conn = status.connect(data_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        doc = status.report(conn)
    finally:
        conn.close()
    click.echo(json.dumps(doc, indent=2) if as_json else status.render(doc))
