"""The lifecycle engine's progress per bucket (lifecycle/state.py, docs/lifecycle.md).

One row per bucket with a lifecycle configuration. A pass walks the bucket's versions in key
order; ``cursor`` is the last key whose whole version stack the running pass has handled (NULL
before the first batch), so a restarted server resumes the pass after it. ``finished`` is NULL
while the pass runs. ``scanned``, ``actions`` (JSON: ``{rule id: {action: count}}``) and
``pending_due`` accumulate during the pass; ``next_due`` is the earliest future due date the
last finished pass saw; ``day_seconds`` the length of a lifecycle day the server ran with (for
``aerostore lifecycle status``, which reads this table without the server's settings).
"""

from __future__ import annotations

import sqlite3


def up(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE lifecycle_state (
            bucket TEXT PRIMARY KEY,
            started REAL NOT NULL,
            finished REAL,
            cursor TEXT,
            scanned INTEGER NOT NULL DEFAULT 0,
            actions TEXT NOT NULL DEFAULT '{}',
            pending_due REAL,
            next_due REAL,
            day_seconds REAL NOT NULL DEFAULT 86400
        ) WITHOUT ROWID
        """
    )
