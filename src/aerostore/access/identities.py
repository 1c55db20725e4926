"""Users and access keys in the metadata database (tables of migration 0005).

Plain functions over a ``sqlite3.Connection``: the admin CLI calls them in its own transaction
while the server may run (SQLite's locking orders the writes), and the server reads through
its reader connections. A user's permissions come from its role's packaged policy
(access/roles.py) and its own identity policy.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from aerostore.access import policy as policies
from aerostore.access.roles import ROLES
from aerostore.access.secrets import SecretBox
from aerostore.s3.errors import S3Error

ACTIVE, REVOKED = "Active", "Revoked"
_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")  # IAM user names
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class IdentityError(ValueError):
    """A refused admin request: unknown user, name taken, bad policy..."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    created: float
    disabled: bool
    role: str
    policy: str | None


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key: str
    user: str
    created: float
    status: str


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What authentication needs about an access key."""

    user: User
    sealed: bytes
    status: str


def add_user(conn: sqlite3.Connection, name: str, role: str = "", policy: str | None = None) -> User:
    if not _NAME.match(name):
        raise IdentityError(f"invalid user name {name!r} (1-64 of A-Z a-z 0-9 +=,.@_-)")
    if role and role not in ROLES:
        raise IdentityError(f"unknown role {role!r} (one of {', '.join(sorted(ROLES))})")
    if policy is not None:
        check_policy(policy)
    if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
        raise IdentityError(f"user {name!r} exists")
    user = User(name, time.time(), False, role, policy)
    conn.execute(
        "INSERT INTO users (name, created, disabled, role, policy) VALUES (?, ?, 0, ?, ?)",
        (name, user.created, role, policy),
    )
    return user


def check_policy(text: str) -> None:
    """An identity policy must parse (no Principal); IdentityError says why not."""
    try:
        policies.parse(text)
    except S3Error as exc:
        raise IdentityError(f"invalid policy: {exc.text}") from None


def get_user(conn: sqlite3.Connection, name: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return None if row is None else _user(row)


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [_user(r) for r in conn.execute("SELECT * FROM users ORDER BY name")]


def remove_user(conn: sqlite3.Connection, name: str) -> None:
    _require(conn, name)
    conn.execute("DELETE FROM access_keys WHERE user = ?", (name,))
    conn.execute("DELETE FROM users WHERE name = ?", (name,))


def set_disabled(conn: sqlite3.Connection, name: str, disabled: bool) -> None:
    _require(conn, name)
    conn.execute("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name))


def set_policy(conn: sqlite3.Connection, name: str, policy: str | None) -> None:
    _require(conn, name)
    if policy is not None:
        check_policy(policy)
    conn.execute("UPDATE users SET policy = ? WHERE name = ?", (policy, name))


def create_key(
    conn: sqlite3.Connection,
    box: SecretBox,
    user: str,
    access_key: str | None = None,
    secret: str | None = None,
) -> tuple[str, str]:
    """A new key of ``user``: (access key, secret). The secret is stored sealed only."""
    _require(conn, user)
    access_key = access_key or "AK" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(18))
    secret = secret or secrets.token_urlsafe(30)
    if len(secret) < 8:
        raise IdentityError("a secret key has at least 8 characters")
    if conn.execute("SELECT 1 FROM access_keys WHERE access_key = ?", (access_key,)).fetchone():
        raise IdentityError(f"access key {access_key} exists")
    conn.execute(
        "INSERT INTO access_keys (access_key, user, secret, created, status) VALUES (?, ?, ?, ?, ?)",
        (access_key, user, box.seal(secret), time.time(), ACTIVE),
    )
    return access_key, secret


def list_keys(conn: sqlite3.Connection, user: str | None = None) -> list[AccessKey]:
    sql = "SELECT access_key, user, created, status FROM access_keys"
    rows = (
        conn.execute(sql + " WHERE user = ? ORDER BY created", (user,))
        if user
        else conn.execute(sql + " ORDER BY user, created")
    )
    return [AccessKey(r["access_key"], r["user"], r["created"], r["status"]) for r in rows]


def revoke_key(conn: sqlite3.Connection, access_key: str) -> None:
    found = conn.execute("UPDATE access_keys SET status = ? WHERE access_key = ?", (REVOKED, access_key))
    if found.rowcount == 0:
        raise IdentityError(f"no access key {access_key}")


def find_key(conn: sqlite3.Connection, access_key: str) -> KeyRecord | None:
    row = conn.execute(
        "SELECT u.*, k.secret, k.status FROM access_keys k JOIN users u ON u.name = k.user "
        "WHERE k.access_key = ?",
        (access_key,),
    ).fetchone()
    return None if row is None else KeyRecord(_user(row), bytes(row["secret"]), row["status"])


def get_setting(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT value FROM account_settings WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row["value"])


def set_setting(conn: sqlite3.Connection, name: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM account_settings WHERE name = ?", (name,))
    else:
        conn.execute("INSERT OR REPLACE INTO account_settings (name, value) VALUES (?, ?)", (name, value))


def _require(conn: sqlite3.Connection, name: str) -> None:
    if get_user(conn, name) is None:
        raise IdentityError(f"no user {name!r}")


def _user(row: sqlite3.Row) -> User:
    return User(row["name"], row["created"], bool(row["disabled"]), row["role"], row["policy"])
