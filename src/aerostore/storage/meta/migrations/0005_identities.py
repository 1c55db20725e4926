"""Identities besides root (access/identities.py): users, their access keys, account settings.

A secret is stored encrypted with the server key of the data directory (access/secrets.py),
never in plain text. A revoked key keeps its row (status ``Revoked``) so ``key ls`` can show it.
``account_settings`` holds account-wide values such as the default public access block.
"""

from __future__ import annotations

import sqlite3

STATEMENTS = [
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        created REAL NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        role TEXT NOT NULL DEFAULT '',
        policy TEXT
    )
    """,
    """
    CREATE TABLE access_keys (
        access_key TEXT PRIMARY KEY,
        user TEXT NOT NULL REFERENCES users (name),
        secret BLOB NOT NULL,
        created REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'Active'
    )
    """,
    "CREATE INDEX access_keys_by_user ON access_keys (user)",
    "CREATE TABLE account_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
]


def up(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
