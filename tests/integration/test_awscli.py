"""The aws cli at its default settings: mb, cp (small and multipart), ls, sync, rm, rb, presign, s3api."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from .server import Server

# The aws cli installed with the test extras sits beside this interpreter, even when its
# bin directory is not on PATH (`.venv/bin/python -m pytest`).
AWS = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="aws cli not installed")


def aws(server: Server, env: dict[str, str], *args: str) -> str:
    result = subprocess.run([AWS or "aws", "--endpoint-url", server.endpoint, *args], env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_cli_bucket_and_object_lifecycle(server: Server, aws_env: dict[str, str], tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    aws(server, aws_env, "s3", "mb", f"s3://{name}")
    small = tmp_path / "small.txt"
    small.write_bytes(b"hello from the aws cli\n")
    aws(server, aws_env, "s3", "cp", str(small), f"s3://{name}/docs/small.txt")
    assert "docs/small.txt" in aws(server, aws_env, "s3", "ls", f"s3://{name}", "--recursive")
    back = tmp_path / "back.txt"
    aws(server, aws_env, "s3", "cp", f"s3://{name}/docs/small.txt", str(back))
    assert back.read_bytes() == small.read_bytes()
    url = aws(server, aws_env, "s3", "presign", f"s3://{name}/docs/small.txt", "--expires-in", "60").strip()
    assert requests.get(url, timeout=10).content == small.read_bytes()
    head = json.loads(aws(server, aws_env, "s3api", "head-object", "--bucket", name,
                          "--key", "docs/small.txt"))  # fmt: skip
    assert head["ContentLength"] == small.stat().st_size
    aws(server, aws_env, "s3", "rm", f"s3://{name}", "--recursive")
    aws(server, aws_env, "s3", "rb", f"s3://{name}")
    assert name not in aws(server, aws_env, "s3", "ls")


@pytest.mark.slow
def test_cli_large_multipart_copy(server: Server, aws_env: dict[str, str], tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    aws(server, aws_env, "s3", "mb", f"s3://{name}")
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        for _ in range(105):
            f.write(os.urandom(1 << 20))
    aws(server, aws_env, "s3", "cp", str(big), f"s3://{name}/big.bin")
    head = json.loads(aws(server, aws_env, "s3api", "head-object", "--bucket", name, "--key", "big.bin"))
    assert head["ContentLength"] == 105 << 20
    assert head["ETag"].strip('"').endswith("-14")  # 8 MiB parts: 105 MiB is 14 of them
    back = tmp_path / "back.bin"
    aws(server, aws_env, "s3", "cp", f"s3://{name}/big.bin", str(back))
    assert sha256_of(back) == sha256_of(big)
    aws(server, aws_env, "s3", "rb", f"s3://{name}", "--force")


def test_cli_sync_both_ways(server: Server, aws_env: dict[str, str], tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    aws(server, aws_env, "s3", "mb", f"s3://{name}")
    source = tmp_path / "src"
    for i in range(12):
        path = source / f"dir{i % 3}" / f"file {i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"file number {i}\n" * (i + 1))
    aws(server, aws_env, "s3", "sync", str(source), f"s3://{name}/tree")
    again = aws(server, aws_env, "s3", "sync", str(source), f"s3://{name}/tree")
    assert again.strip() == ""  # nothing changed, nothing re-uploaded
    dest = tmp_path / "dest"
    aws(server, aws_env, "s3", "sync", f"s3://{name}/tree", str(dest))
    for path in source.rglob("*.txt"):
        assert (dest / path.relative_to(source)).read_bytes() == path.read_bytes()
    aws(server, aws_env, "s3", "rb", f"s3://{name}", "--force")


def test_cli_s3api_list_objects_v2(server: Server, aws_env: dict[str, str], s3, bucket: str) -> None:
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
    listed = json.loads(aws(server, aws_env, "s3api", "list-objects-v2", "--bucket", bucket))
    assert [o["Key"] for o in listed["Contents"]] == ["k0", "k1", "k2"]
