"""AWS Signature Version 2 for S3: presigned query strings and the ``Authorization: AWS key:sig`` header.

boto3 and ``aws s3 presign`` at default settings still presign with SigV2 when given a custom
``endpoint_url``, so a user's ``generate_presigned_url`` against aerostore arrives here; older
clients sign headers with it too. Both forms sign one string with HMAC-SHA1 (base64): only
where the date and the signature travel differs. botocore's ``HmacV1Auth`` is the reference.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote, unquote_to_bytes

from aerostore.auth import sigv4
from aerostore.s3 import errors

ALGORITHM = "AWS"  # the Authorization scheme: "AWS AccessKeyId:Signature"
ACCESS_KEY_PARAM = "AWSAccessKeyId"
SIGNATURE_PARAM = "Signature"
EXPIRES_PARAM = "Expires"
X_AMZ_PREFIX = "x-amz-"
# The query parameters that are part of the signed resource: botocore's HmacV1Auth.QSAOfInterest.
SUB_RESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
        "lifecycle", "location", "logging", "metrics", "notification", "object-lock", "partNumber",
        "policy", "replication", "requestPayment", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "select", "select-type",
        "storageClass", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
        "versions", "website",
    }
)  # fmt: skip
_MAX_EXPIRES = 2**32 - 1  # AWS refuses later dates as not being seconds since the epoch
_EPOCH_SECONDS = re.compile(r"-?\d{1,20}")


def is_presigned(params: Mapping[str, str]) -> bool:
    """Whether the decoded query asks for SigV2 query-string authentication."""
    return ACCESS_KEY_PARAM in params or SIGNATURE_PARAM in params


def verify_query(req: sigv4.Request, keys: sigv4.KeyStore) -> sigv4.AuthResult:
    """A presigned URL: the Date line of the string to sign is the ``Expires`` epoch as sent.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
    """
    params = req.params
    if any(name not in params for name in (ACCESS_KEY_PARAM, SIGNATURE_PARAM, EXPIRES_PARAM)):
        raise errors.AccessDenied(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
        )
    expires = params[EXPIRES_PARAM]
    if not _EPOCH_SECONDS.fullmatch(expires) or int(expires) > _MAX_EXPIRES:
        raise errors.AccessDenied(f"Invalid date (should be seconds since epoch): {expires}")
    if req.now > int(expires):
        times = {"Expires": sigv4.iso8601(int(expires)), "ServerTime": sigv4.iso8601(req.now)}
        raise errors.AccessDenied("Request has expired", **times)
    # Signers move x-amz-* headers into the query (botocore's HmacV1QueryAuth); they are signed as headers.
    amz = {**amz_headers(req.headers), **amz_headers(params)}
    access_key, signature = params[ACCESS_KEY_PARAM], params[SIGNATURE_PARAM]
    return _verify(req, keys, access_key, signature, [(expires, amz)], "presigned")


def verify_header(req: sigv4.Request, keys: sigv4.KeyStore) -> sigv4.AuthResult:
    """``Authorization: AWS AccessKeyId:Signature``, dated by x-amz-date or Date within the allowed skew.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#ConstructingTheAuthenticationHeader
    """
    value = req.headers[sigv4.AUTHORIZATION]
    credentials = value.strip().partition(" ")[2]
    access_key, colon, signature = credentials.partition(":")
    if " " in credentials or not colon or not access_key or not signature or ":" in signature:
        raise errors.InvalidArgument(
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            ArgumentName="Authorization",
            ArgumentValue=value,
        )
    return _verify(req, keys, access_key, signature, _dated_headers(req), "header")


def string_to_sign(
    method: str, headers: Mapping[str, str], date: str, amz: Mapping[str, str], resource: str
) -> str:
    """VERB, Content-MD5, Content-Type, Date, each ``x-amz-*`` header, then the resource, one per line.

    As botocore's ``HmacV1Auth.canonical_string``; the resource is ``/bucket/key?sub-resources``.
    """
    standard = [headers.get(name, "").strip() for name in ("content-md5", "content-type")]
    custom = [f"{name}:{amz[name]}" for name in sorted(amz)]
    return "\n".join([method.upper(), *standard, date, *custom, resource])


def sign(secret: str, text: str) -> str:
    """The base64 HMAC-SHA1 signature of ``text``."""
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


def amz_headers(fields: Mapping[str, str]) -> dict[str, str]:
    """The ``x-amz-*`` fields, names lower-cased and values trimmed, as CanonicalizedAmzHeaders signs them."""
    lowered = ((name.lower(), value) for name, value in fields.items())
    return {name: value.strip() for name, value in lowered if name.startswith(X_AMZ_PREFIX)}


def sub_resources(query_string: str) -> str:
    """``?acl&versionId=v1``: the signed query parameters, values decoded, sorted by name.

    As botocore's ``canonical_resource``: names are compared as sent, a name sent without ``=``
    stays bare, and the sort is by name alone (stable), so repeated names keep their order.
    """
    pairs = []
    for part in query_string.split("&"):
        name, equals, value = part.partition("=")
        if name in SUB_RESOURCES:
            pairs.append((name, f"{name}={unquote(value)}" if equals else name))
    pairs.sort(key=lambda pair: pair[0])
    return "?" + "&".join(text for _, text in pairs) if pairs else ""


def canonical_resources(raw_path: str, host_bucket: str) -> list[str]:
    """The CanonicalizedResource path to try: ``/bucket/key`` as sent, then as botocore encodes keys.

    A virtual-hosted request signs its bucket from the Host header in front of the path; a
    path-style request on a bare bucket (``/b``) is signed by botocore as ``/b/``.
    """
    path = raw_path or "/"
    paths = [path, quote(unquote_to_bytes(path), safe="/~")]
    if host_bucket:
        paths = [f"/{host_bucket}{p}" for p in paths]
    elif path.count("/") == 1 and path != "/":
        paths.append(path + "/")
    return list(dict.fromkeys(paths))


def _dated_headers(req: sigv4.Request) -> list[tuple[str, dict[str, str]]]:
    """The (Date line, x-amz-* headers) pairs to try, once the request time is checked against the clock.

    With x-amz-date sent, AWS's rule signs an empty Date line and x-amz-date among the x-amz-*
    headers, while AWS's own DELETE example puts x-amz-date on the Date line instead (and not
    among the headers); botocore always signs the Date header. All three are accepted.
    """
    amz, amz_date, date = amz_headers(req.headers), req.headers.get(sigv4.X_AMZ_DATE), req.headers.get("date")
    sent = amz_date if amz_date is not None else date
    stamp = _parse_time(sent) if sent else None
    if sent is None or stamp is None:
        raise errors.AccessDenied(sigv4.NO_DATE)
    sigv4.check_skew(req, stamp, sent)
    if amz_date is None:
        return [(sent, amz)]
    without = {name: value for name, value in amz.items() if name != sigv4.X_AMZ_DATE}
    pairs = [("", amz), (amz_date.strip(), without)]
    return pairs + [(date.strip(), amz)] if date is not None else pairs


def _parse_time(value: str) -> float | None:
    """An RFC 7231 date, as SigV2 clients send; an ISO 8601 basic x-amz-date is accepted too."""
    stamp = sigv4.parse_http_date(value)
    return stamp if stamp is not None else sigv4.parse_amz_date(value)


def _verify(
    req: sigv4.Request,
    keys: sigv4.KeyStore,
    access_key: str,
    signature: str,
    dated_headers: list[tuple[str, dict[str, str]]],
    auth_type: str,
) -> sigv4.AuthResult:
    """Look the key up and accept the signature if any candidate string to sign matches.

    Every candidate is built from the request itself (path spellings, Date lines), so trying
    several cannot let a signature cover a different request. The body is not signed.
    """
    found = keys.secret_for(access_key)
    if found is None:
        raise errors.InvalidAccessKeyId(AWSAccessKeyId=access_key)
    secret, principal = found
    query = sub_resources(req.query_string)
    texts = [
        string_to_sign(req.method, req.headers, date, amz, path + query)
        for date, amz in dated_headers
        for path in canonical_resources(req.raw_path, req.host_bucket)
    ]
    provided = signature.encode("utf-8", "replace")
    for text in texts:
        if hmac.compare_digest(sign(secret, text).encode(), provided):
            return sigv4.AuthResult(
                principal, sigv4.UNSIGNED_PAYLOAD, auth_type=auth_type, signature_version=2
            )
    raise errors.SignatureDoesNotMatch(
        AWSAccessKeyId=access_key,
        StringToSign=texts[0],
        SignatureProvided=signature,
        StringToSignBytes=" ".join(f"{byte:02x}" for byte in texts[0].encode()),
    )
