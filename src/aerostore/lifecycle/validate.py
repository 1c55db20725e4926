"""The checks S3 makes across the actions of one lifecycle rule.

Messages follow S3's, which name the rule by its filter (``(prefix=logs/)``).
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
"""

from __future__ import annotations

from aerostore.lifecycle.model import Rule
from aerostore.s3 import errors

IA_CLASSES = frozenset({"STANDARD_IA", "ONEZONE_IA"})
IA_MINIMUM_DAYS = 30
# S3's "waterfall": a rule may only move objects down this list as they age.
ORDER = ("STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")


def check(rule: Rule, *, minimums: bool) -> None:
    """Refuse a rule S3 refuses; ``minimums`` adds the storage-duration constraints."""
    _actions(rule)
    _transitions(rule)
    _noncurrent(rule)
    if minimums:
        _minimums(rule)


def _describe(rule: Rule) -> str:
    return f"(prefix={rule.filter.prefix})"


def _actions(rule: Rule) -> None:
    has_action = (
        rule.expiration_days is not None
        or rule.expiration_date is not None
        or rule.expired_object_delete_marker
        or rule.noncurrent_days is not None
        or rule.transitions
        or rule.noncurrent_transitions
        or rule.abort_multipart_days is not None
    )
    if not has_action:
        raise errors.InvalidRequest("At least one action needs to be specified in a rule")
    if rule.expired_object_delete_marker and rule.filter.tags:
        raise errors.InvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")
    if rule.abort_multipart_days is not None and rule.filter.tags:
        raise errors.InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
    sized = rule.filter.size_gt is not None or rule.filter.size_lt is not None
    if rule.abort_multipart_days is not None and sized:
        raise errors.InvalidRequest(
            "AbortIncompleteMultipartUpload cannot be specified with an object size filter."
        )


def _transitions(rule: Rule) -> None:
    if not rule.transitions:
        return
    by_days = {t.days is not None for t in rule.transitions}
    if len(by_days) > 1:
        raise errors.InvalidRequest(
            "Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule "
            f"for filter '{_describe(rule)}'"
        )
    classes = [t.storage_class for t in rule.transitions]
    if len(set(classes)) != len(classes):
        raise errors.InvalidRequest(
            "'StorageClass' must be different for 'Transition' actions in same 'Rule' "
            f"with filter '{_describe(rule)}'"
        )
    days_based = by_days == {True}
    if (days_based and rule.expiration_date is not None) or (
        not days_based and rule.expiration_days is not None
    ):
        raise errors.InvalidRequest(
            "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule "
            f"for filter '{_describe(rule)}'"
        )
    latest = max((t.days if days_based else t.date) or 0 for t in rule.transitions)
    expiry = rule.expiration_days if days_based else rule.expiration_date
    if expiry is not None and expiry <= latest:
        unit = "Days" if days_based else "Date"
        raise errors.InvalidArgument(
            f"'{unit}' in the Expiration action for filter '{_describe(rule)}' must be greater than "
            f"'{unit}' in the Transition action"
        )


def _noncurrent(rule: Rule) -> None:
    if not rule.noncurrent_transitions:
        return
    classes = [t.storage_class for t in rule.noncurrent_transitions]
    if len(set(classes)) != len(classes):
        raise errors.InvalidRequest(
            "'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule' "
            f"with filter '{_describe(rule)}'"
        )
    latest = max(t.days for t in rule.noncurrent_transitions)
    if rule.noncurrent_days is not None and rule.noncurrent_days <= latest:
        raise errors.InvalidArgument(
            "'NoncurrentDays' in the NoncurrentVersionExpiration action "
            f"for filter '{_describe(rule)}' must be greater than 'NoncurrentDays' "
            "in the NoncurrentVersionTransition action"
        )


def _minimums(rule: Rule) -> None:
    """30 days before an IA class, and later transitions only to colder classes."""
    for t in rule.transitions:
        if t.storage_class in IA_CLASSES and t.days is not None and t.days < IA_MINIMUM_DAYS:
            raise errors.InvalidArgument(
                "'Days' in Transition action must be greater than or equal to 30 "
                f"for storageClass '{t.storage_class}'"
            )
    for n in rule.noncurrent_transitions:
        if n.storage_class in IA_CLASSES and n.days < IA_MINIMUM_DAYS:
            raise errors.InvalidArgument(
                "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 "
                f"for storageClass '{n.storage_class}'"
            )
    steps = [
        (float(t.days if t.days is not None else t.date or 0.0), t.storage_class) for t in rule.transitions
    ]
    _waterfall(rule, sorted(steps))
    _waterfall(rule, sorted((float(n.days), n.storage_class) for n in rule.noncurrent_transitions))


def _waterfall(rule: Rule, steps: list[tuple[float, str]]) -> None:
    for (when, earlier), (later_when, later) in zip(steps, steps[1:], strict=False):
        if when == later_when or ORDER.index(later) < ORDER.index(earlier):
            raise errors.InvalidArgument(
                f"Transition to '{later}' for filter '{_describe(rule)}' must come after the transition "
                f"to '{earlier}', at a later time"
            )
