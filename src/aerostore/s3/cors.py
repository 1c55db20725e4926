"""Bucket CORS: the configuration's codec and validation, and rule matching (pure functions).

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from aerostore.s3 import errors, xml

CONFIG = "cors"  # a bucket's CORS rules: its row of that name in ``config``
MAX_RULES = 100
METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
ORIGIN = "origin"
REQUEST_METHOD = "access-control-request-method"
REQUEST_HEADERS = "access-control-request-headers"
# What a CORS answer depends on: caches must key on these request headers.
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@dataclass(frozen=True, slots=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    id: str | None = None


# ---- XML and storage codecs ----


def parse(document: bytes) -> list[CorsRule]:
    """A ``CORSConfiguration`` body as rules, refused as S3 refuses it."""
    root = xml.parse(document, "CORSConfiguration")
    rules = [_rule(node) for node in root if node.tag == "CORSRule"]
    if not rules or len(rules) > MAX_RULES:
        raise errors.MalformedXML()
    return rules


def _rule(node: ET.Element) -> CorsRule:
    values: dict[str, list[str]] = {}
    for child in node:
        values.setdefault(str(child.tag), []).append((child.text or "").strip())
    origins, methods = values.get("AllowedOrigin", []), values.get("AllowedMethod", [])
    singles = (len(values.get("MaxAgeSeconds", [])), len(values.get("ID", [])))
    if not origins or not methods or max(singles) > 1:
        raise errors.MalformedXML()
    max_age = values.get("MaxAgeSeconds", [None])[0]
    if max_age is not None and not max_age.lstrip("-").isdigit():
        raise errors.MalformedXML()
    rule = CorsRule(
        allowed_origins=tuple(origins),
        allowed_methods=tuple(methods),
        allowed_headers=tuple(values.get("AllowedHeader", [])),
        expose_headers=tuple(values.get("ExposeHeader", [])),
        max_age=int(max_age) if max_age is not None else None,
        id=values.get("ID", [None])[0],
    )
    validate(rule)
    return rule


def validate(rule: CorsRule) -> None:
    """AWS's checks of one rule: known methods, at most one wildcard, none in ExposeHeader."""
    for method in rule.allowed_methods:
        if method not in METHODS:
            raise errors.InvalidRequest(
                f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            )
    for origin in rule.allowed_origins:
        if origin.count("*") > 1:
            raise errors.InvalidRequest(f'AllowedOrigin "{origin}" can not have more than one wildcard.')
    for header in rule.allowed_headers:
        if header.count("*") > 1:
            raise errors.InvalidRequest(f'AllowedHeader "{header}" can not have more than one wildcard.')
    for header in rule.expose_headers:
        if "*" in header:
            raise errors.InvalidRequest(
                f'ExposeHeader "{header}" contains wildcard. '
                "We currently do not support wildcard for ExposeHeader."
            )


def document(rules: Sequence[CorsRule]) -> bytes:
    """GetBucketCors's answer, elements in AWS's order."""
    content: list[tuple[str, xml.Content]] = []
    for rule in rules:
        items: list[tuple[str, xml.Content]] = [("ID", rule.id)] if rule.id is not None else []
        items += [("AllowedHeader", h) for h in rule.allowed_headers]
        items += [("AllowedMethod", m) for m in rule.allowed_methods]
        items += [("AllowedOrigin", o) for o in rule.allowed_origins]
        items += [("ExposeHeader", h) for h in rule.expose_headers]
        if rule.max_age is not None:
            items.append(("MaxAgeSeconds", str(rule.max_age)))
        content.append(("CORSRule", items))
    return xml.document("CORSConfiguration", content)


def dumps(rules: Sequence[CorsRule]) -> str:
    """The stored form (the bucket's ``cors`` row in ``config``)."""
    return json.dumps([asdict(rule) for rule in rules])


def loads(text: str) -> list[CorsRule]:
    rules = []
    for item in json.loads(text):
        lists = {k: tuple(item[k]) for k in ("allowed_origins", "allowed_methods", "allowed_headers",
                                               "expose_headers")}  # fmt: skip
        rules.append(CorsRule(**lists, max_age=item["max_age"], id=item["id"]))
    return rules


# ---- matching ----


def wildcard_match(pattern: str, value: str) -> bool:
    """``pattern`` with at most one ``*``, standing for any run of characters (empty included)."""
    if "*" not in pattern:
        return pattern == value
    head, _, tail = pattern.partition("*")
    return len(value) >= len(head) + len(tail) and value.startswith(head) and value.endswith(tail)


def _origin_allowed(rule: CorsRule, origin: str) -> bool:
    return any(wildcard_match(pattern, origin) for pattern in rule.allowed_origins)


def _headers_allowed(rule: CorsRule, requested: Sequence[str]) -> bool:
    """Every requested header matches an AllowedHeader, case-insensitively."""
    patterns = [h.lower() for h in rule.allowed_headers]
    return all(any(wildcard_match(p, name) for p in patterns) for name in requested)


def requested_headers(value: str) -> list[str]:
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def preflight(
    rules: Sequence[CorsRule], origin: str, method: str, request_headers: Sequence[str]
) -> dict[str, str] | None:
    """The answer headers of an allowed preflight, from the first rule that allows it; None if none does."""
    for rule in rules:
        if (
            _origin_allowed(rule, origin)
            and method in rule.allowed_methods
            and _headers_allowed(rule, request_headers)
        ):
            headers = _allow(rule, origin)
            if request_headers:
                headers["access-control-allow-headers"] = ", ".join(request_headers)
            if rule.max_age is not None:
                headers["access-control-max-age"] = str(rule.max_age)
            return headers
    return None


def actual(rules: Sequence[CorsRule], origin: str, method: str) -> dict[str, str]:
    """The CORS headers of an actual (non-preflight) answer to ``origin``; empty when no rule matches."""
    for rule in rules:
        if _origin_allowed(rule, origin) and method in rule.allowed_methods:
            return _allow(rule, origin)
    return {}


def _allow(rule: CorsRule, origin: str) -> dict[str, str]:
    """As S3: a ``*`` rule answers ``*`` without credentials, any other echoes the origin and allows them."""
    headers = {"vary": VARY}
    if "*" in rule.allowed_origins:
        headers["access-control-allow-origin"] = "*"
    else:
        headers["access-control-allow-origin"] = origin
        headers["access-control-allow-credentials"] = "true"
    headers["access-control-allow-methods"] = ", ".join(rule.allowed_methods)
    if rule.expose_headers:
        headers["access-control-expose-headers"] = ", ".join(rule.expose_headers)
    return headers
