"""`aerostore serve` on first start: generated root credentials (printed once) and the platform buckets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import requests

from .server import free_port


def run_serve(data_dir: Path, env: dict[str, str]) -> tuple[str, int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aerostore",
            "serve",
            "--data-dir",
            str(data_dir),
            "--address",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=20)
    return output, port


def bucket_names_when_up(s3) -> set[str]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while True:
        try:
            return {b["Name"] for b in s3.list_buckets()["Buckets"]}
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEROSTORE_")}
    env.update(extra)
    return env


def test_first_start_generates_credentials_and_prints_them_once(tmp_path: Path) -> None:
    first, _ = run_serve(tmp_path / "data", clean_env())
    assert "AccessKey:" in first and "SecretKey:" in first
    access = first.split("AccessKey:")[1].split()[0]
    secret = first.split("SecretKey:")[1].split()[0]
    assert oct((tmp_path / "data" / "root-credentials.json").stat().st_mode & 0o777) == "0o600"
    second, _ = run_serve(tmp_path / "data", clean_env())
    assert "SecretKey:" not in second
    assert secret not in second
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aerostore",
            "serve",
            "--data-dir",
            str(tmp_path / "data"),
            "--address",
            f"127.0.0.1:{port}",
        ],
        env=clean_env(),
        stdout=subprocess.DEVNULL,
    )
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            region_name="us-east-1",
        )
        names = bucket_names_when_up(s3)
        assert names == {"raw-uploads", "processed-images", "audit-logs"}
    finally:
        proc.terminate()
        proc.wait(20)


def test_platform_bucket_names_are_configurable(tmp_path: Path) -> None:
    env = clean_env(
        AEROSTORE_ROOT_USER="cliadmin",
        AEROSTORE_ROOT_PASSWORD="cli-secret-123",
        AEROSTORE_RAW_BUCKET="ingest-staging",
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aerostore",
            "serve",
            "--data-dir",
            str(tmp_path / "d"),
            "--address",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="cliadmin",
            aws_secret_access_key="cli-secret-123",
            region_name="us-east-1",
        )
        names = bucket_names_when_up(s3)
        assert names == {"ingest-staging", "processed-images", "audit-logs"}
    finally:
        proc.terminate()
        proc.wait(20)
