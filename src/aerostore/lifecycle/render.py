"""GetBucketLifecycleConfiguration's document: AWS's element order, each filter in the form it was sent."""

from __future__ import annotations

from aerostore.lifecycle.model import Filter, LifecycleConfiguration, Rule
from aerostore.s3 import xml

Items = list[tuple[str, xml.Content]]


def to_xml(config: LifecycleConfiguration) -> bytes:
    return xml.document("LifecycleConfiguration", [("Rule", _rule(rule)) for rule in config.rules])


def _rule(rule: Rule) -> Items:
    items: Items = [("ID", rule.id)]
    if rule.filter.legacy:
        items.append(("Prefix", rule.filter.prefix))
    else:
        items.append(("Filter", _filter(rule.filter)))
    items.append(("Status", "Enabled" if rule.enabled else "Disabled"))
    items += _expiration(rule)
    for t in rule.transitions:
        when = ("Days", t.days) if t.days is not None else ("Date", _date(t.date))
        items.append(("Transition", [when, ("StorageClass", t.storage_class)]))
    for n in rule.noncurrent_transitions:
        items.append(("NoncurrentVersionTransition", [
            ("NoncurrentDays", n.days), ("StorageClass", n.storage_class),
            ("NewerNoncurrentVersions", n.newer_versions),
        ]))  # fmt: skip
    if rule.noncurrent_days is not None:
        items.append(("NoncurrentVersionExpiration", [
            ("NoncurrentDays", rule.noncurrent_days),
            ("NewerNoncurrentVersions", rule.newer_noncurrent_versions),
        ]))  # fmt: skip
    if rule.abort_multipart_days is not None:
        items.append(("AbortIncompleteMultipartUpload", [("DaysAfterInitiation", rule.abort_multipart_days)]))
    return items


def _date(epoch: float | None) -> str | None:
    return None if epoch is None else xml.iso8601(epoch)


def _expiration(rule: Rule) -> Items:
    if rule.expiration_days is not None:
        return [("Expiration", [("Days", rule.expiration_days)])]
    if rule.expiration_date is not None:
        return [("Expiration", [("Date", _date(rule.expiration_date))])]
    if rule.expired_object_delete_marker:
        return [("Expiration", [("ExpiredObjectDeleteMarker", True)])]
    return []


def _filter(flt: Filter) -> Items:
    conditions: Items = []
    if flt.prefix or flt == Filter():  # an empty filter answers as AWS does: <Prefix></Prefix>
        conditions.append(("Prefix", flt.prefix))
    conditions += [("Tag", [("Key", name), ("Value", value)]) for name, value in flt.tags]
    if flt.size_gt is not None:
        conditions.append(("ObjectSizeGreaterThan", flt.size_gt))
    if flt.size_lt is not None:
        conditions.append(("ObjectSizeLessThan", flt.size_lt))
    return [("And", conditions)] if flt.conjunction else conditions
