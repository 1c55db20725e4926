"""The condition keys of a request, computed when a policy asks for them.

See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
and https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aerostore.access import policy as policies
from aerostore.access.conditions import Lookup, parse_date
from aerostore.auth.sigv4 import Principal
from aerostore.http.context import RequestContext
from aerostore.s3 import errors

if TYPE_CHECKING:
    from aerostore.access.control import AccessControl

AUTH_TYPES = {"header": "REST-HEADER", "presigned": "REST-QUERY-STRING", "post": "POST"}
_LOCK_HEADERS = {
    "s3:object-lock-mode": "x-amz-object-lock-mode",
    "s3:object-lock-retain-until-date": "x-amz-object-lock-retain-until-date",
    "s3:object-lock-legal-hold": "x-amz-object-lock-legal-hold",
}
_QUERY_KEYS = {"s3:prefix": "prefix", "s3:delimiter": "delimiter", "s3:max-keys": "max-keys",
               "s3:versionid": "versionId"}  # fmt: skip


def request_keys(
    access: AccessControl,
    principal: Principal,
    bucket: str,
    key: str,
    ctx: RequestContext,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    auth_type: str,
) -> Lookup:
    """A lookup of condition keys (lower case) → values; None when the request has no such key."""
    now = time.time()
    fixed: dict[str, Callable[[], str | None]] = {
        "aws:sourceip": lambda: ctx.remote,
        "aws:securetransport": lambda: "true" if ctx.secure else "false",
        "aws:currenttime": lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "aws:epochtime": lambda: str(int(now)),
        "aws:referer": lambda: headers.get("referer"),
        "aws:useragent": lambda: headers.get("user-agent"),
        "aws:username": lambda: None if principal.is_root or not principal.access_key else principal.user,
        "aws:userid": lambda: principal.user if principal.access_key else None,
        "aws:principalarn": lambda: _arn(principal),
        "aws:principalaccount": lambda: policies.ACCOUNT_ID if principal.access_key else None,
        "aws:principaltype": lambda: _principal_type(principal),
        "s3:signatureversion": lambda: _signature_version(auth_type, headers, query),
        "s3:authtype": lambda: AUTH_TYPES.get(auth_type),
        "s3:object-lock-remaining-retention-days": lambda: _remaining_days(headers, now),
    }

    def lookup(name: str) -> tuple[str, ...] | None:
        if name in fixed:
            value = fixed[name]()
        elif name in _QUERY_KEYS:
            value = query.get(_QUERY_KEYS[name])
        elif name in _LOCK_HEADERS:
            value = headers.get(_LOCK_HEADERS[name])
        elif name.startswith("s3:x-amz-"):
            value = headers.get(name[3:])
        elif name.startswith("s3:existingobjecttag/"):
            value = _existing_tag(access, bucket, key, query, name.split("/", 1)[1])
        elif name.startswith("s3:requestobjecttag/"):
            value = dict(parse_qsl(headers.get("x-amz-tagging", ""))).get(name.split("/", 1)[1])
        elif name == "s3:requestobjecttagkeys":
            keys = [k for k, _ in parse_qsl(headers.get("x-amz-tagging", ""))]
            return tuple(keys) or None
        elif name == "aws:principaltag/role":
            value = _role(access, principal)
        else:
            value = None
        return None if value is None else (value,)

    return lookup


def _arn(principal: Principal) -> str | None:
    if not principal.access_key:
        return None
    return policies.principal_arns(principal.user, principal.is_root)[0]


def _principal_type(principal: Principal) -> str:
    if not principal.access_key:
        return "Anonymous"
    return "Account" if principal.is_root else "User"


def _signature_version(auth_type: str, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    if auth_type == "anonymous":
        return None
    v2 = headers.get("authorization", "").startswith("AWS ") or "Signature" in query
    return "AWS" if v2 else "AWS4-HMAC-SHA256"


def _remaining_days(headers: Mapping[str, str], now: float) -> str | None:
    until = headers.get("x-amz-object-lock-retain-until-date")
    if until is None:
        return None
    stamp = parse_date(until)
    return None if stamp is None else str(max(0, int((stamp - now) // 86400)))


def _existing_tag(access: AccessControl, bucket: str, key: str, query: Mapping[str, str],
                  tag: str) -> str | None:  # fmt: skip
    """s3:ExistingObjectTag/<tag>: read only when a policy asks, from the version addressed."""
    if not bucket or not key:
        return None
    try:
        version = access.engine.get_object_tagging(bucket, key, query.get("versionId") or None)
    except errors.S3Error:
        return None
    return version.attrs.tags.get(tag)


def _role(access: AccessControl, principal: Principal) -> str | None:
    if principal.is_root or not principal.access_key:
        return None
    user = access.user(principal.user)
    return user.role if user is not None and user.role else None
