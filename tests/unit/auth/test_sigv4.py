"""SigV4 verification against AWS's published vectors and requests signed by botocore."""

from __future__ import annotations

import calendar
import time
from urllib.parse import quote, urlsplit

import pytest
from auth_test_keys import AK, ALICE, KEYS, SECRET, Keys
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from aerostore.auth import sigv4
from aerostore.auth.sigv4 import AuthResult, Principal
from aerostore.s3 import errors

HOST = "localhost:9000"




def signed(
    method: str,
    path: str,
    query: str = "",
    *,
    presign: bool = False,
    body: bytes | None = b"",
    headers: dict[str, str] | None = None,
    region: str = "us-east-1",
    expires: int = 3600,
    context: dict[str, object] | None = None,
) -> tuple[str, str, str, dict[str, str]]:
    """Sign like botocore does; return (method, raw path, query string, lower-cased headers)."""
    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(
        method, url, headers={"host": HOST, **(headers or {})}, data=None if presign else body
    )
    request.context.update(context or {})
    credentials = Credentials(AK, SECRET)
    signer = (
        S3SigV4QueryAuth(credentials, "s3", region, expires)
        if presign
        else S3SigV4Auth(credentials, "s3", region)
    )
    signer.add_auth(request)
    parts = urlsplit(request.url)
    return method, parts.path, parts.query, {k.lower(): v for k, v in request.headers.items()}


def check(request: tuple[str, str, str, dict[str, str]], now: float | None = None) -> AuthResult:
    method, path, query, headers = request
    return sigv4.verify(method, path, query, headers, KEYS, time.time() if now is None else now)


def flip(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


# ---- AWS's published test vectors (aws-c-auth tests/aws-signing-test-suite/v4) ----

VECTOR_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
VECTOR_DATE = "20150830T123600Z"
VECTOR_HEADERS = {"host": "example.amazonaws.com", "x-amz-date": VECTOR_DATE}

VECTORS = [
    pytest.param(
        "/",
        "",
        {},
        "/",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        id="get-vanilla",
    ),
    pytest.param(
        "/",
        "Param2=value2&Param1=value1",
        {},
        "/",
        "Param1=value1&Param2=value2",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        id="get-vanilla-query-order-key-case",
    ),
    pytest.param(
        "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "",
        {},
        "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
        id="get-unreserved",
    ),
    pytest.param(
        "/\u1234",
        "",
        {},
        "/%E1%88%B4",
        "",
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        id="get-utf8",
    ),
    pytest.param(
        "/",
        "\u1234=bar",
        {},
        "/",
        "%E1%88%B4=bar",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        id="get-vanilla-utf8-query",
    ),
    pytest.param(
        "/example space/",
        "",
        {},
        "/example%20space/",
        "",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        id="get-space-unnormalized",
    ),
    pytest.param(
        "/",
        "",
        {"my-header1": " value1", "my-header2": ' "a   b   c"'},
        "/",
        "",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        id="get-header-value-trim",
    ),
]


@pytest.mark.parametrize(("path", "query", "extra", "uri", "canonical_query", "signature"), VECTORS)
def test_published_vector(
    path: str, query: str, extra: dict[str, str], uri: str, canonical_query: str, signature: str
) -> None:
    headers = {**VECTOR_HEADERS, **extra}
    names = sorted(headers)
    assert sigv4.canonical_uri(path) == uri
    assert sigv4.canonical_query(query) == canonical_query
    canonical = sigv4.canonical_request("GET", uri, canonical_query, headers, names, sigv4.EMPTY_SHA256)
    scope = "20150830/us-east-1/service/aws4_request"
    key = sigv4.signing_key(VECTOR_SECRET, "20150830", "us-east-1", "service")
    assert sigv4.sign(key, sigv4.string_to_sign(VECTOR_DATE, scope, canonical)) == signature


def test_published_canonical_request_text() -> None:
    canonical = sigv4.canonical_request(
        "GET", "/", "", VECTOR_HEADERS, ["host", "x-amz-date"], sigv4.EMPTY_SHA256
    )
    assert canonical == (
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    sts = sigv4.string_to_sign(VECTOR_DATE, "20150830/us-east-1/service/aws4_request", canonical)
    assert sts.endswith("\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")


def test_signing_key_matches_the_iam_docs_example() -> None:
    key = sigv4.signing_key(VECTOR_SECRET, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"


def test_signing_key_is_cached() -> None:
    sigv4.signing_key("cache-me", "20240101", "eu-west-1", "s3")
    hits = sigv4.signing_key.cache_info().hits
    sigv4.signing_key("cache-me", "20240101", "eu-west-1", "s3")
    assert sigv4.signing_key.cache_info().hits == hits + 1


# ---- the S3 documentation's worked examples, through verify() ----

DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_NOW = float(calendar.timegm((2013, 5, 24, 0, 0, 0)))
DOC_KEYS = Keys({"AKIAIOSFODNN7EXAMPLE": DOC_SECRET})
DOC_CRED = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
DOC_HOST = "examplebucket.s3.amazonaws.com"


def doc_headers(signed_headers: str, signature: str, **headers: str) -> dict[str, str]:
    auth = f"{DOC_CRED},SignedHeaders={signed_headers},Signature={signature}"
    return {"host": DOC_HOST, "x-amz-date": "20130524T000000Z", "authorization": auth, **headers}


DOC_EXAMPLES = [
    pytest.param(
        "GET",
        "/test.txt",
        "",
        doc_headers(
            "host;range;x-amz-content-sha256;x-amz-date",
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            range="bytes=0-9",
            **{"x-amz-content-sha256": sigv4.EMPTY_SHA256},
        ),
        id="get-object",
    ),
    pytest.param(
        "PUT",
        "/test%24file.text",
        "",
        doc_headers(
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
            date="Fri, 24 May 2013 00:00:00 GMT",
            **{
                "x-amz-storage-class": "REDUCED_REDUNDANCY",
                "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
            },
        ),
        id="put-object",
    ),
    pytest.param(
        "GET",
        "/",
        "lifecycle",
        doc_headers(
            "host;x-amz-content-sha256;x-amz-date",
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
            **{"x-amz-content-sha256": sigv4.EMPTY_SHA256},
        ),
        id="get-bucket-lifecycle",
    ),
    pytest.param(
        "GET",
        "/",
        "max-keys=2&prefix=J",
        doc_headers(
            "host;x-amz-content-sha256;x-amz-date",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
            **{"x-amz-content-sha256": sigv4.EMPTY_SHA256},
        ),
        id="list-objects",
    ),
]


@pytest.mark.parametrize(("method", "path", "query", "headers"), DOC_EXAMPLES)
def test_s3_docs_example(method: str, path: str, query: str, headers: dict[str, str]) -> None:
    result = sigv4.verify(method, path, query, headers, DOC_KEYS, DOC_NOW)
    assert result.auth_type == "header"
    assert result.scope == "20130524/us-east-1/s3/aws4_request"
    assert result.payload == headers["x-amz-content-sha256"]


def test_s3_docs_chunked_seed_signature() -> None:
    headers = doc_headers(
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-storage-class",
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        host="s3.amazonaws.com",
        **{
            "content-encoding": "aws-chunked",
            "content-length": "66824",
            "x-amz-decoded-content-length": "66560",
            "x-amz-storage-class": "REDUCED_REDUNDANCY",
            "x-amz-content-sha256": sigv4.STREAMING_SIGNED,
        },
    )
    result = sigv4.verify("PUT", "/examplebucket/chunkObject.txt", "", headers, DOC_KEYS, DOC_NOW)
    assert result.payload == sigv4.STREAMING_SIGNED
    assert result.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    assert result.amz_date == "20130524T000000Z"


# ---- requests signed by botocore ----

KEYS_ON_THE_WIRE = [
    "plain.txt",
    "with space",
    "plus+sign",
    "bang!(paren)*star",
    "quote'd",
    "uni/\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9",
    "emoji\U0001f600",
    "double//slash",
    "trailing/",
    "tilde~dash-dot._",
    "percent%41",
    "colon:semi;eq=",
    "amp&hash#question?",
    "a/./b/../c",
    "back\\slash",
    "brackets[]{}",
    "comma,dollar$at@",
]


@pytest.mark.parametrize("key", KEYS_ON_THE_WIRE)
@pytest.mark.parametrize("presign", [False, True], ids=["header", "presigned"])
def test_botocore_signed_key_is_accepted(key: str, presign: bool) -> None:
    result = check(signed("PUT", "/bucket/" + quote(key, safe="/~"), presign=presign, body=b"hello"))
    assert result.principal == ALICE
    assert result.auth_type == ("presigned" if presign else "header")
    assert result.signature_version == 4


@pytest.mark.parametrize(
    "raw_path",
    [
        "/bucket/a+b",
        "/bucket/a!b(c)*'",
        "/bucket/a%2Fb",
        "/bucket/%7Etilde",
        "/bucket/lower%c3%bc",
        "/bucket/x,y;z=1:2@$",
    ],
)
def test_path_sent_in_a_non_canonical_encoding_is_accepted(raw_path: str) -> None:
    assert check(signed("GET", raw_path)).auth_type == "header"


QUERIES = [
    "list-type=2&prefix=a%20b&delimiter=%2F",
    "uploads",
    "versionId=abc&acl",
    "prefix=%E2%9C%93&max-keys=5",
    "tagging=&x-id=PutObjectTagging",
    "prefix=a%2Bb%26c%3Dd",
    "b=2&a=1&a=0",
    "response-content-disposition=attachment%3B%20filename%3D%22r%C3%A9sum%C3%A9.pdf%22",
    "prefix=raw+plus",
    "empty=",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("presign", [False, True], ids=["header", "presigned"])
def test_botocore_signed_query_is_accepted(query: str, presign: bool) -> None:
    assert check(signed("GET", "/bucket/key", query, presign=presign)).principal == ALICE


@pytest.mark.parametrize("key", KEYS_ON_THE_WIRE[:6])
def test_one_byte_change_in_the_path_is_rejected(key: str) -> None:
    method, path, query, headers = signed("GET", "/bucket/" + quote(key, safe="/~"))
    with pytest.raises(errors.SignatureDoesNotMatch):
        check((method, path + "x", query, headers))


@pytest.mark.parametrize("presign", [False, True], ids=["header", "presigned"])
def test_one_byte_change_in_the_signature_is_rejected(presign: bool) -> None:
    method, path, query, headers = signed("GET", "/bucket/key", "versionId=1", presign=presign)
    if presign:
        query = flip(query)
    else:
        headers["authorization"] = flip(headers["authorization"])
    with pytest.raises(errors.SignatureDoesNotMatch) as caught:
        check((method, path, query, headers))
    assert caught.value.fields["CanonicalRequest"].startswith("GET\n/bucket/key\n")


@pytest.mark.parametrize("presign", [False, True], ids=["header", "presigned"])
def test_changed_query_value_is_rejected(presign: bool) -> None:
    method, path, query, headers = signed("GET", "/bucket/key", "versionId=1", presign=presign)
    with pytest.raises(errors.SignatureDoesNotMatch):
        check((method, path, query.replace("versionId=1", "versionId=2"), headers))


def test_changed_signed_header_is_rejected() -> None:
    method, path, query, headers = signed("PUT", "/bucket/key", headers={"x-amz-acl": "private"})
    headers["x-amz-acl"] = "public-read"
    with pytest.raises(errors.SignatureDoesNotMatch):
        check((method, path, query, headers))


def test_changed_method_is_rejected() -> None:
    _, path, query, headers = signed("GET", "/bucket/key")
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(("DELETE", path, query, headers))


def test_payload_hash_and_chunk_parameters_are_returned() -> None:
    request = signed("PUT", "/bucket/key", body=b"hello")
    result = check(request)
    assert result.payload == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert result.signing_key == sigv4.signing_key(SECRET, result.amz_date[:8], "us-east-1", "s3")
    assert request[3]["authorization"].endswith(f"Signature={result.seed_signature}")
    assert result.amz_date == request[3]["x-amz-date"]


def test_unsigned_payload() -> None:
    context = {"client_config": Config(s3={"payload_signing_enabled": False})}
    result = check(signed("PUT", "/bucket/key", body=b"hello", context=context))
    assert result.payload == sigv4.UNSIGNED_PAYLOAD


def test_streaming_unsigned_trailer_payload() -> None:
    context = {
        "checksum": {
            "request_algorithm": {"in": "trailer", "algorithm": "crc32", "name": "x-amz-checksum-crc32"}
        }
    }
    result = check(signed("PUT", "/bucket/key", body=b"hello", context=context))
    assert result.payload == sigv4.STREAMING_UNSIGNED_TRAILER


def test_any_region_in_the_scope_is_accepted() -> None:
    result = check(signed("GET", "/bucket/key", region="ap-southeast-7"))
    assert result.scope.endswith("/ap-southeast-7/s3/aws4_request")


def test_date_header_instead_of_x_amz_date() -> None:
    request = signed("GET", "/bucket/key", headers={"Date": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert "x-amz-date" not in request[3]
    assert check(request).amz_date.endswith("Z")


# ---- errors ----


def test_unknown_access_key() -> None:
    method, path, query, headers = signed("GET", "/bucket/key")
    with pytest.raises(errors.InvalidAccessKeyId):
        sigv4.verify(method, path, query, headers, Keys({}), time.time())


def test_wrong_secret_is_a_signature_mismatch() -> None:
    method, path, query, headers = signed("GET", "/bucket/key")
    with pytest.raises(errors.SignatureDoesNotMatch):
        sigv4.verify(method, path, query, headers, Keys({AK: "other"}), time.time())


MALFORMED = {
    "no-signed-headers": ("AKIDTEST/20240101/us-east-1/s3/aws4_request", None),
    "bad-date": ("AKIDTEST/2024/us-east-1/s3/aws4_request", "host"),
    "wrong-service": ("AKIDTEST/20240101/us-east-1/iam/aws4_request", "host"),
    "wrong-terminal": ("AKIDTEST/20240101/us-east-1/s3/aws5_request", "host"),
    "no-host": ("AKIDTEST/20240101/us-east-1/s3/aws4_request", "range"),
    "scope-date-mismatch": ("AKIDTEST/20240102/us-east-1/s3/aws4_request", "host"),
}


def auth_header(credential: str, names: str | None) -> str:
    signed_headers = f"SignedHeaders={names}, " if names else ""
    return f"AWS4-HMAC-SHA256 Credential={credential}, {signed_headers}Signature=ab"


@pytest.mark.parametrize("authorization", [auth_header(*v) for v in MALFORMED.values()], ids=list(MALFORMED))
def test_malformed_authorization_header(authorization: str) -> None:
    headers = {
        "host": HOST,
        "x-amz-date": "20240101T000000Z",
        "x-amz-content-sha256": sigv4.UNSIGNED_PAYLOAD,
        "authorization": authorization,
    }
    with pytest.raises(errors.AuthorizationHeaderMalformed):
        sigv4.verify("GET", "/", "", headers, KEYS, float(calendar.timegm((2024, 1, 1, 0, 0, 0))))


@pytest.mark.parametrize("authorization", ["AWS4-ECDSA-P256-SHA256 Credential=x", "AWS3 x", "Bearer x", ""])
def test_unsupported_authorization_mechanism(authorization: str) -> None:
    with pytest.raises(errors.InvalidRequest, match="not supported"):
        sigv4.verify("GET", "/", "", {"host": HOST, "authorization": authorization}, KEYS, time.time())


OLD_DATE = "Mon, 01 Jan 2024 00:00:00 GMT"


@pytest.mark.parametrize(
    ("query", "headers", "error"),
    [
        ("AWSAccessKeyId=AK&Expires=1&Signature=x", {}, errors.AccessDenied),
        ("", {"authorization": "AWS AK:x", "date": OLD_DATE}, errors.RequestTimeTooSkewed),
    ],
    ids=["query-expired", "header-skewed"],
)
def test_sigv2_is_dispatched_to_sigv2(query: str, headers: dict[str, str], error: type[Exception]) -> None:
    """SigV2 is verified by auth/sigv2.py (see test_sigv2.py), no longer refused as unsupported."""
    with pytest.raises(error):
        sigv4.verify("GET", "/b/k", query, {"host": HOST, **headers}, KEYS, time.time())


def test_missing_date_is_access_denied() -> None:
    method, path, query, headers = signed("GET", "/bucket/key")
    del headers["x-amz-date"]
    with pytest.raises(errors.AccessDenied, match="Date or x-amz-date"):
        check((method, path, query, headers))


def test_unparseable_date_is_access_denied() -> None:
    method, path, query, headers = signed("GET", "/bucket/key")
    headers["x-amz-date"] = "2024-01-01T00:00:00Z"
    with pytest.raises(errors.AccessDenied):
        check((method, path, query, headers))


@pytest.mark.parametrize("offset", [-901, 901])
def test_request_time_too_skewed(offset: float) -> None:
    with pytest.raises(errors.RequestTimeTooSkewed) as caught:
        check(signed("GET", "/bucket/key"), now=time.time() + offset)
    assert caught.value.fields["MaxAllowedSkewMilliseconds"] == "900000"


def test_skew_within_the_limit_is_accepted() -> None:
    assert check(signed("GET", "/bucket/key"), now=time.time() + 800).auth_type == "header"


def test_missing_content_sha256_header() -> None:
    method, path, query, headers = signed("GET", "/bucket/key")
    del headers["x-amz-content-sha256"]
    with pytest.raises(errors.InvalidRequest, match="x-amz-content-sha256"):
        check((method, path, query, headers))


def test_invalid_content_sha256_value() -> None:
    request = signed("PUT", "/bucket/key", headers={"X-Amz-Content-SHA256": "not-a-hash"})
    request[3]["x-amz-content-sha256"] = "not-a-hash"
    with pytest.raises(errors.InvalidArgument):
        check(request)


def test_both_auth_mechanisms_are_rejected() -> None:
    method, path, query, headers = signed("GET", "/bucket/key", presign=True)
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=x"
    with pytest.raises(errors.InvalidArgument, match="Only one auth mechanism"):
        check((method, path, query, headers))


# ---- anonymous ----


def test_anonymous_request() -> None:
    result = sigv4.verify("GET", "/bucket/key", "versionId=1", {"host": HOST}, KEYS, time.time())
    assert result.principal is Principal.ANONYMOUS
    assert (result.payload, result.auth_type) == (sigv4.UNSIGNED_PAYLOAD, "anonymous")


def test_anonymous_request_keeps_the_payload_hash() -> None:
    headers = {"host": HOST, "x-amz-content-sha256": sigv4.EMPTY_SHA256.upper()}
    assert sigv4.verify("PUT", "/b/k", "", headers, KEYS, time.time()).payload == sigv4.EMPTY_SHA256


def test_anonymous_principal() -> None:
    assert Principal.ANONYMOUS == Principal(access_key="", user="anonymous", is_root=False)
