"""AWS Signature Version 4 for S3, and ``verify``: the one entry point of request authentication.

Pure functions, no I/O. ``verify`` turns a request's method, path, query and headers into an
``AuthResult`` or raises the S3 error AWS would answer with. It handles SigV4 header auth itself and
dispatches presigned SigV4 URLs to ``auth/presign.py`` and SigV2 (query or header) to ``auth/sigv2.py``.
The body is not read here: when the client signed a payload hash, the body reader checks it later,
and ``auth/chunked.py`` checks the chunk signatures of ``aws-chunked`` bodies, chaining from
``AuthResult.seed_signature``.

See https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
"""

from __future__ import annotations

import calendar
import datetime
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import ClassVar, Protocol
from urllib.parse import quote, unquote, unquote_to_bytes

# presign and sigv2 import this module back; they only read its names when called, so the cycle is safe.
from aerostore.auth import presign, sigv2
from aerostore.s3 import errors

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SERVICE = "s3"
TERMINATOR = "aws4_request"

AUTHORIZATION = "authorization"
X_AMZ_DATE = "x-amz-date"
X_AMZ_CONTENT_SHA256 = "x-amz-content-sha256"
DATE_MISMATCH = "Invalid credential date. Date is not the same as X-Amz-Date."
NO_DATE = "AWS authentication requires a valid Date or x-amz-date header"

_PAYLOAD_CONSTANTS = frozenset(
    {UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER}
)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
_UNSUPPORTED = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
_MALFORMED = "The authorization header is malformed; "
_ONE_MECHANISM = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
    "string parameter or the Authorization header should be specified"
)
_PREFIXES: dict[type[errors.S3Error], str] = {
    errors.AuthorizationHeaderMalformed: _MALFORMED,
    errors.AuthorizationQueryParametersError: "Error parsing the X-Amz-Credential parameter; ",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request. Anonymous is the explicit ``Principal.ANONYMOUS``, never ``None``."""

    ANONYMOUS: ClassVar[Principal]
    access_key: str
    user: str
    is_root: bool


Principal.ANONYMOUS = Principal(access_key="", user="anonymous", is_root=False)


class KeyStore(Protocol):
    def secret_for(self, access_key: str) -> tuple[str, Principal] | None:
        """The secret key and principal of ``access_key``, or None when it is unknown."""
        ...


@dataclass(frozen=True, slots=True)
class AuthResult:
    """A verified request, plus what the body reader needs to finish verifying the payload.

    ``payload`` is one of the module's payload constants or the lower-case sha256 hex the body
    must hash to. ``seed_signature``, ``signing_key``, ``scope`` and ``amz_date`` feed the
    chunk-signature chain of ``aws-chunked`` bodies.
    """

    principal: Principal
    payload: str
    seed_signature: str = ""
    signing_key: bytes = b""
    scope: str = ""
    amz_date: str = ""
    auth_type: str = "anonymous"  # "header" | "presigned" | "anonymous"
    signature_version: int = 4  # 2 for SigV2 (header or query); meaningless when anonymous


@dataclass(frozen=True, slots=True)
class Credential:
    access_key: str
    date: str
    region: str
    service: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


@dataclass(frozen=True, slots=True)
class Request:
    """The parts of a request that authentication reads, shared with presign.py and sigv2.py."""

    method: str
    raw_path: str
    query_string: str
    headers: Mapping[str, str]
    params: Mapping[str, str]  # the query, decoded
    now: float
    max_skew: float
    host_bucket: str = ""  # the bucket named by a virtual-hosted-style Host header
    service: str = SERVICE  # the service the credential scope must name


@dataclass(frozen=True, slots=True)
class Signed:
    """What the client says it signed, parsed from the Authorization header or the query."""

    auth_type: str
    credential: Credential
    signed_headers: list[str]
    signature: str
    amz_date: str
    payloads: tuple[str, ...]  # payload hashes to try, in order
    exclude: frozenset[str] = frozenset()  # query parameters left out of the canonical query


# ---- canonical request and signing key (AWS's published test vectors check these) ----


@functools.lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key ``HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")``.

    Cached because it only changes once a day per key and region.
    """
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def canonical_uri(raw_path: str) -> str:
    """The path decoded, then URI-encoded once with '/' kept: S3 never double-encodes.

    Botocore builds S3 URLs with ``quote(key, safe='/~')``, which this reproduces for any key.
    """
    return quote(unquote_to_bytes(raw_path or "/"), safe="/")


def canonical_query(query_string: str, exclude: frozenset[str] = frozenset()) -> str:
    """Each name and value decoded then re-encoded (unreserved set only), sorted by name then value."""
    pairs = []
    for name, value in split_query(query_string):
        if unquote(name) not in exclude:
            pairs.append((quote(unquote_to_bytes(name), safe=""), quote(unquote_to_bytes(value), safe="")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The canonical request from an already canonical URI and query; header values are trimmed."""
    lines = [f"{name}:{' '.join(headers.get(name.lower(), '').split())}\n" for name in signed_headers]
    return "\n".join([method, uri, query, "".join(lines), ";".join(signed_headers), payload_hash])


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    """``AWS4-HMAC-SHA256 / timestamp / scope / hex(sha256(canonical request))``."""
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def sign(key: bytes, text: str) -> str:
    """The lower-case hex HMAC-SHA256 signature of ``text``."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def split_query(query_string: str) -> list[tuple[str, str]]:
    """``a=1&b&c=`` as raw (name, value) pairs, still percent-encoded."""
    pairs = []
    for part in query_string.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


# ---- verification ----


def verify(
    method: str,
    raw_path: str,
    query_string: str,
    headers: Mapping[str, str],
    keys: KeyStore,
    now: float,
    *,
    max_skew: float = 900,
    host_bucket: str = "",
    service: str = SERVICE,
) -> AuthResult:
    """Authenticate a request by its Authorization header, its presigned query, or as anonymous.

    ``raw_path`` is the path as sent (percent-encoded, decoded from the wire as UTF-8) and
    ``headers`` has lower-case names, repeated headers joined by ",". ``host_bucket`` is the
    bucket a virtual-hosted-style Host header names ("" for path style): only SigV2 signs it.
    ``service`` is the service a SigV4 credential scope must name ("sqs" for the queue API).
    Raises the ``errors`` class AWS would answer with.
    """
    params = {unquote(name): unquote(value) for name, value in split_query(query_string)}
    req = Request(method, raw_path, query_string, headers, params, now, max_skew, host_bucket, service)
    has_header = AUTHORIZATION in headers
    if has_header + presign.is_presigned(params) + sigv2.is_presigned(params) > 1:
        raise errors.InvalidArgument(_ONE_MECHANISM)
    if has_header and headers[AUTHORIZATION].strip().partition(" ")[0] == sigv2.ALGORITHM:
        return sigv2.verify_header(req, keys)
    if sigv2.is_presigned(params):
        return sigv2.verify_query(req, keys)
    if has_header:
        signed = _from_header(req)
    elif presign.is_presigned(params):
        signed = presign.from_query(req)
    else:
        return AuthResult(
            Principal.ANONYMOUS, _checked_payload(headers.get(X_AMZ_CONTENT_SHA256, UNSIGNED_PAYLOAD))
        )
    cred = signed.credential
    found = keys.secret_for(cred.access_key)
    if found is None:
        raise errors.InvalidAccessKeyId(AWSAccessKeyId=cred.access_key)
    secret, principal = found
    key = signing_key(secret, cred.date, cred.region, cred.service)
    payload = _checked_payload(_check_signature(req, signed, key))
    return AuthResult(
        principal, payload, signed.signature, key, cred.scope, signed.amz_date, signed.auth_type
    )


def _from_header(req: Request) -> Signed:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html"""
    algorithm, _, rest = req.headers[AUTHORIZATION].strip().partition(" ")
    if algorithm != ALGORITHM:
        raise errors.InvalidRequest(_UNSUPPORTED)
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        raise errors.AuthorizationHeaderMalformed(
            _MALFORMED + "it must have Credential, SignedHeaders, Signature."
        )
    credential = parse_credential(fields["Credential"], errors.AuthorizationHeaderMalformed, req.service)
    signed_headers = parse_signed_headers(fields["SignedHeaders"], errors.AuthorizationHeaderMalformed)
    amz_date, stamp = _request_date(req.headers)
    if X_AMZ_CONTENT_SHA256 not in req.headers:
        raise errors.InvalidRequest("Missing required header for this request: x-amz-content-sha256")
    _checked_payload(req.headers[X_AMZ_CONTENT_SHA256])
    if credential.date != amz_date[:8]:
        raise errors.AuthorizationHeaderMalformed(_MALFORMED + DATE_MISMATCH)
    check_skew(req, stamp, amz_date)
    payloads = (req.headers[X_AMZ_CONTENT_SHA256],)
    return Signed("header", credential, signed_headers, fields["Signature"], amz_date, payloads)


def check_skew(req: Request, stamp: float, request_time: str) -> None:
    """Header-signed requests must be dated within ``max_skew`` of the server clock (15 minutes on AWS)."""
    if abs(req.now - stamp) > req.max_skew:
        skew = str(int(req.max_skew * 1000))
        raise errors.RequestTimeTooSkewed(
            RequestTime=request_time, ServerTime=iso8601(req.now), MaxAllowedSkewMilliseconds=skew
        )


def _check_signature(req: Request, signed: Signed, key: bytes) -> str:
    """Accept the signature if any canonical form matches; return the payload hash that did.

    The canonical form (path and query decoded then encoded once) comes first. The forms as
    sent come next, for clients that sign the bytes they send without normalizing them.
    """
    provided = signed.signature.encode("utf-8", "replace")
    first: tuple[str, str] | None = None
    for canonical, payload in _candidates(req, signed):
        text = string_to_sign(signed.amz_date, signed.credential.scope, canonical)
        if hmac.compare_digest(sign(key, text).encode(), provided):
            return payload
        first = first or (canonical, text)
    assert first is not None
    raise errors.SignatureDoesNotMatch(
        AWSAccessKeyId=signed.credential.access_key,
        StringToSign=first[1],
        SignatureProvided=signed.signature,
        CanonicalRequest=first[0],
    )


def _candidates(req: Request, signed: Signed) -> Iterator[tuple[str, str]]:
    uris = dict.fromkeys([canonical_uri(req.raw_path), req.raw_path or "/"])
    pairs = split_query(req.query_string)
    raw_query = "&".join(sorted(f"{n}={v}" for n, v in pairs if n not in signed.exclude))
    queries = dict.fromkeys([canonical_query(req.query_string, signed.exclude), raw_query])
    for payload in signed.payloads:
        for uri in uris:
            for query in queries:
                canonical = canonical_request(
                    req.method, uri, query, req.headers, signed.signed_headers, payload
                )
                yield canonical, payload


# ---- parsing the pieces ----


def parse_credential(value: str, error: type[errors.S3Error], service: str = SERVICE) -> Credential:
    """``AKID/YYYYMMDD/region/<service>/aws4_request``; any region is accepted, as clients sign with any."""
    prefix = _PREFIXES[error]
    parts = value.rsplit("/", 4)
    if len(parts) != 5 or not parts[0] or not re.fullmatch(r"\d{8}", parts[1]) or not parts[2]:
        raise error(
            prefix + 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/'
            'aws4_request".'
        )
    if parts[3] != service:
        raise error(prefix + f'incorrect service "{parts[3]}". This endpoint belongs to "{service}".')
    if parts[4] != TERMINATOR:
        raise error(prefix + f'incorrect terminal "{parts[4]}". This endpoint uses "{TERMINATOR}".')
    return Credential(parts[0], parts[1], parts[2], parts[3])


def parse_signed_headers(value: str, error: type[errors.S3Error]) -> list[str]:
    """Names as the client listed them; ``host`` must be one of them."""
    names = value.split(";")
    if not all(names) or "host" not in (name.lower() for name in names):
        raise error(_PREFIXES[error] + "SignedHeaders must list non-empty header names including 'host'.")
    return names


def _request_date(headers: Mapping[str, str]) -> tuple[str, float]:
    """x-amz-date, or else the Date header, as (ISO 8601 basic timestamp, epoch seconds)."""
    if X_AMZ_DATE in headers:
        found = _amz_request_date(headers[X_AMZ_DATE])
        if found is None:
            raise errors.AccessDenied(NO_DATE)
        return found
    if "date" in headers:
        stamp = parse_http_date(headers["date"])
    else:
        stamp = None
    if stamp is None:
        raise errors.AccessDenied(NO_DATE)
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(stamp)), stamp


@functools.lru_cache(maxsize=256)
def _amz_request_date(value: str) -> tuple[str, float] | None:
    """``_request_date`` for an x-amz-date; cached, as every request of a second sends the same."""
    stamp = parse_amz_date(value)
    if stamp is None:
        return None
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(stamp)), stamp


def parse_amz_date(value: str) -> float | None:
    """``yyyyMMdd'T'HHmmss'Z'`` as epoch seconds, or None.

    Accepts exactly what ``time.strptime(value, "%Y%m%dT%H%M%SZ")`` accepts (seconds up to 61,
    a real calendar day), at a tenth of its cost: it runs on every request.
    """
    if not _AMZ_DATE.fullmatch(value):
        return None
    if not value.isascii():  # other Unicode digits: strptime's own mix of rules applies
        return _strptime_amz_date(value)
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    hour, minute, second = int(value[9:11]), int(value[11:13]), int(value[13:15])
    if hour > 23 or minute > 59 or second > 61:
        return None
    try:
        datetime.date(year, month, day)  # the year, month and day of month exist
    except ValueError:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second)))


def _strptime_amz_date(value: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


def parse_http_date(value: str) -> float | None:
    """An RFC 7231 date (``Mon, 01 Jan 2024 00:00:00 GMT``) as epoch seconds, or None."""
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _checked_payload(value: str) -> str:
    if value in _PAYLOAD_CONSTANTS:
        return value
    if _HEX64.fullmatch(value):
        return value.lower()
    raise errors.InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-"
        "TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-"
        "PAYLOAD-TRAILER, or a valid sha256 value."
    )


def iso8601(epoch: float) -> str:
    """``2024-01-01T00:00:00Z``, as AWS writes times into error bodies."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
