"""Condition operators of the IAM policy language (pure).

A condition holds when the request's value for its key matches any of the policy's values;
negated operators (``StringNotEquals``, ``NotIpAddress``, ...) hold when it matches none. A key
absent from the request fails a condition, except for negated operators and ``...IfExists``,
which then hold, and ``Null``, which tests exactly that. ``ForAnyValue:`` / ``ForAllValues:``
compare every value of a multi-valued key.
See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import re
from collections.abc import Callable

Lookup = Callable[[str], "tuple[str, ...] | None"]
Match = Callable[[str, str], bool]

SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")


def _glob(pattern: str, value: str, *, fold: bool = False) -> bool:
    return _compiled(pattern, fold).fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, fold: bool) -> re.Pattern[str]:
    """``*`` and ``?`` wildcards, everything else literal."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if fold else re.DOTALL)


def glob_match(pattern: str, value: str, *, fold: bool = False) -> bool:
    """IAM wildcard matching (actions fold case, resources and ARNs do not)."""
    if pattern == "*":
        return True
    return _glob(pattern, value, fold=fold)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_date(text: str) -> float | None:
    """ISO 8601 (``2024-01-01T00:00:00Z``) or epoch seconds."""
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def _compare(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Match:
    def match(value: str, wanted: str) -> bool:
        a, b = parse(value), parse(wanted)
        return a is not None and b is not None and test(a, b)

    return match


def _ip(value: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False


def _bool(value: str, wanted: str) -> bool:
    return value.lower() == wanted.lower()


# base operator → (match, negated)
OPERATORS: dict[str, tuple[Match, bool]] = {
    "StringEquals": (lambda v, w: v == w, False),
    "StringNotEquals": (lambda v, w: v == w, True),
    "StringEqualsIgnoreCase": (lambda v, w: v.lower() == w.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, w: v.lower() == w.lower(), True),
    "StringLike": (lambda v, w: glob_match(w, v), False),
    "StringNotLike": (lambda v, w: glob_match(w, v), True),
    "NumericEquals": (_compare(_number, lambda a, b: a == b), False),
    "NumericNotEquals": (_compare(_number, lambda a, b: a == b), True),
    "NumericLessThan": (_compare(_number, lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare(_number, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, b: a >= b), False),
    "DateEquals": (_compare(parse_date, lambda a, b: a == b), False),
    "DateNotEquals": (_compare(parse_date, lambda a, b: a == b), True),
    "DateLessThan": (_compare(parse_date, lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare(parse_date, lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare(parse_date, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare(parse_date, lambda a, b: a >= b), False),
    "Bool": (_bool, False),
    "BinaryEquals": (lambda v, w: v == w, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (lambda v, w: glob_match(w, v), False),
    "ArnLike": (lambda v, w: glob_match(w, v), False),
    "ArnNotEquals": (lambda v, w: glob_match(w, v), True),
    "ArnNotLike": (lambda v, w: glob_match(w, v), True),
    "Null": (lambda v, w: True, False),  # handled apart: it tests presence
}


def split_operator(operator: str) -> tuple[str, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` → ("ForAnyValue:", "StringLike", True)."""
    prefix = next((p for p in SET_PREFIXES if operator.startswith(p)), "")
    base = operator[len(prefix) :]
    if_exists = base.endswith("IfExists") and base != "IfExists"
    return prefix, base.removesuffix("IfExists") if if_exists else base, if_exists


def holds(operator: str, key: str, wanted: tuple[str, ...], lookup: Lookup) -> bool:
    """Whether one condition holds for the request whose keys ``lookup`` answers."""
    prefix, base, if_exists = split_operator(operator)
    values = lookup(key)
    if base == "Null":
        absent = not values
        return any(absent == (w.lower() == "true") for w in wanted)
    match, negated = OPERATORS[base]
    if prefix == "ForAllValues:":
        return all(_one(match, negated, v, wanted) for v in values or ())
    if not values:
        return if_exists or negated
    if prefix == "ForAnyValue:":
        return any(_one(match, negated, v, wanted) for v in values)
    return any(_one(match, negated, v, wanted) for v in values)


def _one(match: Match, negated: bool, value: str, wanted: tuple[str, ...]) -> bool:
    found = any(match(value, w) for w in wanted)
    return not found if negated else found
