"""The lifecycle configuration as values: rules, their filter and their actions.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CONFIG_NAME = "lifecycle"  # a bucket's configuration: its row of that name in ``config``

STORAGE_CLASSES = frozenset(
    {"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}
)  # the targets a transition may name
# Classes whose bytes live in the archive tier: GET needs a restore first (docs/archive.md).
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
REAL_DAY = 86400.0  # seconds in a lifecycle day unless --lifecycle-day-seconds says otherwise


@dataclass(frozen=True, slots=True)
class Filter:
    """Which objects a rule applies to: all of the given conditions hold (an empty filter: every object).

    ``legacy`` and ``conjunction`` only remember how the rule was written (a top-level
    ``<Prefix>``, an ``<And>``), so GET answers in the same form, as AWS does.
    """

    prefix: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    size_gt: int | None = None
    size_lt: int | None = None
    legacy: bool = field(default=False, compare=False)
    conjunction: bool = field(default=False, compare=False)

    def matches(self, key: str, size: int, tags: Mapping[str, str]) -> bool:
        """AWS's filter semantics: key prefix, every filter tag present, sizes strictly bounded."""
        if not key.startswith(self.prefix):
            return False
        if self.size_gt is not None and not size > self.size_gt:
            return False
        if self.size_lt is not None and not size < self.size_lt:
            return False
        return all(tags.get(name) == value for name, value in self.tags)


@dataclass(frozen=True, slots=True)
class Transition:
    storage_class: str
    days: int | None = None
    date: float | None = None  # epoch seconds, midnight UTC


@dataclass(frozen=True, slots=True)
class NoncurrentTransition:
    storage_class: str
    days: int
    newer_versions: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    enabled: bool
    filter: Filter
    expiration_days: int | None = None
    expiration_date: float | None = None  # epoch seconds, midnight UTC
    expired_object_delete_marker: bool = False
    noncurrent_days: int | None = None
    newer_noncurrent_versions: int | None = None
    transitions: tuple[Transition, ...] = ()
    noncurrent_transitions: tuple[NoncurrentTransition, ...] = ()
    abort_multipart_days: int | None = None


@dataclass(frozen=True, slots=True)
class LifecycleConfiguration:
    rules: tuple[Rule, ...]
