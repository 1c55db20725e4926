"""Users and access keys (`aerostore admin`), and identity policies, against a running server."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .access import admin, keys_in, new_user, user_client
from .server import Server


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_user_add_prints_the_secret_once_and_ls_never(server: Server) -> None:
    out = admin(server, "user", "add", "alice-cli", "--role", "uploader")
    access_key, secret = keys_in(out)
    listing = admin(server, "user", "ls") + admin(server, "key", "ls")
    assert "alice-cli" in listing and access_key in listing
    assert secret not in listing


def test_secrets_are_not_stored_in_plain_text(server: Server) -> None:
    out = admin(server, "user", "add", "bob-cli")
    _, secret = keys_in(out)
    raw = (server.data_dir / "meta.sqlite3").read_bytes()
    wal = server.data_dir / "meta.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert secret.encode() not in raw
    with sqlite3.connect(server.data_dir / "meta.sqlite3") as conn:
        stored = [bytes(r[0]) for r in conn.execute("SELECT secret FROM access_keys")]
    assert stored and all(secret.encode() not in s for s in stored)
    assert (server.data_dir / "server.key").stat().st_mode & 0o777 == 0o600


def test_user_without_policy_is_denied(server: Server, bucket: str) -> None:
    _, client = new_user(server)
    with pytest.raises(ClientError) as exc:
        client.list_objects_v2(Bucket=bucket)
    assert _code(exc) == "AccessDenied"


def test_identity_policy_allows_get_object_on_a_prefix_only(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b.txt", Body=b"b")
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/public/*"}
        ],
    }
    _, client = new_user(server, doc)
    assert client.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"a"
    with pytest.raises(ClientError) as exc:
        client.get_object(Bucket=bucket, Key="private/b.txt")
    assert _code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        client.put_object(Bucket=bucket, Key="public/c.txt", Body=b"c")
    assert _code(exc) == "AccessDenied"


def test_disabled_user_is_an_invalid_access_key(server: Server, bucket: str) -> None:
    name, client = new_user(server, role="admin")
    client.list_objects_v2(Bucket=bucket)
    admin(server, "user", "disable", name)
    with pytest.raises(ClientError) as exc:
        client.list_objects_v2(Bucket=bucket)
    assert _code(exc) == "InvalidAccessKeyId"
    admin(server, "user", "disable", name, "--enable")
    client.list_objects_v2(Bucket=bucket)


def test_revoked_key_is_an_invalid_access_key(server: Server, bucket: str) -> None:
    name, client = new_user(server, role="admin")
    access_key, secret = keys_in(admin(server, "key", "create", name))
    second = user_client(server, access_key, secret)
    second.list_objects_v2(Bucket=bucket)
    admin(server, "key", "revoke", access_key)
    with pytest.raises(ClientError) as exc:
        second.list_objects_v2(Bucket=bucket)
    assert _code(exc) == "InvalidAccessKeyId"
    client.list_objects_v2(Bucket=bucket)  # the user's other key still works
    assert "Revoked" in admin(server, "key", "ls", name)


def test_removed_user_is_an_invalid_access_key(server: Server, bucket: str) -> None:
    name, client = new_user(server, role="admin")
    admin(server, "user", "rm", name)
    with pytest.raises(ClientError) as exc:
        client.list_objects_v2(Bucket=bucket)
    assert _code(exc) == "InvalidAccessKeyId"


def test_user_add_refuses_a_malformed_policy(server: Server) -> None:
    out = admin(server, "user", "add", "carol-cli", "--policy", "-", stdin="{not json", check=False)
    assert "invalid policy" in out
    assert "carol-cli" not in admin(server, "user", "ls")


def test_imported_key_and_root_unaffected(server: Server, s3: Any, bucket: str) -> None:
    admin(server, "user", "add", "dave-cli", "--no-key", "--role", "admin")
    out = admin(server, "key", "create", "dave-cli", "--access-key", "DAVEKEY0000000000001",
                "--secret-stdin", stdin="dave-secret-0123456789\n")  # fmt: skip
    assert keys_in(out) == ("DAVEKEY0000000000001", "dave-secret-0123456789")
    user_client(server, *keys_in(out)).list_objects_v2(Bucket=bucket)
    s3.list_objects_v2(Bucket=bucket)
