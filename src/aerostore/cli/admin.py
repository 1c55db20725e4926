"""`aerostore admin`: users, access keys and the account's public access block.

These act on the data directory's metadata database directly, in their own SQLite transaction,
so they work whether or not the server runs (SQLite orders the writes; the server reads a key's
row on every request, so a change applies from the next request on). Secrets are printed once,
at creation, and stored only encrypted (access/secrets.py).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from aerostore.access import identities
from aerostore.access.control import ACCOUNT_PUBLIC_ACCESS_BLOCK
from aerostore.access.public import PublicAccessBlock
from aerostore.access.roles import ROLES
from aerostore.access.secrets import SecretBox
from aerostore.cli import options
from aerostore.storage.meta import schema
from aerostore.storage.meta.db import connect

DB_FILE = "meta.sqlite3"


@contextlib.contextmanager
def transaction(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on the data directory's database, migrated first if needed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(data_dir / DB_FILE)
    try:
        conn.execute("BEGIN IMMEDIATE")
        schema.migrate(conn)
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


data_dir_option = options.data_dir_option()


@contextlib.contextmanager
def _admin(data_dir: Path) -> Iterator[sqlite3.Connection]:
    try:
        with transaction(data_dir) as conn:
            yield conn
    except identities.IdentityError as exc:
        raise click.ClickException(str(exc)) from None


def _read_policy(path: str | None) -> str | None:
    if path is None:
        return None
    return sys.stdin.read() if path == "-" else Path(path).read_text()


@click.group("admin")
def admin_group() -> None:
    """Manage users, access keys and account settings of a data directory."""


@admin_group.group("user")
def user_group() -> None:
    """Users: identities besides root, each with access keys and policies."""


@user_group.command("add")
@data_dir_option
@click.argument("name")
@click.option("--role", type=click.Choice(sorted(ROLES)), help="A packaged role policy (docs/access.md).")
@click.option("--policy", "policy_file", help="Identity policy JSON file ('-': stdin).")
@click.option("--no-key", is_flag=True, help="Do not create an access key now.")
def user_add(data_dir: Path, name: str, role: str | None, policy_file: str | None, no_key: bool) -> None:
    """Add a user, with a first access key (its secret is shown only now)."""
    box = SecretBox.load(data_dir)
    with _admin(data_dir) as conn:
        identities.add_user(conn, name, role or "", _read_policy(policy_file))
        key = None if no_key else identities.create_key(conn, box, name)
    click.echo(f"user {name} added" + (f" (role {role})" if role else ""))
    if key is not None:
        _show_key(*key)


@user_group.command("ls")
@data_dir_option
def user_ls(data_dir: Path) -> None:
    """List users (name, status, role, whether they have their own policy, active keys)."""
    with _admin(data_dir) as conn:
        users = identities.list_users(conn)
        keys = identities.list_keys(conn)
    for user in users:
        active = sum(1 for k in keys if k.user == user.name and k.status == identities.ACTIVE)
        status = "disabled" if user.disabled else "enabled"
        policy = "policy" if user.policy else "-"
        click.echo(f"{user.name}\t{status}\t{user.role or '-'}\t{policy}\t{active} key(s)")


@user_group.command("rm")
@data_dir_option
@click.argument("name")
def user_rm(data_dir: Path, name: str) -> None:
    """Remove a user and all its access keys."""
    with _admin(data_dir) as conn:
        identities.remove_user(conn, name)
    click.echo(f"user {name} removed")


@user_group.command("disable")
@data_dir_option
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the user again.")
def user_disable(data_dir: Path, name: str, enable: bool) -> None:
    """Disable a user: its keys answer InvalidAccessKeyId until enabled again."""
    with _admin(data_dir) as conn:
        identities.set_disabled(conn, name, not enable)
    click.echo(f"user {name} {'enabled' if enable else 'disabled'}")


@user_group.command("policy")
@data_dir_option
@click.argument("name")
@click.argument("policy_file", required=False)
@click.option("--clear", is_flag=True, help="Remove the user's own policy.")
def user_policy(data_dir: Path, name: str, policy_file: str | None, clear: bool) -> None:
    """Set (from a file, '-': stdin), clear or, with neither, print a user's identity policy."""
    with _admin(data_dir) as conn:
        if clear or policy_file:
            identities.set_policy(conn, name, None if clear else _read_policy(policy_file))
            return
        user = identities.get_user(conn, name)
        if user is None:
            raise click.ClickException(f"no user {name!r}")
    click.echo(user.policy or "{}")


@admin_group.group("key")
def key_group() -> None:
    """Access keys of users."""


@key_group.command("create")
@data_dir_option
@click.argument("user")
@click.option("--access-key", help="Use this access key id (default: generated).")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from stdin (default: generated).")
def key_create(data_dir: Path, user: str, access_key: str | None, secret_stdin: bool) -> None:
    """Create an access key; its secret is shown only now."""
    secret = sys.stdin.readline().strip() if secret_stdin else None
    box = SecretBox.load(data_dir)
    with _admin(data_dir) as conn:
        key = identities.create_key(conn, box, user, access_key, secret)
    _show_key(*key)


@key_group.command("ls")
@data_dir_option
@click.argument("user", required=False)
def key_ls(data_dir: Path, user: str | None) -> None:
    """List access keys (never their secrets)."""
    with _admin(data_dir) as conn:
        keys = identities.list_keys(conn, user)
    for key in keys:
        click.echo(f"{key.access_key}\t{key.user}\t{key.status}")


@key_group.command("revoke")
@data_dir_option
@click.argument("access_key")
def key_revoke(data_dir: Path, access_key: str) -> None:
    """Revoke an access key: from the next request on it answers InvalidAccessKeyId."""
    with _admin(data_dir) as conn:
        identities.revoke_key(conn, access_key)
    click.echo(f"access key {access_key} revoked")


@admin_group.command("public-access-block")
@data_dir_option
@click.option("--all", "block_all", is_flag=True, help="Turn all four flags on.")
@click.option("--none", "block_none", is_flag=True, help="Remove the account-level block.")
@click.option("--block-public-acls/--no-block-public-acls", default=None)
@click.option("--ignore-public-acls/--no-ignore-public-acls", default=None)
@click.option("--block-public-policy/--no-block-public-policy", default=None)
@click.option("--restrict-public-buckets/--no-restrict-public-buckets", default=None)
def public_access_block(
    data_dir: Path,
    block_all: bool,
    block_none: bool,
    block_public_acls: bool | None,
    ignore_public_acls: bool | None,
    block_public_policy: bool | None,
    restrict_public_buckets: bool | None,
) -> None:
    """Show or set the account-level public access block (applies to every bucket, OR-ed with its own)."""
    flags = (block_public_acls, ignore_public_acls, block_public_policy, restrict_public_buckets)
    with _admin(data_dir) as conn:
        current = PublicAccessBlock.from_json(identities.get_setting(conn, ACCOUNT_PUBLIC_ACCESS_BLOCK))
        if block_all or block_none or any(f is not None for f in flags):
            base = PublicAccessBlock.all() if block_all else PublicAccessBlock()
            if not (block_all or block_none):
                base = current
            pairs = zip(flags, base.flags(), strict=True)
            new = PublicAccessBlock(*(o if o is not None else b for o, b in pairs))
            identities.set_setting(conn, ACCOUNT_PUBLIC_ACCESS_BLOCK, None if block_none else new.to_json())
            current = new if not block_none else PublicAccessBlock()
    click.echo(json.dumps({"BlockPublicAcls": current.block_public_acls,
                           "IgnorePublicAcls": current.ignore_public_acls,
                           "BlockPublicPolicy": current.block_public_policy,
                           "RestrictPublicBuckets": current.restrict_public_buckets}))  # fmt: skip


def _show_key(access_key: str, secret: str) -> None:
    click.echo("Access key created; the secret is shown only this once:")
    click.echo(f"  AccessKey: {access_key}\n  SecretKey: {secret}")
