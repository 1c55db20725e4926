"""The declarative architecture file: read it, and apply it idempotently to the engine."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aerostore.s3 import errors
from aerostore.s3.names import validate_bucket_name
from aerostore.storage.engine import Engine

ROLES = ("raw", "processed", "audit")


@dataclass(frozen=True, slots=True)
class BucketSpec:
    role: str
    name: str
    purpose: str


def load(path: Path | None = None) -> list[BucketSpec]:
    """The bucket specs of ``path`` (default: the packaged file); AEROSTORE_<ROLE>_BUCKET renames."""
    text = (
        path.read_text()
        if path
        else resources.files("aerostore.blueprint").joinpath("default.toml").read_text()
    )
    data = tomllib.loads(text)
    specs = []
    for role, spec in data.get("buckets", {}).items():
        name = os.environ.get(f"AEROSTORE_{role.upper()}_BUCKET", spec["name"])
        validate_bucket_name(name)
        specs.append(BucketSpec(role, name, spec.get("purpose", "")))
    return specs


async def apply(engine: Engine, specs: list[BucketSpec], owner: str, region: str) -> list[str]:
    """Create what is missing; return the names created (empty when already applied)."""
    created = []
    for spec in specs:
        try:
            await engine.create_bucket(spec.name, owner, region)
        except (errors.BucketAlreadyOwnedByYou, errors.BucketAlreadyExists):
            continue
        created.append(spec.name)
    return created
