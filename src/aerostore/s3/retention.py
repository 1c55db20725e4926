"""Object Lock on the wire: the ``x-amz-object-lock-*`` headers and the lock documents.

Parsing raises the errors S3 answers (recorded by LocalStack against S3, or quoted from S3's
answers in versitygw's issues); the rules that decide what a change may do are in
``features/object_lock.py``. Timestamps arrive as ISO 8601 (botocore sends
``2030-01-01T00:00:00Z``) and are answered with milliseconds, as S3 does.
See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aerostore.features.object_lock import (
    LEGAL_HOLDS,
    MAX_DAYS,
    MAX_YEARS,
    MODES,
    DefaultRetention,
    Retention,
)
from aerostore.s3 import errors, xml

X_AMZ_OBJECT_LOCK_MODE = "x-amz-object-lock-mode"
X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE = "x-amz-object-lock-retain-until-date"
X_AMZ_OBJECT_LOCK_LEGAL_HOLD = "x-amz-object-lock-legal-hold"
LOCK_HEADERS = (X_AMZ_OBJECT_LOCK_MODE, X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE, X_AMZ_OBJECT_LOCK_LEGAL_HOLD)
ENABLED = "Enabled"
BOTH_SUPPLIED = "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied"
IN_THE_FUTURE = "The retain until date must be in the future!"
# S3 renders a past RetainUntilDate of PutObjectRetention in this zone and format, whatever the region.
_ARGUMENT_ZONE = ZoneInfo("America/Los_Angeles")


def parse_timestamp(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 timestamp (UTC when it names no zone), None if it is not one."""
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (found if found.tzinfo else found.replace(tzinfo=UTC)).timestamp()


def timestamp(epoch: float) -> str:
    """``2030-01-01T00:00:00.000Z``, rounded to the millisecond (a float must not print .999)."""
    seconds, millis = divmod(round(epoch * 1000), 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}Z"


def _argument(message: str, name: str, value: str) -> errors.S3Error:
    return errors.InvalidArgument(message, ArgumentName=name, ArgumentValue=value)


def lock_from_headers(headers: Mapping[str, str], now: float) -> dict[str, Any]:
    """The ObjectAttrs lock fields of a PutObject, CopyObject or CreateMultipartUpload.

    Checked before the bucket is looked at, in S3's order: legal hold, mode and date together,
    the mode, then the date.
    """
    mode = headers.get(X_AMZ_OBJECT_LOCK_MODE)
    until_text = headers.get(X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE)
    hold = headers.get(X_AMZ_OBJECT_LOCK_LEGAL_HOLD)
    if hold is not None and hold not in LEGAL_HOLDS:
        raise _argument("Legal Hold must be either of 'ON' or 'OFF'", X_AMZ_OBJECT_LOCK_LEGAL_HOLD, hold)
    if mode is not None and until_text is None:
        raise errors.InvalidArgument(BOTH_SUPPLIED, ArgumentName=X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE)
    if until_text is not None and mode is None:
        raise errors.InvalidArgument(BOTH_SUPPLIED, ArgumentName=X_AMZ_OBJECT_LOCK_MODE)
    until = None
    if mode is not None and until_text is not None:
        if mode not in MODES:
            raise _argument("Unknown wormMode directive.", X_AMZ_OBJECT_LOCK_MODE, mode)
        until = parse_timestamp(until_text)
        if until is None:
            raise _argument("The retain until date must be provided in ISO 8601 format",
                            X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE, until_text)  # fmt: skip
        if until <= now:
            raise _argument(IN_THE_FUTURE, X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE, until_text)
    return {"lock_mode": mode, "lock_until": until, "lock_legal_hold": hold}


def lock_headers(mode: str | None, until: float | None, legal_hold: str | None) -> dict[str, str]:
    """The lock headers GetObject and HeadObject return for a version."""
    headers = {}
    if mode is not None and until is not None:
        headers[X_AMZ_OBJECT_LOCK_MODE] = mode
        headers[X_AMZ_OBJECT_LOCK_RETAIN_UNTIL_DATE] = timestamp(until)
    if legal_hold is not None:
        headers[X_AMZ_OBJECT_LOCK_LEGAL_HOLD] = legal_hold
    return headers


# ---- documents ----


def _period(node: ET.Element, name: str) -> int | None:
    text = xml.text(node, name)
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise errors.MalformedXML() from None
    if value <= 0:
        raise errors.InvalidArgument("Default retention period must be a positive integer value.",
                                     ArgumentName=name)  # fmt: skip
    if value > (MAX_DAYS if name == "Days" else MAX_YEARS):
        raise errors.InvalidArgument("Default retention period too large.", ArgumentName=name)
    return value


def parse_lock_configuration(body: bytes) -> DefaultRetention | None:
    """PutObjectLockConfiguration: the default retention, or None when the document has no Rule.

    See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLockConfiguration.html
    """
    root = xml.parse(body, "ObjectLockConfiguration")
    if xml.text(root, "ObjectLockEnabled") != ENABLED:
        raise errors.MalformedXML()
    rule = root.find("Rule")
    if rule is None:
        return None
    node = rule.find("DefaultRetention")
    if node is None:
        raise errors.MalformedXML()
    mode = xml.text(node, "Mode")
    has_days, has_years = node.find("Days") is not None, node.find("Years") is not None
    if mode not in MODES or has_days == has_years:
        raise errors.MalformedXML()
    return DefaultRetention(mode, days=_period(node, "Days"), years=_period(node, "Years"))


def lock_configuration_document(default: DefaultRetention | None) -> bytes:
    content: list[tuple[str, xml.Content]] = [("ObjectLockEnabled", ENABLED)]
    if default is not None:
        retention = [("Mode", default.mode), ("Days", default.days), ("Years", default.years)]
        content.append(("Rule", [("DefaultRetention", retention)]))
    return xml.document("ObjectLockConfiguration", content)


def parse_retention(body: bytes) -> Retention | None:
    """PutObjectRetention: the new retention, or None for an empty ``<Retention/>`` (remove it)."""
    root = xml.parse(body, "Retention")
    mode, until_text = xml.text(root, "Mode"), xml.text(root, "RetainUntilDate")
    if mode is None and until_text is None:
        return None
    until = parse_timestamp(until_text or "")
    if mode not in MODES or until is None:
        raise errors.MalformedXML()
    return Retention(mode, until)


def past_retention(until: float) -> errors.S3Error:
    """A RetainUntilDate in the past, named as S3 names it: ``Tue Dec 31 16:00:00 PST 2019``."""
    shown = datetime.fromtimestamp(until, _ARGUMENT_ZONE).strftime("%a %b %d %H:%M:%S %Z %Y")
    return _argument(IN_THE_FUTURE, "RetainUntilDate", shown)


def retention_document(retention: Retention) -> bytes:
    content = [("Mode", retention.mode), ("RetainUntilDate", timestamp(retention.until))]
    return xml.document("Retention", content)


def parse_legal_hold(body: bytes) -> str:
    """PutObjectLegalHold: "ON" or "OFF"; anything else (an empty body too) is MalformedXML."""
    status = xml.text(xml.parse(body, "LegalHold"), "Status")
    if status not in LEGAL_HOLDS:
        raise errors.MalformedXML()
    return status


def legal_hold_document(status: str) -> bytes:
    return xml.document("LegalHold", [("Status", status)])
