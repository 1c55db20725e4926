"""`aerostore serve` on first start: generated root credentials (printed once) and the platform buckets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import requests

from .server import free_port


def spawn(data_dir: Path, env: dict[str, str], port: int, **popen: object) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "aerostore", "serve", "--data-dir", str(data_dir)]
    args += ["--address", f"127.0.0.1:{port}"]
    return subprocess.Popen(args, env=env, text=True, **popen)  # type: ignore[call-overload,no-any-return]


def run_serve(data_dir: Path, env: dict[str, str]) -> str:
    """Start, wait until it answers, stop; return everything it printed."""
    port = free_port()
    proc = spawn(data_dir, env, port, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=20)
    return str(output)


@contextmanager
def bucket_names(data_dir: Path, env: dict[str, str], access: str, secret: str) -> Iterator[set[str]]:
    """The bucket names a freshly started server lists for these credentials."""
    port = free_port()
    proc = spawn(data_dir, env, port, stdout=subprocess.DEVNULL)
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id=access,
                      aws_secret_access_key=secret, region_name="us-east-1")  # fmt: skip
    try:
        deadline, names = time.monotonic() + 20, None
        while names is None:
            try:
                names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield names
    finally:
        proc.terminate()
        proc.wait(20)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEROSTORE_")}
    env.update(extra)
    return env


def test_first_start_generates_credentials_and_prints_them_once(tmp_path: Path) -> None:
    first = run_serve(tmp_path / "data", clean_env())
    assert "AccessKey:" in first and "SecretKey:" in first
    access = first.split("AccessKey:")[1].split()[0]
    secret = first.split("SecretKey:")[1].split()[0]
    assert oct((tmp_path / "data" / "root-credentials.json").stat().st_mode & 0o777) == "0o600"
    second = run_serve(tmp_path / "data", clean_env())
    assert "SecretKey:" not in second
    assert secret not in second
    with bucket_names(tmp_path / "data", clean_env(), access, secret) as names:
        assert names == {"raw-uploads", "processed-images", "audit-logs"}


def test_platform_bucket_names_are_configurable(tmp_path: Path) -> None:
    env = clean_env(AEROSTORE_ROOT_USER="cliadmin", AEROSTORE_ROOT_PASSWORD="cli-secret-123",
                    AEROSTORE_RAW_BUCKET="ingest-staging")  # fmt: skip
    with bucket_names(tmp_path / "d", env, "cliadmin", "cli-secret-123") as names:
        assert names == {"ingest-staging", "processed-images", "audit-logs"}
