"""The Object Lock rules: which versions are protected, which retention changes pass."""

from __future__ import annotations

import pytest

from aerostore.features.object_lock import (
    COMPLIANCE,
    DAY,
    GOVERNANCE,
    DefaultRetention,
    Retention,
    may_replace,
    protected,
)

NOW = 1_800_000_000.0
LATER = Retention(GOVERNANCE, NOW + 60)
COMPLIANT = Retention(COMPLIANCE, NOW + 60)
EXPIRED = Retention(COMPLIANCE, NOW - 1)

PROTECTION = [
    (None, None, False, False),
    (None, "OFF", False, False),
    (None, "ON", True, True),  # a bypass never lifts a legal hold
    (LATER, None, False, True),
    (LATER, None, True, False),
    (COMPLIANT, None, True, True),
    (EXPIRED, None, False, False),
    (EXPIRED, "ON", True, True),
]


@pytest.mark.parametrize(
    ("retention", "hold", "bypass", "expected"),
    PROTECTION,
    ids=[f"{r and r.mode}-{h}-bypass={b}" for r, h, b, _ in PROTECTION],
)
def test_protected(retention: Retention | None, hold: str | None, bypass: bool, expected: bool) -> None:
    assert protected(retention, hold, NOW, bypass) is expected


CHANGES = [
    ("extend governance", LATER, Retention(GOVERNANCE, NOW + 120), False, True),
    ("restate governance", LATER, LATER, False, True),
    ("shorten governance", LATER, Retention(GOVERNANCE, NOW + 30), False, False),
    ("shorten governance with bypass", LATER, Retention(GOVERNANCE, NOW + 30), True, True),
    ("remove governance", LATER, None, False, False),
    ("remove governance with bypass", LATER, None, True, True),
    ("governance to compliance", LATER, Retention(COMPLIANCE, NOW + 60), False, False),
    ("governance to compliance with bypass", LATER, Retention(COMPLIANCE, NOW + 60), True, True),
    ("extend compliance", COMPLIANT, Retention(COMPLIANCE, NOW + 120), False, True),
    ("shorten compliance with bypass", COMPLIANT, Retention(COMPLIANCE, NOW + 30), True, False),
    ("compliance to governance with bypass", COMPLIANT, Retention(GOVERNANCE, NOW + 120), True, False),
    ("remove compliance with bypass", COMPLIANT, None, True, False),
    ("expired compliance", EXPIRED, Retention(GOVERNANCE, NOW + 5), False, True),
    ("none yet", None, Retention(COMPLIANCE, NOW + 5), False, True),
]


@pytest.mark.parametrize(
    ("current", "new", "bypass", "expected"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_may_replace(current: Retention | None, new: Retention | None, bypass: bool, expected: bool) -> None:
    assert may_replace(current, new, NOW, bypass) is expected


def test_default_retention_counts_from_creation() -> None:
    assert DefaultRetention(GOVERNANCE, days=2).applied_at(NOW) == Retention(GOVERNANCE, NOW + 2 * DAY)
    assert DefaultRetention(COMPLIANCE, years=1).applied_at(NOW) == Retention(COMPLIANCE, NOW + 365 * DAY)
