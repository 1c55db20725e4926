"""Helpers for the access tests: the admin CLI against a running server, and clients of its users."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from .server import Server


def admin(srv: Server, *args: str, stdin: str | None = None, check: bool = True) -> str:
    """Run `aerostore admin ARGS --data-dir <the server's>` and return its output."""
    cmd = [sys.executable, "-m", "aerostore", "admin", *args, "--data-dir", str(srv.data_dir)]
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60, env=srv.env())
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} failed: {done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def keys_in(output: str) -> tuple[str, str]:
    access = re.search(r"AccessKey: (\S+)", output)
    secret = re.search(r"SecretKey: (\S+)", output)
    assert access and secret, output
    return access.group(1), secret.group(1)


def new_user(srv: Server, policy: dict[str, Any] | None = None, role: str | None = None) -> tuple[str, Any]:
    """A fresh user (with ``policy`` as its identity policy) and a boto3 client signing as it."""
    name = f"user-{uuid.uuid4().hex[:8]}"
    args = ["user", "add", name]
    if role:
        args += ["--role", role]
    if policy is not None:
        args += ["--policy", "-"]
    out = admin(srv, *args, stdin=json.dumps(policy) if policy is not None else None)
    return name, user_client(srv, *keys_in(out))


def user_client(srv: Server, access_key: str, secret: str) -> Any:
    verify = str(srv.tls[0]) if srv.tls else None
    return boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret, region_name="us-east-1", verify=verify)  # fmt: skip


def anonymous_client(srv: Server) -> Any:
    return boto3.client("s3", endpoint_url=srv.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED))  # fmt: skip


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def user_arn(name: str) -> str:
    return f"arn:aws:iam::000000000000:user/{name}"
