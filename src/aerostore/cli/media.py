"""`aerostore media ls|show|why`: the media index, as tables (or JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from aerostore.cli.options import data_dir_option
from aerostore.worker.index import FILE_NAME, MediaIndex, MediaRecord, captured_bounds

DEFAULT_DISTANCE = 10
_HEX = frozenset("0123456789abcdef")


@click.group("media")
@data_dir_option("The server's data directory (the index is DATA/media.sqlite3).")
@click.option(
    "--index",
    "index_path",
    type=click.Path(path_type=Path),
    envvar="AEROSTORE_MEDIA_INDEX",
    help="The media index file, if not in the data directory (a standalone worker's --index).",
)
@click.pass_context
def media_group(ctx: click.Context, data_dir: Path, index_path: Path | None) -> None:
    """What the image pipeline made of each upload."""
    path = index_path or data_dir / FILE_NAME
    if not path.exists():
        raise click.ClickException(f"no media index at {path}")
    ctx.obj = MediaIndex(path)
    ctx.call_on_close(ctx.obj.close)


@media_group.command("ls")
@click.option("--aircraft", help="Registration, as normalised (N123AB, G-ABCD) or 'unassigned'.")
@click.option("--from", "since", help="Captured on or after (ISO date or time).")
@click.option("--to", "until", help="Captured on or before (ISO date: that whole day).")
@click.option("--status", type=click.Choice(["processed", "rejected", "failed"]))
@click.option("--key", help="Source key.")
@click.option("--limit", type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_obj
def ls_command(
    index: MediaIndex,
    aircraft: str | None,
    since: str | None,
    until: str | None,
    status: str | None,
    key: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List uploads, filtered."""
    try:
        since, until = captured_bounds(since, until)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--from/--to") from None
    rows = index.find(aircraft=aircraft, since=since, until=until, status=status, key=key, limit=limit)
    if as_json:
        click.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    Console().print(list_table(rows))


@media_group.command("show")
@click.argument("what")
@click.option(
    "--distance",
    type=click.IntRange(0, 64),
    default=DEFAULT_DISTANCE,
    show_default=True,
    help="Near-duplicates: at most this many of the 64 perceptual-hash bits differ.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_command(index: MediaIndex, what: str, distance: int, as_json: bool) -> None:
    """One upload by SHA-256 prefix or source key, with its outputs and near-duplicates."""
    rows = find_one(index, what)
    near = (
        index.near_duplicates(rows[0].phash, distance, exclude_sha256=rows[0].sha256) if rows[0].phash else []
    )
    if as_json:
        doc = {
            "media": [r.to_json() for r in rows],
            "nearDuplicates": [{"distance": d, **r.to_json()} for d, r in near],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    console = Console()
    for row in rows:
        console.print(detail_table(row))
    if near:
        console.print(
            list_table([r for _, r in near], title="Near-duplicates", distances=[d for d, _ in near])
        )


@media_group.command("why")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def why_command(index: MediaIndex, key: str, as_json: bool) -> None:
    """Why an upload (by source key) was rejected or failed, or what it became."""
    rows = index.by_key(key)
    if not rows:
        raise click.ClickException(f"no upload with key {key!r} in the index")
    if as_json:
        click.echo(json.dumps([{"verdict": verdict(r), **r.to_json()} for r in rows], indent=2))
        return
    table = Table(title=f"Why: {key}")
    for column in ("version", "sha256", "status", "verdict", "attempts"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.source_version or "-", r.sha256[:12] or "-", r.status, verdict(r), str(r.attempts))
    Console().print(table)


def find_one(index: MediaIndex, what: str) -> list[MediaRecord]:
    """Rows by SHA-256 prefix (4+ hex digits), else by source key; a ClickException if none."""
    rows = index.by_sha256(what) if len(what) >= 4 and set(what.lower()) <= _HEX else []
    rows = rows or index.by_key(what)
    if not rows:
        raise click.ClickException(f"nothing in the index matches {what!r}")
    return rows


def verdict(record: MediaRecord) -> str:
    """One sentence on what became of an upload."""
    if record.status == "rejected":
        return f"rejected: {record.reason} ({record.detail})"
    if record.status == "failed":
        return f"failed after {record.attempts} attempt(s): {record.detail}"
    if record.duplicate_of:
        return f"processed: same bytes as {record.duplicate_of}, whose renditions it shares"
    return f"processed into {len(record.outputs)} renditions under {record.prefix}"


def list_table(rows: Sequence[MediaRecord], *, title: str = "Media", distances: Iterable[int] = ()) -> Table:
    distance_list = list(distances)
    table = Table(title=f"{title} ({len(rows)})")
    columns = ["sha256", "status", "aircraft", "captured", "pixels", "format", "source", "note"]
    for column in (["distance"] if distance_list else []) + columns:
        table.add_column(column, overflow="fold")
    for i, r in enumerate(rows):
        dims = f"{r.width}x{r.height}" if r.width else "-"
        note = (
            r.reason
            or (f"duplicate of {r.duplicate_of}" if r.duplicate_of else "")
            or (r.aircraft_note or "")
        )
        cells = [
            r.sha256[:12] or "-",
            r.status,
            r.aircraft,
            r.captured_at or "-",
            dims,
            r.format or "-",
            f"{r.source_bucket}/{r.source_key}",
            note,
        ]
        table.add_row(*([str(distance_list[i])] if distance_list else []), *cells)
    return table


def detail_table(r: MediaRecord) -> Table:
    table = Table(title=f"{r.source_bucket}/{r.source_key}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    gps = f"{r.gps_lat}, {r.gps_lon}" if r.gps_lat is not None else None
    fields: list[tuple[str, object]] = [
        ("status", verdict(r)),
        ("sha256", r.sha256),
        ("version", r.source_version),
        ("etag", r.etag),
        ("aircraft", r.aircraft),
        ("aircraft note", r.aircraft_note),
        ("format", r.format),
        ("dimensions", f"{r.width}x{r.height}" if r.width else None),
        ("bytes", r.size),
        ("captured", r.captured_at),
        ("camera", " ".join(p for p in (r.make, r.model) if p) or None),
        ("lens", r.lens),
        ("gps", gps),
        ("phash", r.phash),
        ("manifest", r.manifest_key),
        ("outputs", "\n".join(r.outputs) or None),
        ("attempts", r.attempts),
    ]
    for name, value in fields:
        if value not in (None, ""):
            table.add_row(name, str(value))
    return table
