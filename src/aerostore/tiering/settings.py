"""The archive tier's settings: ``Config.archive`` / ``Config.tiers`` (the config file) and ``--archive-dir``.

::

    [archive]
    tier = "cold"                  # optional: a [tiers.NAME] table; default the archive directory
    restore_delay_expedited = 120  # seconds of a real day, per retrieval tier
    restore_delay_standard = 14400
    restore_delay_bulk = 43200

    [tiers.cold]
    type = "s3"
    endpoint = "http://127.0.0.1:9100"
    bucket = "archive"
    prefix = "aerostore/"
    access_key = "..."
    secret_key = "..."
    region = "us-east-1"

Delays scale with the lifecycle day (``lifecycle_day_seconds / 86400``), so an accelerated day
shortens restores as much as it shortens rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerostore.config import Config
from aerostore.lifecycle.model import REAL_DAY
from aerostore.tiering.tiers import ArchiveTier, DirectoryTier, S3Tier

# AWS: Expedited 1-5 minutes, Standard 3-5 hours, Bulk 5-12 hours (GLACIER).
DEFAULT_DELAYS = {"Expedited": 120.0, "Standard": 4 * 3600.0, "Bulk": 12 * 3600.0}
_DELAY_KEYS = {f"restore_delay_{tier.lower()}": tier for tier in DEFAULT_DELAYS}
_TIER_KEYS = {"type", "endpoint", "bucket", "prefix", "access_key", "secret_key", "region"}


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    day_seconds: float = REAL_DAY
    delays: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_DELAYS))

    def restore_delay(self, tier: str) -> float:
        """How long a restore in ``tier`` takes, in seconds of the (possibly accelerated) clock."""
        return self.delays[tier] * self.day_seconds / REAL_DAY


def parse(archive: Mapping[str, Any], day_seconds: float) -> ArchiveSettings:
    unknown = set(archive) - set(_DELAY_KEYS) - {"tier"}
    if unknown:
        raise ValueError(f"[archive]: unknown setting(s) {', '.join(sorted(unknown))}")
    delays = dict(DEFAULT_DELAYS)
    for key, tier in _DELAY_KEYS.items():
        if key in archive:
            value = float(archive[key])
            if value < 0:
                raise ValueError(f"[archive] {key} must not be negative")
            delays[tier] = value
    return ArchiveSettings(day_seconds=day_seconds, delays=delays)


def build_tier(
    archive: Mapping[str, Any],
    tiers: Mapping[str, Any],
    archive_dir: Path,
    scratch: Path,
    *,
    fsync: bool = True,
) -> ArchiveTier:
    """The configured tier: ``[archive] tier = NAME`` names a ``[tiers.NAME]``, else the directory."""
    name = archive.get("tier")
    if name is None:
        return DirectoryTier(archive_dir, fsync=fsync)
    table = tiers.get(name)
    if not isinstance(table, Mapping):
        raise ValueError(f"[archive] tier = {name!r}: no [tiers.{name}] table")
    unknown = set(table) - _TIER_KEYS
    if unknown:
        raise ValueError(f"[tiers.{name}]: unknown setting(s) {', '.join(sorted(unknown))}")
    if table.get("type") != "s3":
        raise ValueError(f'[tiers.{name}]: type must be "s3"')
    for required in ("endpoint", "bucket"):
        if not table.get(required):
            raise ValueError(f"[tiers.{name}]: {required} is required")
    return S3Tier.from_settings(name, dict(table), scratch)


def from_config(config: Config) -> tuple[ArchiveTier, ArchiveSettings]:
    """The tier and settings ``aerostore serve`` gives the engine."""
    archive_dir = config.archive_dir or config.data_dir / "archive"
    tier = build_tier(config.archive, config.tiers, archive_dir, config.data_dir / "tmp", fsync=config.fsync)
    return tier, parse(config.archive, config.lifecycle_day_seconds)
