"""IAM JSON policies: parse and validate into frozen values (pure, no I/O).

Bucket policies (resource-based: Principal or NotPrincipal required) and identity policies
(attached to a user: no Principal) share the grammar.
See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from aerostore.access.conditions import OPERATORS, split_operator
from aerostore.s3 import errors

VERSIONS = ("2012-10-17", "2008-10-17")
ACCOUNT_ID = "000000000000"  # the one account aerostore serves, as the SQS API's ARNs say
ALLOW, DENY = "Allow", "Deny"
_TOP_FIELDS = {"Version", "Id", "Statement"}
_STATEMENT_FIELDS = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
    "Condition",
}  # fmt: skip
_ACTION = re.compile(r"^(\*|[a-zA-Z0-9-]+:[A-Za-z0-9*?]+)$")
_PRINCIPAL_TYPES = {"AWS", "CanonicalUser", "Service", "Federated"}
MAX_BUCKET_POLICY_BYTES = 20 * 1024


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key, values) test; ``operator`` keeps its ``ForAnyValue:``/``IfExists`` parts."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str
    effect: str
    principals: tuple[str, ...] | None  # None: no Principal element; "*" matches anyone
    not_principals: tuple[str, ...] | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    statements: tuple[Statement, ...]


def malformed(message: str) -> errors.S3Error:
    return errors.MalformedPolicy(message)


@functools.lru_cache(maxsize=512)
def parse(text: str, bucket: str | None = None) -> Policy:
    """Parse a bucket policy (``bucket`` given: resources must be in it) or an identity policy.

    Raises ``MalformedPolicy`` naming what is wrong.
    """
    if not text.lstrip().startswith("{"):
        raise malformed("Policies must be valid JSON and the first byte must be '{'")
    try:
        doc = json.loads(text)
    except ValueError:
        raise malformed("This policy contains invalid Json") from None
    if not isinstance(doc, dict):
        raise malformed("Policies must be valid JSON and the first byte must be '{'")
    for name in doc:
        if name not in _TOP_FIELDS:
            raise malformed(f"Unknown field {name}")
    version = doc.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise malformed("The policy must contain a valid version string")
    raw = doc.get("Statement")
    if raw is None:
        raise malformed("Missing required field Statement")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise malformed("Could not parse the policy: Statement is empty!")
    return Policy(version, tuple(_statement(s, bucket) for s in items))


def _statement(raw: Any, bucket: str | None) -> Statement:
    if not isinstance(raw, dict):
        raise malformed("Invalid policy syntax.")
    for name in raw:
        if name not in _STATEMENT_FIELDS:
            raise malformed(f"Unknown field {name}")
    effect = raw.get("Effect")
    if effect not in (ALLOW, DENY):
        missing = "Missing required field Effect"
        raise malformed(f"Invalid effect: {effect}" if effect is not None else missing)
    principals, not_principals = _pair(raw, "Principal", _principals)
    if bucket is not None and principals is None and not_principals is None:
        raise malformed("Missing required field Principal")
    if bucket is None and (principals is not None or not_principals is not None):
        raise malformed("Policy document should not specify a principal.")
    actions, not_actions = _pair(raw, "Action", _actions)
    if actions is None and not_actions is None:
        raise malformed("Missing required field Action")
    resources, not_resources = _pair(raw, "Resource", lambda v: _resources(v, bucket))
    if resources is None and not_resources is None:
        raise malformed("Missing required field Resource")
    sid = raw.get("Sid", "")
    if not isinstance(sid, str):
        raise malformed("Statement IDs (SID) must be strings")
    conditions = _conditions(raw.get("Condition", {}))
    return Statement(sid, effect, principals, not_principals, actions, not_actions, resources,
                     not_resources, conditions)  # fmt: skip


def _pair(raw: dict[str, Any], name: str, parse_one: Any) -> tuple[Any, Any]:
    """``Name`` / ``NotName``: at most one of the two."""
    if name in raw and "Not" + name in raw:
        raise malformed(f"Statement can not have both {name} and Not{name}")
    value = parse_one(raw[name]) if name in raw else None
    negated = parse_one(raw["Not" + name]) if "Not" + name in raw else None
    return value, negated


def _strings(value: Any, what: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) for v in items):
        raise malformed(f"Invalid {what}")
    return tuple(items)


def _principals(value: Any) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, dict) or not value:
        raise malformed("Invalid principal in policy")
    found: list[str] = []
    for kind, names in value.items():
        if kind not in _PRINCIPAL_TYPES:
            raise malformed("Invalid principal in policy")
        for name in _strings(names, "principal in policy"):
            found.append(name if kind == "AWS" else f"{kind}:{name}")
    return tuple(found)


def _actions(value: Any) -> tuple[str, ...]:
    actions = _strings(value, "action")
    for action in actions:
        if not _ACTION.match(action):
            raise malformed("Policy has invalid action")
    return actions


def _resources(value: Any, bucket: str | None) -> tuple[str, ...]:
    resources = _strings(value, "resource")
    for resource in resources:
        if resource == "*":
            continue
        if not resource.startswith("arn:aws:s3:::") and not resource.startswith("arn:aws:"):
            raise malformed("Policy has invalid resource")
        if bucket is not None and not _in_bucket(resource, bucket):
            raise malformed("Policy has invalid resource")
    return resources


def _in_bucket(resource: str, bucket: str) -> bool:
    """A bucket policy may only name its own bucket (or patterns that can match it)."""
    if not resource.startswith("arn:aws:s3:::"):
        return False
    name = resource[len("arn:aws:s3:::") :].split("/", 1)[0]
    pattern = re.escape(name).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(pattern, bucket) is not None


def _conditions(raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise malformed("Invalid Condition block")
    found = []
    for operator, tests in raw.items():
        _, base, _ = split_operator(operator)
        if base not in OPERATORS:
            raise malformed(f"Invalid Condition type : {operator}")
        if not isinstance(tests, dict) or not tests:
            raise malformed(f"Invalid Condition block for {operator}")
        for key, values in tests.items():
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(v, (str, int, float, bool)) for v in items):
                raise malformed(f"Invalid Condition value for {key}")
            found.append(Condition(operator, key.lower(), tuple(_scalar(v) for v in items)))
    return tuple(found)


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def principal_arns(user: str, is_root: bool) -> tuple[str, ...]:
    """The names a Principal element may use for an aerostore identity."""
    if is_root:
        return (f"arn:aws:iam::{ACCOUNT_ID}:root", ACCOUNT_ID)
    return (f"arn:aws:iam::{ACCOUNT_ID}:user/{user}",)
