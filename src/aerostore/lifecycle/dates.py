"""When a lifecycle rule falls due, as AWS computes it: age in days rounded up to the next midnight UTC.

A lifecycle "day" lasts ``day_seconds`` (86400 unless the server runs with an accelerated
day); "midnight" is then the next multiple of that length since the epoch.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html
"""

from __future__ import annotations

import math

from aerostore.lifecycle.model import LifecycleConfiguration
from aerostore.storage.model import ObjectVersion


def due(start: float, days: int, day_seconds: float) -> float:
    """``start`` plus ``days`` days, rounded up to the next day boundary (kept when exactly on one)."""
    return float(math.ceil((start + days * day_seconds) / day_seconds) * day_seconds)


def date_due(date: float) -> float:
    """When a rule's ``Date`` falls due: the date itself (AWS requires midnight UTC)."""
    return date


def expiration(
    config: LifecycleConfiguration, version: ObjectVersion, day_seconds: float
) -> tuple[float, str] | None:
    """(expiry time, rule id) of the enabled current-version Expiration that removes ``version`` first.

    This is what ``x-amz-expiration`` announces; delete markers never carry it.
    """
    if version.delete_marker:
        return None
    found: tuple[float, str] | None = None
    for rule in config.rules:
        if not rule.enabled or not rule.filter.matches(version.key, version.size, version.attrs.tags):
            continue
        if rule.expiration_days is not None:
            when = due(version.last_modified, rule.expiration_days, day_seconds)
        elif rule.expiration_date is not None:
            when = date_due(rule.expiration_date)
        else:
            continue
        if found is None or when < found[0]:
            found = (when, rule.id)
    return found
