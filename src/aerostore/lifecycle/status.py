"""What ``aerostore lifecycle status`` reports: each configured bucket's last pass, from SQLite.

Reads ``DATA/meta.sqlite3`` read-only, so it works while the server runs (WAL lets a reader
in beside the writer). The JSON shape is fixed (bench/lifecycle.py reads it)::

    {"day_seconds": N, "buckets": [{"bucket": str, "rules": int,
      "last_pass": {"started": float, "finished": float | null, "scanned": int,
                    "actions": {rule_id: {action: count}}} | null,
      "in_progress": bool, "cursor": str | null, "next_due": float | null,
      "previous_pass": {same as last_pass} | null, "totals": {rule_id: {action: count}}}]}

``last_pass`` is the running pass while one runs (``finished`` null), and ``previous_pass`` then
the last finished one; ``totals`` counts the actions of every pass so far. ``next_due`` is the
earliest future due date the last finished pass saw (or, while the first pass runs, the one seen
so far).
"""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path
from typing import Any

from aerostore.lifecycle import rules, state
from aerostore.lifecycle.model import REAL_DAY
from aerostore.lifecycle.state import PassState

META = "meta.sqlite3"


def connect(data_dir: Path) -> sqlite3.Connection:
    """A read-only connection to the data directory's metadata; FileNotFoundError if it has none."""
    path = data_dir / META
    if not path.exists():
        raise FileNotFoundError(f"no {META} in {data_dir}: is it the server's --data-dir?")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def report(conn: sqlite3.Connection) -> dict[str, Any]:
    """The status document (the JSON shape above)."""
    configs = conn.execute(
        "SELECT bucket, value FROM config WHERE name = ? ORDER BY bucket", (rules.CONFIG_NAME,)
    )
    passes = _passes(conn)
    buckets = [_bucket(str(bucket), len(rules.from_json(str(value)).rules), passes.get(bucket))
               for bucket, value in configs.fetchall()]  # fmt: skip
    days = {p.day_seconds for p in passes.values()}
    return {"day_seconds": days.pop() if len(days) == 1 else REAL_DAY, "buckets": buckets}


def _passes(conn: sqlite3.Connection) -> dict[str, PassState]:
    try:
        return state.read_all(conn)
    except sqlite3.OperationalError:  # a data directory no lifecycle-aware server has opened yet
        return {}


def _bucket(bucket: str, count: int, current: PassState | None) -> dict[str, Any]:
    if current is None:
        return {"bucket": bucket, "rules": count, "last_pass": None, "in_progress": False, "cursor": None,
                "next_due": None, "previous_pass": None, "totals": {}}  # fmt: skip
    last = {"started": current.started, "finished": current.finished, "scanned": current.scanned,
            "actions": current.actions}  # fmt: skip
    next_due = current.next_due
    if current.in_progress and next_due is None:
        next_due = current.pending_due
    return {"bucket": bucket, "rules": count, "last_pass": last, "in_progress": current.in_progress,
            "cursor": current.cursor, "next_due": next_due, "previous_pass": current.previous,
            "totals": current.totals}  # fmt: skip


def render(doc: dict[str, Any]) -> str:
    """The report for people: a block per bucket, times in UTC."""
    lines = [f"lifecycle day: {doc['day_seconds']:g} s"]
    if not doc["buckets"]:
        lines.append("no bucket has a lifecycle configuration")
    for b in doc["buckets"]:
        lines.append(f"{b['bucket']}: {b['rules']} rule{'s' if b['rules'] != 1 else ''}")
        last = b["last_pass"]
        if last is None:
            lines.append("  no pass yet")
            continue
        if b["in_progress"]:
            lines.append(
                f"  pass running since {_time(last['started'])}, at key {b['cursor'] or '(start)'!r}"
            )
        else:
            lines.append(f"  last pass {_time(last['started'])} .. {_time(last['finished'])}")
        lines.append(f"  versions scanned: {last['scanned']}")
        lines += _actions("  ", last["actions"])
        previous = b["previous_pass"]
        if b["in_progress"] and previous is not None:
            lines.append(f"  previous pass {_time(previous['started'])} .. {_time(previous['finished'])}, "
                         f"{previous['scanned']} versions scanned")  # fmt: skip
            lines += _actions("    ", previous["actions"])
        if b["totals"]:
            lines.append("  all passes so far:")
            lines += _actions("    ", b["totals"])
        lines.append(
            f"  next due: {_time(b['next_due']) if b['next_due'] is not None else 'nothing pending'}"
        )
    return "\n".join(lines)


def _actions(indent: str, counts: dict[str, dict[str, int]]) -> list[str]:
    return [f"{indent}rule {rule_id!r}: " + ", ".join(f"{name} {n}" for name, n in sorted(done.items()))
            for rule_id, done in sorted(counts.items())]  # fmt: skip


def _time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
