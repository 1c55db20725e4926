"""``lifecycle_state`` keeps the last finished pass while the next runs, and running totals.

With an accelerated day a pass starts every D/4 seconds, so a row that held only the running
pass showed its counters reset a moment after every pass. ``previous`` is the last finished
pass (JSON: started, finished, scanned, actions); ``totals`` the actions per rule across every
pass since the bucket's configuration was first evaluated (JSON: ``{rule id: {action: count}}``).
"""

from __future__ import annotations

import sqlite3


def up(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE lifecycle_state ADD COLUMN previous TEXT")
    conn.execute("ALTER TABLE lifecycle_state ADD COLUMN totals TEXT NOT NULL DEFAULT '{}'")
