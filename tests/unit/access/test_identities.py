"""Users, keys and the key store on a real SQLite file (tables of migration 0005)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from aerostore.access import identities
from aerostore.access.secrets import SecretBox
from aerostore.auth.keys import RootKeys, UserKeys
from aerostore.storage.meta import schema


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(tmp_path / "meta.sqlite3", isolation_level=None)
    db.row_factory = sqlite3.Row
    schema.migrate(db)
    yield db
    db.close()


def test_key_store_resolves_root_and_users(tmp_path: Path, conn: sqlite3.Connection) -> None:
    box = SecretBox.load(tmp_path)
    identities.add_user(conn, "alice")
    access_key, secret = identities.create_key(conn, box, "alice")
    keys = UserKeys(RootKeys("root", "root-secret"), lambda: conn, box)
    found = keys.secret_for(access_key)
    assert found is not None and found[0] == secret
    assert found[1].user == "alice" and not found[1].is_root
    root = keys.secret_for("root")
    assert root is not None and root[1].is_root
    assert keys.secret_for("nobody") is None


def test_disabled_user_and_revoked_key_are_unknown(tmp_path: Path, conn: sqlite3.Connection) -> None:
    box = SecretBox.load(tmp_path)
    identities.add_user(conn, "bob")
    first, _ = identities.create_key(conn, box, "bob")
    second, _ = identities.create_key(conn, box, "bob")
    keys = UserKeys(RootKeys("root", "root-secret"), lambda: conn, box)
    identities.revoke_key(conn, first)
    assert keys.secret_for(first) is None and keys.secret_for(second) is not None
    identities.set_disabled(conn, "bob", True)
    assert keys.secret_for(second) is None


def test_secret_is_sealed(tmp_path: Path, conn: sqlite3.Connection) -> None:
    box = SecretBox.load(tmp_path)
    identities.add_user(conn, "carol")
    _, secret = identities.create_key(conn, box, "carol")
    stored = conn.execute("SELECT secret FROM access_keys").fetchone()[0]
    assert secret.encode() not in bytes(stored)
    assert SecretBox.load(tmp_path).open(bytes(stored)) == secret  # the key file persists
    assert (tmp_path / "server.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("args", "message"),
    [(("bad name!",), "invalid user name"), (("dave", "pilot"), "unknown role"),
     (("dave", "", "{"), "invalid policy")],
    ids=["name", "role", "policy"],
)  # fmt: skip
def test_add_user_refusals(conn: sqlite3.Connection, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(identities.IdentityError, match=message):
        identities.add_user(conn, *args)


def test_duplicate_user_and_unknown_user(tmp_path: Path, conn: sqlite3.Connection) -> None:
    identities.add_user(conn, "erin")
    with pytest.raises(identities.IdentityError, match="exists"):
        identities.add_user(conn, "erin")
    with pytest.raises(identities.IdentityError, match="no user"):
        identities.create_key(conn, SecretBox.load(tmp_path), "frank")
