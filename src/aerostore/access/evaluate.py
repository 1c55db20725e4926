"""Policy evaluation as AWS does it, and AWS's definition of a public policy (pure).

An explicit Deny in any applicable policy wins; otherwise an Allow in any of them (identity
policy or bucket policy: same account) allows; otherwise the request is implicitly denied.
See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from aerostore.access.conditions import Lookup, glob_match, holds, split_operator
from aerostore.access.policy import ALLOW, DENY, Policy, Statement

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Decision(enum.Enum):
    NONE = "none"  # no statement applies: implicit deny
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Subject:
    """The request as a policy sees it."""

    principals: tuple[str, ...]  # the ARNs naming the caller; () for anonymous
    action: str
    resource: str
    lookup: Lookup  # condition key (lower case) → its values, None when absent


def evaluate(policies: Iterable[Policy], subject: Subject, *, public_allows: bool = True) -> Decision:
    """Combine every statement of ``policies``; ``public_allows=False`` ignores public Allows."""
    decision = Decision.NONE
    for policy in policies:
        for statement in policy.statements:
            if not applies(statement, subject):
                continue
            if statement.effect == DENY:
                return Decision.DENY
            if public_allows or not is_public_statement(statement):
                decision = Decision.ALLOW
    return decision


def applies(statement: Statement, subject: Subject) -> bool:
    return (
        _principal_matches(statement, subject.principals)
        and _matches(statement.actions, statement.not_actions, subject.action, fold=True)
        and _resource_matches(statement, subject)
        and all(holds(c.operator, c.key, _expand_all(c.values, subject.lookup), subject.lookup)
                for c in statement.conditions)
    )  # fmt: skip


def _principal_matches(statement: Statement, principals: tuple[str, ...]) -> bool:
    if statement.principals is not None:
        return any(_principal_is(p, principals) for p in statement.principals)
    if statement.not_principals is not None:
        return not any(_principal_is(p, principals) for p in statement.not_principals)
    return True  # an identity policy: it applies to its user


def _principal_is(pattern: str, principals: tuple[str, ...]) -> bool:
    if pattern == "*":
        return True
    return any(glob_match(pattern, p) for p in principals)


def _matches(patterns: tuple[str, ...] | None, negated: tuple[str, ...] | None, value: str, *,
             fold: bool) -> bool:  # fmt: skip
    if patterns is not None:
        return any(glob_match(p, value, fold=fold) for p in patterns)
    assert negated is not None
    return not any(glob_match(p, value, fold=fold) for p in negated)


def _resource_matches(statement: Statement, subject: Subject) -> bool:
    resources = _expand_all(statement.resources, subject.lookup) if statement.resources else None
    negated = _expand_all(statement.not_resources, subject.lookup) if statement.not_resources else None
    return _matches(resources, negated, subject.resource, fold=False)


def _expand_all(values: tuple[str, ...] | None, lookup: Lookup) -> tuple[str, ...]:
    return tuple(_expand(v, lookup) for v in values or ())


def _expand(value: str, lookup: Lookup) -> str:
    """Policy variables: ``${aws:username}``; ``${*}``, ``${?}``, ``${$}`` stand for the literal."""
    if "${" not in value:
        return value

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in ("*", "?", "$"):
            return name
        found = lookup(name.lower())
        return found[0] if found else "\x00"  # an absent variable matches nothing

    return _VARIABLE.sub(one, value)


# ---- public policies ----

# Keys whose fixed values make an Allow to "*" non-public (AWS's "The meaning of public").
_FIXING_KEYS = {
    "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
    "aws:principalorgid", "aws:principalaccount", "aws:userid", "aws:principalarn", "aws:sourceip",
    "s3:dataaccesspointarn", "s3:dataaccesspointaccount",
}  # fmt: skip
_FIXING_OPERATORS = {
    "StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike", "StringLike", "IpAddress",
}  # fmt: skip


def is_public(policy: Policy) -> bool:
    """Whether a bucket policy grants access to anyone outside fixed principals.

    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
    """
    return any(is_public_statement(s) for s in policy.statements)


def is_public_statement(statement: Statement) -> bool:
    if statement.effect != ALLOW:
        return False
    if statement.principals is not None and not any("*" in p for p in statement.principals):
        return False
    if statement.principals is None and statement.not_principals is None:
        return False  # identity policy statements grant to their user only
    return not any(_fixes(c.operator, c.key, c.values) for c in statement.conditions)


def _fixes(operator: str, key: str, values: tuple[str, ...]) -> bool:
    prefix, base, if_exists = split_operator(operator)
    if if_exists or prefix or base not in _FIXING_OPERATORS or key not in _FIXING_KEYS:
        return False
    if key == "aws:sourceip":
        return all(not v.endswith("/0") for v in values)
    return all("*" not in v and "?" not in v for v in values)
