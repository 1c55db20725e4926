"""Named, append-only migrations, recorded in the ``migrations`` table.

Each module ``migrations/NNNN_name.py`` defines ``up(conn)``. Modules run in name order, once;
a shipped migration is never edited, a change of schema is a new module (datasette's
``@internal_migrations(name=...)``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import time

from aerostore.storage.meta import migrations


def available() -> list[str]:
    """Migration names in the order they apply."""
    return sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name[:4].isdigit())


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    Runs inside the writer's transaction, so a failing migration leaves no trace.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name in available():
        if name in done:
            continue
        module = importlib.import_module(f"{migrations.__name__}.{name}")
        module.up(conn)
        conn.execute("INSERT INTO migrations (name, applied) VALUES (?, ?)", (name, time.time()))
        applied.append(name)
    return applied
