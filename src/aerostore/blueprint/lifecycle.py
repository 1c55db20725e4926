"""``[[buckets.<role>.lifecycle]]``: a bucket's default lifecycle rules in the architecture file.

Each table is one rule, its keys named after the rule model (lifecycle/model.py)::

    [[buckets.raw.lifecycle]]
    id = "expire-staged-uploads"
    prefix = ""                      # optional; also tags = { k = "v" }, size_gt, size_lt
    expiration_days = 7
    env = { expiration_days = "AEROSTORE_RAW_RETENTION_DAYS" }

Other actions: ``expired_object_delete_marker``, ``noncurrent_days``, ``newer_noncurrent_versions``,
``transitions = [{ days = 30, storage_class = "GLACIER" }]``, ``noncurrent_transitions`` (``days``,
``storage_class``, ``newer_versions``), ``abort_multipart_days``; ``enabled = false`` disables a rule.
``env`` names environment variables that, when set, replace a whole-number field.

The rules go through the same XML parser and checks as PutBucketLifecycleConfiguration, so the
stored document is exactly what the API would store; a rule S3 would refuse is a ValueError.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aerostore.lifecycle import rules
from aerostore.lifecycle.rules import Filter, LifecycleConfiguration, NoncurrentTransition, Rule, Transition
from aerostore.s3 import errors

_NUMBERS = ("size_gt", "size_lt", "expiration_days", "noncurrent_days", "newer_noncurrent_versions",
            "abort_multipart_days")  # fmt: skip
_KEYS = {"id", "enabled", "prefix", "tags", "expired_object_delete_marker", "transitions",
         "noncurrent_transitions", "env", *_NUMBERS}  # fmt: skip


def load(role: str, tables: list[Mapping[str, Any]] | None) -> str | None:
    """The stored (JSON) configuration of a role's rule tables; None when it declares none."""
    if not tables:
        return None
    try:
        config = LifecycleConfiguration(tuple(_rule(dict(table)) for table in tables))
        return rules.to_json(rules.parse_xml(rules.to_xml(config)))
    except (errors.S3Error, TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"buckets.{role}.lifecycle: {exc}") from None


def _rule(table: dict[str, Any]) -> Rule:
    unknown = set(table) - _KEYS
    if unknown:
        raise ValueError(f"unknown keys {', '.join(sorted(unknown))}")
    for name, variable in table.get("env", {}).items():
        if name not in _NUMBERS:
            raise ValueError(f"env: {name} is not a whole-number field")
        if (value := os.environ.get(variable)) is not None:
            if not value.strip().isdigit():
                raise ValueError(f"{variable} must be a whole number")
            table[name] = int(value)
    flt = Filter(
        prefix=str(table.get("prefix", "")),
        tags=tuple((str(k), str(v)) for k, v in table.get("tags", {}).items()),
        size_gt=table.get("size_gt"),
        size_lt=table.get("size_lt"),
    )
    return Rule(
        id=str(table["id"]),
        enabled=bool(table.get("enabled", True)),
        filter=flt,
        expiration_days=table.get("expiration_days"),
        expired_object_delete_marker=bool(table.get("expired_object_delete_marker", False)),
        noncurrent_days=table.get("noncurrent_days"),
        newer_noncurrent_versions=table.get("newer_noncurrent_versions"),
        transitions=tuple(
            Transition(str(t["storage_class"]), days=int(t["days"])) for t in table.get("transitions", ())
        ),
        noncurrent_transitions=tuple(
            NoncurrentTransition(str(t["storage_class"]), int(t["days"]), t.get("newer_versions"))
            for t in table.get("noncurrent_transitions", ())
        ),
        abort_multipart_days=table.get("abort_multipart_days"),
    )
