"""POST policies: the signed JSON document of a browser form upload (PostObject), as pure functions.

A form carries a base64 ``policy`` (an expiration and conditions every form field must meet) and
its signature: SigV4 (``x-amz-algorithm``, ``x-amz-credential``, ``x-amz-date``,
``x-amz-signature``: the hex HMAC of the base64 policy with the derived signing key) or SigV2
(``AWSAccessKeyId``, ``signature``: the base64 HMAC-SHA1 of the base64 policy).

See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
and https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aerostore.auth import sigv4
from aerostore.s3 import errors

# Fields no condition needs to cover (SigV2's key id and signature too, as S3 accepts them so).
EXEMPT = frozenset({"x-amz-signature", "file", "policy", "signature", "awsaccesskeyid", "bucket"})
IGNORED_PREFIX = "x-ignore-"
FAILED = "Invalid according to Policy: Policy Condition failed: "
_EXPIRATION = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z")


@dataclass(frozen=True, slots=True)
class Condition:
    """``op`` is "eq", "starts-with" or "content-length-range"; ``field`` is lower case, without "$"."""

    op: str
    field: str
    value: str = ""
    low: int = 0
    high: int = 0

    def __str__(self) -> str:
        if self.op == "content-length-range":
            return f'["content-length-range", {self.low}, {self.high}]'
        return f'["{self.op}", "${self.field}", "{self.value}"]'


@dataclass(frozen=True, slots=True)
class Policy:
    expiration: float
    conditions: tuple[Condition, ...]

    @property
    def length_range(self) -> tuple[int, int] | None:
        """The allowed file size, inclusive, when the policy limits it."""
        for c in self.conditions:
            if c.op == "content-length-range":
                return c.low, c.high
        return None


def _invalid(detail: str) -> errors.S3Error:
    return errors.InvalidPolicyDocument(f"Invalid Policy: {detail}")


def parse(policy_b64: str) -> Policy:
    """The decoded policy; ``InvalidPolicyDocument`` when it is not one (names are case-sensitive)."""
    try:
        document = json.loads(base64.b64decode(policy_b64, validate=False))
    except (binascii.Error, ValueError):
        raise _invalid("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise _invalid("Invalid JSON.")
    if "expiration" not in document:
        raise _invalid("Policy missing expiration.")
    if "conditions" not in document:
        raise _invalid("Policy missing conditions.")
    if not isinstance(document["conditions"], list):
        raise _invalid("Invalid JSON.")
    expiration = _expiration(document["expiration"])
    return Policy(expiration, tuple(_condition(c) for c in document["conditions"]))


def _expiration(value: Any) -> float:
    match = _EXPIRATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _invalid(f"Invalid 'expiration' value: '{value}'")
    return float(calendar.timegm(tuple(int(g) for g in match.groups())))


def _condition(item: Any) -> Condition:
    if isinstance(item, dict):
        if len(item) != 1:
            raise _invalid(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
            )
        ((name, value),) = item.items()
        if not isinstance(value, str):
            raise _invalid(f"Invalid Simple-Condition: value of {name} must be a string.")
        return Condition("eq", str(name).lower(), value)
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise _invalid("Invalid Condition: conditions must be objects or arrays.")
    op = item[0].lower()
    if op == "content-length-range":
        return _length_range(item)
    if op not in ("eq", "starts-with"):
        raise _invalid(f"Invalid Condition: unknown operation '{item[0]}'.")
    if len(item) != 3 or not all(isinstance(v, str) for v in item[1:]) or not item[1].startswith("$"):
        raise _invalid(f"Invalid Condition: '{item[0]}' takes a $field and a string value.")
    return Condition(op, item[1][1:].lower(), item[2])


def _length_range(item: list[Any]) -> Condition:
    def number(v: Any) -> int | None:
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v
        return int(v) if isinstance(v, str) and v.isdigit() else None

    bounds = [number(v) for v in item[1:]]
    if len(bounds) != 2 or bounds[0] is None or bounds[1] is None or not 0 <= bounds[0] <= bounds[1]:
        raise _invalid(
            "Invalid content-length-range condition: expects two non-negative integers, min <= max."
        )
    return Condition("content-length-range", "", low=bounds[0], high=bounds[1])


def check(policy: Policy, fields: Mapping[str, str], bucket: str, now: float) -> None:
    """Expiration, every condition, and no field left uncovered (``fields`` have lower-case names)."""
    if now > policy.expiration:
        raise errors.AccessDenied("Invalid according to Policy: Policy expired.")
    values = {**fields, "bucket": bucket}
    for c in policy.conditions:
        if c.op == "content-length-range":
            continue  # checked against the file as it streams
        value = values.get(c.field)
        if value is None and c.op == "starts-with" and not c.value:
            continue  # ["starts-with", "$f", ""]: any value, or none
        if value is None or not _holds(c, value):
            raise errors.AccessDenied(FAILED + str(c))
    covered = {c.field for c in policy.conditions}
    extra = [name for name in fields if name not in covered and not _exempt(name)]
    if extra:
        raise errors.AccessDenied("Invalid according to Policy: Extra input fields: " + ", ".join(extra))


def _holds(c: Condition, value: str) -> bool:
    if c.op == "eq":
        return value == c.value
    if c.field == "content-type":
        # A Content-Type condition applies to each of a comma-separated list (S3 allows one per file).
        return all(v.strip().startswith(c.value) for v in value.split(","))
    return value.startswith(c.value)


def _exempt(name: str) -> bool:
    return name in EXEMPT or name.startswith(IGNORED_PREFIX)


def check_length(policy: Policy, size: int, final: bool) -> None:
    """content-length-range against the bytes received so far (``final``: the whole file)."""
    limits = policy.length_range
    if limits is None:
        return
    low, high = limits
    if size > high:
        raise errors.EntityTooLarge(
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=str(size),
            MaxSizeAllowed=str(high),
        )
    if final and size < low:
        raise errors.EntityTooSmall(
            "Your proposed upload is smaller than the minimum allowed size",
            ProposedSize=str(size),
            MinSizeAllowed=str(low),
        )


def verify_signature(fields: Mapping[str, str], keys: sigv4.KeyStore) -> sigv4.Principal:
    """Who signed the form's policy (SigV4, else SigV2); the S3 error AWS answers when nobody did."""
    policy = fields["policy"]
    if "x-amz-algorithm" in fields or "x-amz-credential" in fields:
        return _verify_v4(fields, policy, keys)
    if "awsaccesskeyid" not in fields:
        raise _missing("AWSAccessKeyId")
    if "signature" not in fields:
        raise _missing("Signature")
    secret, principal = _secret(keys, fields["awsaccesskeyid"])
    expected = base64.b64encode(hmac.new(secret.encode(), policy.encode(), hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(expected.encode(), fields["signature"].encode()):
        raise errors.SignatureDoesNotMatch(AWSAccessKeyId=fields["awsaccesskeyid"])
    return principal


def _verify_v4(fields: Mapping[str, str], policy: str, keys: sigv4.KeyStore) -> sigv4.Principal:
    for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
        if name not in fields:
            raise _missing(name)
    if fields["x-amz-algorithm"] != sigv4.ALGORITHM:
        raise errors.InvalidArgument(
            'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
            ArgumentName="x-amz-algorithm",
            ArgumentValue=fields["x-amz-algorithm"],
        )
    credential = sigv4.parse_credential(fields["x-amz-credential"], errors.AuthorizationQueryParametersError)
    secret, principal = _secret(keys, credential.access_key)
    key = sigv4.signing_key(secret, credential.date, credential.region, credential.service)
    expected = sigv4.sign(key, policy)
    if not hmac.compare_digest(expected.encode(), fields["x-amz-signature"].lower().encode()):
        raise errors.SignatureDoesNotMatch(AWSAccessKeyId=credential.access_key)
    return principal


def _secret(keys: sigv4.KeyStore, access_key: str) -> tuple[str, sigv4.Principal]:
    found = keys.secret_for(access_key)
    if found is None:
        raise errors.InvalidAccessKeyId(AWSAccessKeyId=access_key)
    return found


def _missing(name: str) -> errors.S3Error:
    return errors.InvalidArgument(
        f"Bucket POST must contain a field named '{name}'.  "
        "If it is specified, please check the order of the fields.",
        ArgumentName=name,
        ArgumentValue="",
    )
