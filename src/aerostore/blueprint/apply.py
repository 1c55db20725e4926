"""The declarative architecture file: read it, and apply it idempotently to the engine.

Each ``[buckets.<role>]`` names a bucket; ``[buckets.<role>.object_lock]`` (``mode`` and
``days`` or ``years``) makes it a retention-protected bucket: created with Object Lock (which
turns versioning on for good) and that default retention for every new version.
``AEROSTORE_<ROLE>_BUCKET`` renames a bucket, ``AEROSTORE_<ROLE>_RETENTION_DAYS`` changes its
default retention period.

Applying is idempotent and only ever adds what is missing:

- a missing bucket is created as declared;
- an existing lock bucket without a default retention gets the declared one; one that has a
  default keeps it (it may have been changed on purpose through PutObjectLockConfiguration,
  which is also how to change it later);
- an existing bucket declared with Object Lock but created without it (by an older aerostore,
  or by hand) gets versioning Enabled and then Object Lock, as S3 allows for existing buckets.
  The file says this bucket is retention-protected, and a bucket the platform believes
  protected while it is not is the failure that matters: deletes would silently destroy
  images. Turning it on cannot lock anything already stored (a default retention applies to
  new versions only), so no existing object becomes undeletable; it does make the bucket
  keep every version from then on, and it cannot be undone, as on S3. It is logged.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aerostore.features.object_lock import MAX_DAYS, MAX_YEARS, MODES, DefaultRetention
from aerostore.s3 import errors
from aerostore.s3.names import validate_bucket_name
from aerostore.storage.engine import Engine

ROLES = ("raw", "processed", "audit")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BucketSpec:
    role: str
    name: str
    purpose: str
    object_lock: DefaultRetention | None = None  # None: no Object Lock


def load(path: Path | None = None) -> list[BucketSpec]:
    """The bucket specs of ``path`` (default: the packaged file), with the environment's overrides."""
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
        lock = _object_lock(role, spec.get("object_lock"))
        specs.append(BucketSpec(role, name, spec.get("purpose", ""), lock))
    return specs


def _object_lock(role: str, table: dict[str, Any] | None) -> DefaultRetention | None:
    """A ``[buckets.<role>.object_lock]`` table as a default retention; ValueError when it is wrong."""
    if table is None:
        return None
    variable = f"AEROSTORE_{role.upper()}_RETENTION_DAYS"
    if (days_env := os.environ.get(variable)) is not None:
        if not days_env.strip().isdigit():
            raise ValueError(f"{variable} must be a whole number of days")
        table = {"mode": table.get("mode"), "days": int(days_env)}
    mode, days, years = table.get("mode"), table.get("days"), table.get("years")
    if mode not in MODES:
        raise ValueError(f"buckets.{role}.object_lock: mode must be one of {', '.join(MODES)}")
    if (days is None) == (years is None):
        raise ValueError(f"buckets.{role}.object_lock: give either days or years")
    period, limit = (days, MAX_DAYS) if days is not None else (years, MAX_YEARS)
    if not isinstance(period, int) or not 1 <= period <= limit:
        raise ValueError(f"buckets.{role}.object_lock: the period must be a whole number from 1 to {limit}")
    return DefaultRetention(mode, days=days, years=years)


async def apply(engine: Engine, specs: list[BucketSpec], owner: str, region: str) -> list[str]:
    """Create what is missing and complete what lacks its declared lock; return the names created."""
    created = []
    for spec in specs:
        try:
            await engine.create_bucket(spec.name, owner, region, object_lock=spec.object_lock is not None)
            created.append(spec.name)
        except (errors.BucketAlreadyOwnedByYou, errors.BucketAlreadyExists):
            pass
        if spec.object_lock is not None:
            await _ensure_lock(engine, spec.name, spec.object_lock)
    return created


async def _ensure_lock(engine: Engine, name: str, default: DefaultRetention) -> None:
    bucket = engine.get_bucket(name)
    if not bucket.object_lock:
        log.warning("bucket %s: enabling versioning and Object Lock, as the architecture file declares", name)
        await engine.set_versioning(name, "Enabled")
    elif engine.get_object_lock_configuration(name) is not None:
        return
    await engine.put_object_lock_configuration(name, default)
