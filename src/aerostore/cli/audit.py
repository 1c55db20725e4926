"""`aerostore audit query|who|activity|catalog`: the audit tables, with SQL or without (docs/audit.md).

Every command reads the tables through the S3 API of a running server (or any S3 endpoint
holding them), as the root user by default: the credentials come from ``--access-key`` /
``--secret-key``, else AEROSTORE_ROOT_USER / AEROSTORE_ROOT_PASSWORD, else the data directory's
generated root credentials.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import click
import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from rich.console import Console
from rich.table import Table

from aerostore.audit import catalog, query
from aerostore.cli.options import data_dir_option
from aerostore.config import CREDENTIALS_FILE
from aerostore.firehose.cli import verify_command

FORMATS = click.Choice(["table", "json", "csv"])
CATALOG_FORMATS = click.Choice(["json", "glue", "ddl"])


@click.group("audit")
@click.option("--endpoint", envvar="AEROSTORE_ENDPOINT", default="http://127.0.0.1:9000", show_default=True)
@click.option("--access-key", envvar="AWS_ACCESS_KEY_ID", help="Default: the root user.")
@click.option("--secret-key", envvar="AWS_SECRET_ACCESS_KEY")
@click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], default="us-east-1", show_default=True)
@data_dir_option("Where to find generated root credentials when no key is given.")
@click.pass_context
def audit_group(
    ctx: click.Context,
    endpoint: str,
    access_key: str | None,
    secret_key: str | None,
    region: str,
    data_dir: Path,
) -> None:
    """The audit trail: who did what, when, from where (SQL with DuckDB over the audit tables)."""
    ctx.obj = _Target(endpoint, access_key, secret_key, region, data_dir)


class _Target:
    """Resolved lazily: `catalog` needs no credentials."""

    def __init__(self, url: str, key: str | None, secret: str | None, region: str, data_dir: Path) -> None:
        self.url, self.key, self.secret, self.region, self.data_dir = url, key, secret, region, data_dir

    def endpoint(self) -> query.Endpoint:
        key = self.key or os.environ.get("AEROSTORE_ROOT_USER")
        secret = self.secret if self.key else os.environ.get("AEROSTORE_ROOT_PASSWORD")
        if not (key and secret):
            path = self.data_dir / CREDENTIALS_FILE
            if not path.exists():
                raise click.ClickException("no credentials: give --access-key/--secret-key or --data-dir")
            saved = json.loads(path.read_text())
            key, secret = saved["user"], saved["password"]
        return query.Endpoint(self.url, key, secret, self.region)


@audit_group.command("query")
@click.argument("sql")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def query_command(target: _Target, sql: str, fmt: str) -> None:
    """Run SQL over the catalog's tables (`audit`), e.g. "SELECT count(*) FROM audit"."""
    _show(_run(lambda: query.run(sql, target.endpoint())), fmt)


@audit_group.command("who")
@click.option("--key", required=True, help="Object key.")
@click.option("--bucket", help="Only this bucket.")
@click.option("--since", help="1d, 12h, 30m, 2w, or an ISO date/time.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def who_command(target: _Target, key: str, bucket: str | None, since: str | None, fmt: str) -> None:
    """Who accessed an object: every request on KEY, newest first."""
    sql, params = query.who_sql(key, bucket, _since(since))
    _show(_run(lambda: query.run_params(sql, params, target.endpoint())), fmt)


@audit_group.command("activity")
@click.option("--user", required=True, help="User name or access key id.")
@click.option("--since", default="1d", show_default=True, help="1d, 12h, 30m, 2w, or an ISO date/time.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def activity_command(target: _Target, user: str, since: str, fmt: str) -> None:
    """What a user did: their requests and application events, newest first."""
    sql, params = query.activity_sql(user, _since(since))
    _show(_run(lambda: query.run_params(sql, params, target.endpoint())), fmt)


@audit_group.command("catalog")
@click.option("--format", "fmt", type=CATALOG_FORMATS, default="json", show_default=True)
def catalog_command(fmt: str) -> None:
    """The catalog: each table's schema, partitions and location (Glue TableInput, Athena DDL)."""
    for table in catalog.TABLES.values():
        if fmt == "ddl":
            click.echo(catalog.ddl(table))
        else:
            entry = catalog.glue_table_input(table) if fmt == "glue" else catalog.describe(table)
            click.echo(json.dumps(entry, indent=2))


# `aerostore audit verify` (the hash chain of delivered files) is the delivery's own command.
audit_group.add_command(verify_command)


def _since(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return query.parse_since(text, time.time())
    except ValueError:
        expected = f"{text!r}: expected 1d, 12h, 30m, 2w or an ISO date"
        raise click.BadParameter(expected, param_hint="--since") from None


def _run(fn: Any) -> pa.Table:
    try:
        return fn()
    except duckdb.Error as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the endpoint: unreachable, refused, access denied
        raise click.ClickException(f"reading the audit tables: {exc}") from None


def _show(table: pa.Table, fmt: str) -> None:
    rows = table.to_pylist()
    if fmt == "json":
        click.echo(json.dumps(rows, default=str, indent=1))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(table.column_names)
        writer.writerows([["" if v is None else v for v in row.values()] for row in rows])
        click.echo(out.getvalue(), nl=False)
    else:
        grid = Table(*table.column_names, show_lines=False)
        for row in rows:
            grid.add_row(*("" if v is None else str(v) for v in row.values()))
        Console().print(grid)
        click.echo(f"{len(rows)} row(s)")
