"""Server settings: frozen values from command-line flags and AEROSTORE_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ADDRESS = "127.0.0.1:9000"
DEFAULT_DATA_DIR = "./aerostore-data"
CREDENTIALS_FILE = "root-credentials.json"


@dataclass(frozen=True, slots=True)
class Credentials:
    user: str
    password: str
    generated: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 9000
    region: str = "us-east-1"
    domains: tuple[str, ...] = ()
    tls_cert: Path | None = None
    tls_key: Path | None = None
    fsync: bool = True
    blueprint: Path | None = None
    # The ``[targets]`` table of the server config file: external event destinations.
    targets: Mapping[str, Any] = field(default_factory=dict)
    # Image workers run in-process by `aerostore serve` (docs/worker.md); 0: none.
    image_workers: int = 0
    # The request audit trail (docs/audit.md): on/off, and how long the records of reads and
    # errors wait in memory before their group commit (the loss window on a crash).
    audit: bool = True
    audit_flush_interval: float = 1.0
    # Object Ownership of a bucket created without x-amz-object-ownership (docs/access.md).
    default_object_ownership: str = "BucketOwnerEnforced"
    # Lifecycle (docs/lifecycle.md): the length of a lifecycle "day" in seconds. 86400 in
    # production; a few seconds to watch a 7-day rule act in a demo or a test (as Ceph's
    # rgw_lc_debug_interval). Due dates, restore expiries and restore delays all scale with it.
    lifecycle_day_seconds: float = 86400.0
    # The archive tier (docs/archive.md): where GLACIER / DEEP_ARCHIVE bytes go. None: DATA/archive.
    archive_dir: Path | None = None
    # The ``[archive]`` and ``[tiers]`` tables of the server config file: restore delays, and a
    # remote S3 endpoint used as the archive tier instead of the directory.
    archive: Mapping[str, Any] = field(default_factory=dict)
    tiers: Mapping[str, Any] = field(default_factory=dict)


def parse_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"address must be HOST:PORT, got {address!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def root_credentials(data_dir: Path) -> Credentials:
    """AEROSTORE_ROOT_USER/_PASSWORD, else the pair generated on first start (kept, mode 0600)."""
    user, password = os.environ.get("AEROSTORE_ROOT_USER"), os.environ.get("AEROSTORE_ROOT_PASSWORD")
    if user and password:
        if len(password) < 8:
            raise ValueError("AEROSTORE_ROOT_PASSWORD must be at least 8 characters")
        return Credentials(user, password)
    path = data_dir / CREDENTIALS_FILE
    if path.exists():
        saved = json.loads(path.read_text())
        return Credentials(saved["user"], saved["password"])
    data_dir.mkdir(parents=True, exist_ok=True)
    creds = Credentials("aero" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30), generated=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"user": creds.user, "password": creds.password}, f)
        f.flush()
        os.fsync(f.fileno())
    return creds


def read_config_file(path: Path | None) -> dict[str, Any]:
    """The server config file (TOML): ``[targets]``, ``[archive]`` and ``[tiers]``."""
    if path is None:
        return {}
    data = tomllib.loads(path.read_text())
    unknown = set(data) - {"targets", "archive", "tiers"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
    return data
