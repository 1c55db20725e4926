"""A bucket's lifecycle pass as persisted in ``lifecycle_state`` (migrations 0009, 0010).

The worker saves it after every batch, so a restarted server resumes a pass at ``cursor``
(the last key whose whole version stack was handled) instead of starting over; the status
command reads the same row.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

Counts = dict[str, dict[str, int]]  # rule id -> action name -> count


@dataclass(slots=True)
class PassState:
    bucket: str
    started: float
    finished: float | None = None  # None while the pass runs
    cursor: str | None = None  # None: no key handled yet in this pass
    scanned: int = 0  # versions evaluated in this pass
    actions: Counts = field(default_factory=dict)
    pending_due: float | None = None  # earliest future due date seen so far in this pass
    next_due: float | None = None  # ... in the last finished pass
    day_seconds: float = 86400.0  # the server's lifecycle day, for the status command
    previous: dict[str, Any] | None = None  # the last finished pass: started, finished, scanned, actions
    totals: Counts = field(default_factory=dict)  # actions across every pass

    @property
    def in_progress(self) -> bool:
        return self.finished is None

    def count(self, rule_id: str, action: str, n: int = 1) -> None:
        for counts in (self.actions, self.totals):
            per_rule = counts.setdefault(rule_id, {})
            per_rule[action] = per_rule.get(action, 0) + n

    def due(self, when: float | None) -> None:
        if when is not None and (self.pending_due is None or when < self.pending_due):
            self.pending_due = when

    def finish(self, now: float) -> None:
        self.finished = now
        self.cursor = None
        self.next_due = self.pending_due

    def restart(self, now: float) -> None:
        """A new pass: the counters start over (the finished pass is kept as ``previous``), the last
        pass's next due date stays until it ends."""
        if self.finished is not None:
            self.previous = {"started": self.started, "finished": self.finished, "scanned": self.scanned,
                             "actions": self.actions}  # fmt: skip
        self.started, self.finished, self.cursor = now, None, None
        self.scanned, self.actions, self.pending_due = 0, {}, None


_COLUMNS = ("bucket", "started", "finished", "cursor", "scanned", "actions", "pending_due", "next_due",
            "day_seconds", "previous", "totals")  # fmt: skip


def _to_state(row: sqlite3.Row) -> PassState:
    return PassState(
        bucket=row["bucket"],
        started=row["started"],
        finished=row["finished"],
        cursor=row["cursor"],
        scanned=row["scanned"],
        actions=json.loads(row["actions"]),
        pending_due=row["pending_due"],
        next_due=row["next_due"],
        day_seconds=row["day_seconds"],
        previous=None if row["previous"] is None else json.loads(row["previous"]),
        totals=json.loads(row["totals"]),
    )


def read(conn: sqlite3.Connection, bucket: str) -> PassState | None:
    """The bucket's pass (``conn`` must return ``sqlite3.Row``s, as the engine's connections do)."""
    sql = f"SELECT {', '.join(_COLUMNS)} FROM lifecycle_state WHERE bucket = ?"
    row = conn.execute(sql, (bucket,)).fetchone()
    return None if row is None else _to_state(row)


def read_all(conn: sqlite3.Connection) -> dict[str, PassState]:
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM lifecycle_state ORDER BY bucket")
    return {state.bucket: state for state in map(_to_state, rows)}


def save(conn: sqlite3.Connection, state: PassState) -> None:
    """Write job: the pass as it stands (after a batch, at its start and at its end)."""
    actions = json.dumps(state.actions, sort_keys=True)
    previous = None if state.previous is None else json.dumps(state.previous, sort_keys=True)
    values = (state.bucket, state.started, state.finished, state.cursor, state.scanned, actions,
              state.pending_due, state.next_due, state.day_seconds, previous,
              json.dumps(state.totals, sort_keys=True))  # fmt: skip
    marks = ", ".join("?" * len(_COLUMNS))
    conn.execute(f"INSERT OR REPLACE INTO lifecycle_state ({', '.join(_COLUMNS)}) VALUES ({marks})", values)


def forget(conn: sqlite3.Connection, keep: set[str]) -> None:
    """Write job: drop the rows of buckets that no longer exist or have no configuration."""
    for (bucket,) in conn.execute("SELECT bucket FROM lifecycle_state").fetchall():
        if bucket not in keep:
            conn.execute("DELETE FROM lifecycle_state WHERE bucket = ?", (bucket,))
