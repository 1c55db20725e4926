"""What a lifecycle pass does to one key's version stack, or to one multipart upload: pure decisions.

The worker (worker.py) reads versions in key order and hands each key's whole stack here,
newest first; the write jobs (actions.py) re-check every decision in their own transaction.

AWS's rules, as https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
and https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-and-other-bucket-config.html
state them:

- a rule acts ``Days`` after the version's creation rounded up to the next midnight UTC
  (dates.due), or on its ``Date``; a noncurrent version's days count from the moment it
  became noncurrent, i.e. the creation of the next newer version of its key;
- ``NewerNoncurrentVersions`` keeps that many of the newest noncurrent versions;
- permanent deletion takes precedence over transition, transition over the creation of a
  delete marker, and the coldest due transition wins; a transition never goes to a warmer class;
- an expired object delete marker (the only version of its key) goes with ExpiredObjectDeleteMarker
  at once, or with an Expiration Days / Date once it is old enough to satisfy it;
- a version Object Lock protects is never deleted (counted as ``skipped_locked``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from aerostore.features import object_lock
from aerostore.features.object_lock import Retention
from aerostore.lifecycle import dates
from aerostore.lifecycle.rules import LifecycleConfiguration, Rule


class Action(StrEnum):
    """The action names of ``aerostore lifecycle status`` (also counted per rule)."""

    EXPIRE = "expire"  # the current version of an unversioned bucket, deleted
    DELETE_MARKER = "delete_marker"  # a delete marker stacked over the current version
    NONCURRENT_EXPIRE = "noncurrent_expire"
    EXPIRED_DELETE_MARKER = "expired_delete_marker"
    ABORT_MULTIPART = "abort_multipart"
    TRANSITION = "transition"
    SKIPPED_LOCKED = "skipped_locked"  # due, but Object Lock protects the version: tried again later


# The lifecycle waterfall, warmest first: a transition only ever moves a version down it.
# See https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
CLASS_ORDER = ("STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
_RANK = {name: rank for rank, name in enumerate(CLASS_ORDER, start=1)}  # STANDARD and the rest: 0


def coldness(storage_class: str) -> int:
    """A class's place down the waterfall: 0 for STANDARD (and any class outside it)."""
    return _RANK.get(storage_class, 0)


@dataclass(frozen=True, slots=True)
class Entry:
    """A version as the scan reads it: only the columns the rules look at."""

    seq: int
    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    size: int
    last_modified: float
    storage_class: str
    tags: Mapping[str, str]
    retention: Retention | None
    legal_hold: str | None

    def protected(self, now: float) -> bool:
        return object_lock.protected(self.retention, self.legal_hold, now, False)


@dataclass(frozen=True, slots=True)
class Planned:
    """One action due now; ``newer`` (for NewerNoncurrentVersions: how many noncurrent versions
    newer than it must remain) is re-checked when it runs, with its latest / noncurrent state."""

    action: Action
    rule_id: str
    entry: Entry
    storage_class: str | None = None  # the target of a transition
    newer: int = 0


@dataclass(slots=True)
class Plan:
    """What a batch decided: the actions due and the earliest future due date seen."""

    actions: list[Planned] = field(default_factory=list)
    next_due: float | None = None

    def later(self, when: float) -> None:
        """Something falls due at ``when``, after now."""
        if self.next_due is None or when < self.next_due:
            self.next_due = when


def plan_stack(
    config: LifecycleConfiguration,
    stack: list[Entry],
    versioned: bool,
    now: float,
    day: float,
    plan: Plan,
) -> None:
    """Add to ``plan`` what is due for one key (``stack``: its versions, newest first)."""
    if not stack:
        return
    rules = [r for r in config.rules if r.enabled]
    current = stack[0]
    if current.is_latest:
        if current.delete_marker:
            _lone_marker(rules, current, len(stack) == 1, now, day, plan)
        else:
            _current(rules, current, versioned, now, day, plan)
    for rank, (newer, entry) in enumerate(zip(stack, stack[1:], strict=False)):
        _noncurrent(rules, entry, newer, rank, now, day, plan)


def _matching(rules: Iterable[Rule], e: Entry) -> list[Rule]:
    return [r for r in rules if r.filter.matches(e.key, e.size, e.tags)]


def _earliest(found: Iterable[tuple[float, str]]) -> tuple[float, str] | None:
    return min(found, default=None)


def _lone_marker(rules: list[Rule], marker: Entry, lone: bool, now: float, day: float, plan: Plan) -> None:
    if not lone:
        return  # older versions remain: the marker hides them, nothing to do (AWS)
    times = []
    for rule in _matching(rules, marker):
        if rule.expired_object_delete_marker:
            times.append((marker.last_modified, rule.id))
        elif rule.expiration_days is not None:
            times.append((dates.due(marker.last_modified, rule.expiration_days, day), rule.id))
        elif rule.expiration_date is not None:
            times.append((dates.date_due(rule.expiration_date), rule.id))
    if (first := _earliest(times)) is None:
        return
    if first[0] <= now:
        plan.actions.append(Planned(Action.EXPIRED_DELETE_MARKER, first[1], marker))
    else:
        plan.later(first[0])


def _expiration(rules: list[Rule], e: Entry, day: float) -> tuple[float, str] | None:
    times = []
    for rule in rules:
        if rule.expiration_days is not None:
            times.append((dates.due(e.last_modified, rule.expiration_days, day), rule.id))
        elif rule.expiration_date is not None:
            times.append((dates.date_due(rule.expiration_date), rule.id))
    return _earliest(times)


def _transition(
    candidates: Iterable[tuple[float, str, str]], e: Entry, now: float, plan: Plan
) -> tuple[str, str] | None:
    """The coldest due transition colder than ``e`` is: (storage class, rule id); later ones noted."""
    best: tuple[int, str, str] | None = None
    for when, storage_class, rule_id in candidates:
        rank = coldness(storage_class)
        if rank <= coldness(e.storage_class):
            continue  # never to a warmer class, nor to the one it is in
        if when > now:
            plan.later(when)
        elif best is None or rank > best[0]:
            best = (rank, storage_class, rule_id)
    return None if best is None else (best[1], best[2])


def _current(rules: list[Rule], e: Entry, versioned: bool, now: float, day: float, plan: Plan) -> None:
    matching = _matching(rules, e)
    expiry = _expiration(matching, e, day)
    candidates = [
        (dates.due(e.last_modified, t.days, day) if t.days is not None else dates.date_due(t.date or 0.0),
         t.storage_class, rule.id)
        for rule in matching for t in rule.transitions
    ]  # fmt: skip
    expiring = expiry is not None and expiry[0] <= now
    if expiring and not versioned:  # permanent deletion beats any transition
        assert expiry is not None
        plan.actions.append(Planned(Action.EXPIRE, expiry[1], e))
        return
    transition = _transition(candidates, e, now, plan)
    if transition is not None:  # a transition beats the creation of a delete marker
        plan.actions.append(Planned(Action.TRANSITION, transition[1], e, storage_class=transition[0]))
    elif expiry is not None and expiring:
        plan.actions.append(Planned(Action.DELETE_MARKER, expiry[1], e))
    elif expiry is not None:
        plan.later(expiry[0])


def _noncurrent(
    rules: list[Rule], e: Entry, newer: Entry, rank: int, now: float, day: float, plan: Plan
) -> None:
    """``e`` became noncurrent when ``newer`` was written; ``rank`` noncurrent versions are newer."""
    since = newer.last_modified
    matching = _matching(rules, e)
    times = [
        (dates.due(since, r.noncurrent_days, day), r.id, r.newer_noncurrent_versions or 0)
        for r in matching
        if r.noncurrent_days is not None and rank >= (r.newer_noncurrent_versions or 0)
    ]
    if times:
        when, rule_id, keep = min(times)
        if when <= now and e.protected(now):
            plan.actions.append(Planned(Action.SKIPPED_LOCKED, rule_id, e, newer=keep))
            if e.retention is not None and e.legal_hold != object_lock.LEGAL_HOLD_ON:
                plan.later(e.retention.until)
            return
        if when <= now:
            plan.actions.append(Planned(Action.NONCURRENT_EXPIRE, rule_id, e, newer=keep))
            return
        plan.later(when)
    if e.delete_marker:
        return
    candidates = [
        (dates.due(since, t.days, day), t.storage_class, rule.id)
        for rule in matching for t in rule.noncurrent_transitions
        if rank >= (t.newer_versions or 0)
    ]  # fmt: skip
    transition = _transition(candidates, e, now, plan)
    if transition is not None:
        planned = Planned(Action.TRANSITION, transition[1], e, storage_class=transition[0])
        plan.actions.append(planned)


def plan_upload(
    config: LifecycleConfiguration, key: str, initiated: float, now: float, day: float
) -> tuple[float, str] | None:
    """(due time, rule id) of the AbortIncompleteMultipartUpload that applies first to an upload.

    Such a rule's filter is a prefix only (AWS refuses tags with it).
    """
    times = [
        (dates.due(initiated, rule.abort_multipart_days, day), rule.id)
        for rule in config.rules
        if rule.enabled and rule.abort_multipart_days is not None and key.startswith(rule.filter.prefix)
    ]
    return _earliest(times)
