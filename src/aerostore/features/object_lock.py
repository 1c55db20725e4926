"""Object Lock rules, as pure functions: when a version is protected, which retention changes pass.

A version is protected while its legal hold is ON, or while its retention date is in the
future: COMPLIANCE against everyone, GOVERNANCE against anyone who does not bypass it.
Retention can always be extended in the same mode; while it is active, anything else (a
shorter date, another mode, removing it) needs a GOVERNANCE bypass and is never allowed
under COMPLIANCE. Delete markers are never protected.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
"""

from __future__ import annotations

from dataclasses import dataclass

GOVERNANCE = "GOVERNANCE"
COMPLIANCE = "COMPLIANCE"
MODES = (GOVERNANCE, COMPLIANCE)
LEGAL_HOLD_ON = "ON"
LEGAL_HOLD_OFF = "OFF"
LEGAL_HOLDS = (LEGAL_HOLD_ON, LEGAL_HOLD_OFF)
DAY = 86400.0
# "The maximum retention period is 100 years"; S3 counts a year as 365 days.
# See https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html
MAX_DAYS = 36500
MAX_YEARS = 100


@dataclass(frozen=True, slots=True)
class Retention:
    """A version's retention: its mode and the epoch second it protects the version until."""

    mode: str
    until: float

    def active(self, now: float) -> bool:
        return self.until > now


@dataclass(frozen=True, slots=True)
class DefaultRetention:
    """A bucket's default retention: a mode and a period of either days or years."""

    mode: str
    days: int | None = None
    years: int | None = None

    def applied_at(self, created: float) -> Retention:
        """The retention of a version created at ``created``: the period added to its creation time."""
        days = self.days if self.days is not None else 365 * (self.years or 0)
        return Retention(self.mode, created + days * DAY)


def protected(
    retention: Retention | None, legal_hold: str | None, now: float, bypass_governance: bool
) -> bool:
    """Whether a version may not be deleted or overwritten in place at ``now``.

    A GOVERNANCE bypass lifts the retention, never the legal hold.
    """
    if legal_hold == LEGAL_HOLD_ON:
        return True
    if retention is None or not retention.active(now):
        return False
    return retention.mode == COMPLIANCE or not bypass_governance


def may_replace(
    current: Retention | None, new: Retention | None, now: float, bypass_governance: bool
) -> bool:
    """Whether PutObjectRetention may replace ``current`` with ``new`` (None removes the retention)."""
    if current is None or not current.active(now):
        return True
    if new is not None and new.mode == current.mode and new.until >= current.until:
        return True  # extending (or restating) is open to anyone allowed to put retention
    return current.mode == GOVERNANCE and bypass_governance
