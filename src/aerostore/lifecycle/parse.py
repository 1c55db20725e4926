"""Reading a ``LifecycleConfiguration`` body: AWS's schema and per-element checks.

Shape errors (unknown or repeated elements, a bad Status, text where a number belongs) are
``MalformedXML``; values out of range are ``InvalidArgument``, as S3 answers them. The checks
that relate one action to another are in ``validate.py``.
See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime

from aerostore.lifecycle import validate
from aerostore.lifecycle.model import (
    STORAGE_CLASSES,
    Filter,
    LifecycleConfiguration,
    NoncurrentTransition,
    Rule,
    Transition,
)
from aerostore.s3 import errors, xml

MAX_RULES = 1000
MAX_ID_CHARS = 255
MAX_PREFIX_CHARS = 1024
MAX_DAYS = 2**31 - 1
_INTEGER = re.compile(r"-?[0-9]+")
# ISO 8601's extended form, as S3 takes it: 2030-01-01, 2030-01-01T00:00:00(.000)Z, ...+00:00
_ISO_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)

ONE, MANY = False, True
_RULE = {
    "ID": ONE, "Prefix": ONE, "Filter": ONE, "Status": ONE, "Expiration": ONE, "Transition": MANY,
    "NoncurrentVersionExpiration": ONE, "NoncurrentVersionTransition": MANY,
    "AbortIncompleteMultipartUpload": ONE,
}  # fmt: skip
_FILTER = {"Prefix": ONE, "Tag": MANY, "ObjectSizeGreaterThan": ONE, "ObjectSizeLessThan": ONE, "And": ONE}
_AND = {"Prefix": ONE, "Tag": MANY, "ObjectSizeGreaterThan": ONE, "ObjectSizeLessThan": ONE}

Children = dict[str, list[ET.Element]]


def parse_xml(body: bytes, *, minimums: bool = True) -> LifecycleConfiguration:
    """The configuration a PutBucketLifecycle(Configuration) body states, refused as S3 refuses it.

    ``minimums`` enforces AWS's storage-duration constraints on transitions (30 days before an
    IA class, the storage-class order); a server with an accelerated day leaves them out.
    """
    root = xml.parse(body, "LifecycleConfiguration")
    nodes = _children(root, {"Rule": MANY}).get("Rule", [])
    if not nodes:
        raise errors.MalformedXML()
    if len(nodes) > MAX_RULES:
        raise errors.InvalidRequest(
            f"The number of lifecycle rules must not exceed the allowed limit of {MAX_RULES} rules"
        )
    rules = [_rule(node) for node in nodes]
    ids = [rule.id for rule in rules if rule.id]
    if len(set(ids)) != len(ids):
        raise errors.InvalidArgument("Rule ID must be unique. Found same ID for more than one rule")
    rules = [rule if rule.id else _with_id(rule, set(ids)) for rule in rules]
    for rule in rules:
        validate.check(rule, minimums=minimums)
    return LifecycleConfiguration(tuple(rules))


def _children(node: ET.Element, allowed: dict[str, bool]) -> Children:
    """The element's children by name; an unknown child or a repeated single one is MalformedXML."""
    found: Children = {}
    for child in node:
        name = str(child.tag)
        if name not in allowed or (found.get(name) and not allowed[name]):
            raise errors.MalformedXML()
        found.setdefault(name, []).append(child)
    return found


def _text(found: Children, name: str) -> str | None:
    raw = _raw(found, name)
    return None if raw is None else raw.strip()


def _raw(found: Children, name: str) -> str | None:
    """The text as sent: prefixes, tags and ids may start or end with spaces."""
    nodes = found.get(name)
    return None if not nodes else nodes[0].text or ""


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    if not _INTEGER.fullmatch(text) or abs(int(text)) > MAX_DAYS:
        raise errors.MalformedXML()
    return int(text)


def _rule(node: ET.Element) -> Rule:
    found = _children(node, _RULE)
    rule_id = _raw(found, "ID") or ""
    if len(rule_id) > MAX_ID_CHARS:
        raise errors.InvalidArgument("ID length should not exceed allowed limit of 255")
    status = _text(found, "Status")
    if status not in ("Enabled", "Disabled"):
        raise errors.MalformedXML()
    if ("Prefix" in found) == ("Filter" in found):
        raise errors.MalformedXML()  # exactly one of the legacy <Prefix> and <Filter>
    if "Prefix" in found:
        rule_filter = Filter(prefix=_prefix(_raw(found, "Prefix")), legacy=True)
    else:
        rule_filter = _filter(found["Filter"][0])
    days, date, marker = _expiration(found.get("Expiration"))
    noncurrent_days, newer = _noncurrent_expiration(found.get("NoncurrentVersionExpiration"))
    return Rule(
        id=rule_id,
        enabled=status == "Enabled",
        filter=rule_filter,
        expiration_days=days,
        expiration_date=date,
        expired_object_delete_marker=marker,
        noncurrent_days=noncurrent_days,
        newer_noncurrent_versions=newer,
        transitions=tuple(_transition(n) for n in found.get("Transition", [])),
        noncurrent_transitions=tuple(
            _noncurrent_transition(n) for n in found.get("NoncurrentVersionTransition", [])
        ),
        abort_multipart_days=_abort_days(found.get("AbortIncompleteMultipartUpload")),
    )


def _with_id(rule: Rule, taken: set[str]) -> Rule:
    """A rule sent without ID gets one, as S3 gives it (GET shows it)."""
    while (generated := uuid.uuid4().hex) in taken:
        pass
    taken.add(generated)
    return replace(rule, id=generated)


# ---- filter ----


def _prefix(text: str | None) -> str:
    prefix = text or ""
    if len(prefix) > MAX_PREFIX_CHARS:
        raise errors.InvalidRequest("The maximum size of a prefix is 1024.")
    return prefix


def _filter(node: ET.Element) -> Filter:
    """``<Filter>``: empty (every object), or exactly one condition, several only inside ``<And>``."""
    found = _children(node, _FILTER)
    if sum(len(nodes) for nodes in found.values()) > 1:
        raise errors.MalformedXML()
    if "And" in found:
        inner = _children(found["And"][0], _AND)
        if not inner:
            raise errors.MalformedXML()
        return _conditions(inner, conjunction=True)
    return _conditions(found, conjunction=False)


def _conditions(found: Children, *, conjunction: bool) -> Filter:
    tags = tuple(_tag(node) for node in found.get("Tag", []))
    if len({name for name, _ in tags}) != len(tags):
        raise errors.InvalidRequest("Duplicate Tag Keys are not allowed.")
    size_gt = _integer(_text(found, "ObjectSizeGreaterThan"))
    size_lt = _integer(_text(found, "ObjectSizeLessThan"))
    if size_gt is not None and size_gt < 0:
        raise errors.InvalidArgument("'ObjectSizeGreaterThan' should be a non-negative integer")
    if size_lt is not None and size_lt <= 0:
        raise errors.InvalidArgument("'ObjectSizeLessThan' should be a positive integer")
    if size_gt is not None and size_lt is not None and size_gt >= size_lt:
        raise errors.InvalidArgument("'ObjectSizeLessThan' must be greater than 'ObjectSizeGreaterThan'")
    return Filter(
        prefix=_prefix(_raw(found, "Prefix")),
        tags=tags,
        size_gt=size_gt,
        size_lt=size_lt,
        conjunction=conjunction,
    )


def _tag(node: ET.Element) -> tuple[str, str]:
    found = _children(node, {"Key": ONE, "Value": ONE})
    key, value = _raw(found, "Key"), _raw(found, "Value")
    if key is None or value is None:
        raise errors.MalformedXML()
    if not 1 <= len(key) <= 128:
        raise errors.InvalidTag("The TagKey you have provided is invalid")
    if len(value) > 256:
        raise errors.InvalidTag("The TagValue you have provided is invalid")
    return key, value


# ---- actions ----


def _date(text: str, action: str) -> float:
    """An ISO 8601 date that must be midnight UTC (``2017-09-27``, ``2017-09-27T00:00:00.000Z``)."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise errors.InvalidArgument(f"'Date' in {action} action must be in ISO 8601 format") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if (when.hour, when.minute, when.second, when.microsecond) != (0, 0, 0, 0) or when.utcoffset():
        raise errors.InvalidArgument("'Date' must be at midnight GMT")
    return when.timestamp()


def _expiration(nodes: list[ET.Element] | None) -> tuple[int | None, float | None, bool]:
    if not nodes:
        return None, None, False
    found = _children(nodes[0], {"Days": ONE, "Date": ONE, "ExpiredObjectDeleteMarker": ONE})
    marker_text = _text(found, "ExpiredObjectDeleteMarker")
    if marker_text not in (None, "true", "false") or len(found) != 1:
        raise errors.MalformedXML()  # exactly one of Days, Date, ExpiredObjectDeleteMarker
    days = _integer(_text(found, "Days"))
    if days is not None and days <= 0:
        raise errors.InvalidArgument("'Days' for Expiration action must be a positive integer")
    date_text = _text(found, "Date")
    date = _date(date_text, "Expiration") if date_text is not None else None
    return days, date, marker_text == "true"


def _noncurrent_expiration(nodes: list[ET.Element] | None) -> tuple[int | None, int | None]:
    if not nodes:
        return None, None
    found = _children(nodes[0], {"NoncurrentDays": ONE, "NewerNoncurrentVersions": ONE})
    days = _integer(_text(found, "NoncurrentDays"))
    if days is None:
        raise errors.MalformedXML()
    if days <= 0:
        raise errors.InvalidArgument(
            "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"
        )
    return days, _newer_versions(found)


def _newer_versions(found: Children) -> int | None:
    newer = _integer(_text(found, "NewerNoncurrentVersions"))
    if newer is not None and not 1 <= newer <= 100:
        raise errors.InvalidArgument("NewerNoncurrentVersions must be between 1 and 100")
    return newer


def _storage_class(found: Children) -> str:
    storage_class = _text(found, "StorageClass")
    if storage_class not in STORAGE_CLASSES:
        raise errors.MalformedXML()
    return storage_class


def _transition(node: ET.Element) -> Transition:
    found = _children(node, {"Days": ONE, "Date": ONE, "StorageClass": ONE})
    storage_class = _storage_class(found)
    if ("Days" in found) == ("Date" in found):
        raise errors.MalformedXML()  # exactly one of Days and Date
    days = _integer(_text(found, "Days"))
    if days is not None and days < 0:
        raise errors.InvalidArgument("'Days' in Transition action must be nonnegative")
    date_text = _text(found, "Date")
    date = _date(date_text, "Transition") if date_text is not None else None
    return Transition(storage_class, days=days, date=date)


def _noncurrent_transition(node: ET.Element) -> NoncurrentTransition:
    found = _children(node, {"NoncurrentDays": ONE, "StorageClass": ONE, "NewerNoncurrentVersions": ONE})
    storage_class = _storage_class(found)
    days = _integer(_text(found, "NoncurrentDays"))
    if days is None:
        raise errors.MalformedXML()
    if days < 0:
        raise errors.InvalidArgument(
            "'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative"
        )
    return NoncurrentTransition(storage_class, days, newer_versions=_newer_versions(found))


def _abort_days(nodes: list[ET.Element] | None) -> int | None:
    if not nodes:
        return None
    days = _integer(_text(_children(nodes[0], {"DaysAfterInitiation": ONE}), "DaysAfterInitiation"))
    if days is None:
        raise errors.MalformedXML()
    if days <= 0:
        raise errors.InvalidArgument(
            "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"
        )
    return days
