"""SigV2 through sigv4.verify: boto3's default presigned URLs, AWS's documented examples, the refusals."""

from __future__ import annotations

import calendar
import datetime
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import boto3
import pytest
from auth_test_keys import AK, ALICE, KEYS, SECRET, Keys
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from aerostore.auth import sigv2, sigv4
from aerostore.auth.sigv4 import AuthResult
from aerostore.s3 import errors

ENDPOINT, HOST = "http://127.0.0.1:9000", "127.0.0.1:9000"


# boto3 at default settings, as a user points it at aerostore.
S3: Any = boto3.client(
    "s3",
    endpoint_url=ENDPOINT,
    aws_access_key_id=AK,
    aws_secret_access_key=SECRET,
    region_name="us-east-1",
)


def presign(operation: str, expires: int = 3600, **params: Any) -> str:
    return str(S3.generate_presigned_url(operation, Params=params, ExpiresIn=expires))


def check(
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    *,
    now: float | None = None,
    keys: Keys = KEYS,
    host_bucket: str = "",
) -> AuthResult:
    """Verify as the server does: the raw path and query exactly as in the URL."""
    parts = urlsplit(url)
    all_headers = {"host": parts.netloc, **(headers or {})}
    when = time.time() if now is None else now
    return sigv4.verify(method, parts.path, parts.query, all_headers, keys, when, host_bucket=host_bucket)


def replace_param(url: str, name: str, value: str) -> str:
    base, _, query = url.partition("?")
    parts = [f"{name}={value}" if p.startswith(name + "=") else p for p in query.split("&")]
    return base + "?" + "&".join(parts)


def drop_param(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base + "?" + "&".join(p for p in query.split("&") if not p.startswith(name + "="))


def param(url: str, name: str) -> str:
    return next(p.partition("=")[2] for p in urlsplit(url).query.split("&") if p.startswith(name + "="))


def assert_sigv2(result: AuthResult, auth_type: str = "presigned") -> None:
    assert result.principal == ALICE
    assert (result.auth_type, result.signature_version) == (auth_type, 2)
    assert result.payload == sigv4.UNSIGNED_PAYLOAD


# ---- boto3's default presigned URLs ----


def test_boto3_presigns_with_sigv2_by_default() -> None:
    query = urlsplit(presign("get_object", Bucket="b", Key="k")).query
    assert [part.partition("=")[0] for part in query.split("&")] == ["AWSAccessKeyId", "Signature", "Expires"]


AWKWARD_KEYS = [
    "plain.txt",
    "with space",
    "plus+sign",
    "double//slash",
    "//leading",
    "trailing/",
    "uni/\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9",
    "emoji\U0001f600",
    "percent%41",
    "tilde~dash-dot._",
    "bang!(paren)*star",
    "quote'd",
    "colon:semi;eq=",
    "amp&hash#question?",
    "a/./b/../c",
    "back\\slash",
    "brackets[]{}",
    "comma,dollar$at@",
]


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_presigned_get_of_an_awkward_key(key: str) -> None:
    assert_sigv2(check("GET", presign("get_object", Bucket="b", Key=key)))


@pytest.mark.parametrize("key", ["k", "with space/+plus", "uni\u00fc//x"])
def test_presigned_put(key: str) -> None:
    assert_sigv2(check("PUT", presign("put_object", Bucket="b", Key=key)))


def test_presigned_put_with_content_type_acl_and_metadata() -> None:
    extra = {"ContentType": "text/plain", "ACL": "public-read", "Metadata": {"Foo": " bar "}}
    url = presign("put_object", Bucket="b", Key="k", **extra)
    assert "x-amz-acl=public-read" in url
    assert_sigv2(check("PUT", url, {"content-type": "text/plain"}))


def test_presigned_put_must_send_the_signed_content_type() -> None:
    url = presign("put_object", Bucket="b", Key="k", ContentType="text/plain")
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("PUT", url)
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("PUT", url, {"content-type": "text/html"})


RESPONSE_OVERRIDES = {
    "content-type": {"ResponseContentType": "text/plain; charset=utf-8"},
    "content-disposition": {"ResponseContentDisposition": 'attachment; filename="r\u00e9sum\u00e9 1+1.pdf"'},
    "content-language": {"ResponseContentLanguage": "en-GB"},
    "content-encoding": {"ResponseContentEncoding": "gzip"},
    "cache-control": {"ResponseCacheControl": "no-cache, max-age=0"},
    "expires": {"ResponseExpires": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)},
    "all-with-version": {
        "ResponseContentType": "application/json",
        "ResponseCacheControl": "no-store",
        "ResponseContentDisposition": "inline",
        "VersionId": "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo",
    },
}


@pytest.mark.parametrize("overrides", RESPONSE_OVERRIDES.values(), ids=list(RESPONSE_OVERRIDES))
def test_presigned_get_with_response_overrides(overrides: dict[str, Any]) -> None:
    assert_sigv2(check("GET", presign("get_object", Bucket="b", Key="k k", **overrides)))


def test_response_override_is_signed() -> None:
    url = presign("get_object", Bucket="b", Key="k", ResponseContentType="text/plain")
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("GET", replace_param(url, "response-content-type", "text%2Fhtml"))
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("GET", url + "&response-content-disposition=attachment")


SUB_RESOURCE_OPERATIONS = [
    pytest.param("GET", "list_objects", {"Bucket": "b"}, id="bare-bucket"),
    pytest.param("GET", "list_object_versions", {"Bucket": "b"}, id="versions"),
    pytest.param("GET", "get_bucket_location", {"Bucket": "b"}, id="location"),
    pytest.param("GET", "get_bucket_versioning", {"Bucket": "b"}, id="versioning"),
    pytest.param("GET", "get_object_acl", {"Bucket": "b", "Key": "k"}, id="acl"),
    pytest.param("GET", "get_object_tagging", {"Bucket": "b", "Key": "k", "VersionId": "v1"}, id="tagging"),
    pytest.param("POST", "create_multipart_upload", {"Bucket": "b", "Key": "k"}, id="uploads"),
    pytest.param(
        "PUT", "upload_part", {"Bucket": "b", "Key": "k", "UploadId": "u/1+2", "PartNumber": 3}, id="part"
    ),
    pytest.param("GET", "list_parts", {"Bucket": "b", "Key": "k", "UploadId": "u1"}, id="list-parts"),
    pytest.param("DELETE", "delete_object", {"Bucket": "b", "Key": "k", "VersionId": "v1"}, id="delete"),
    pytest.param("HEAD", "head_object", {"Bucket": "b", "Key": "k"}, id="head"),
]


@pytest.mark.parametrize(("method", "operation", "params"), SUB_RESOURCE_OPERATIONS)
def test_presigned_operation(method: str, operation: str, params: dict[str, Any]) -> None:
    assert_sigv2(check(method, presign(operation, **params)))


def test_virtual_hosted_url_signs_the_bucket_from_the_host() -> None:
    """botocore signs ``/bucket/key`` (its ``auth_path``) for a virtual-hosted URL."""
    request = AWSRequest("GET", "http://b.s3.example.test:9000/k%20k", headers={})
    request.auth_path = "/b/k%20k"
    HmacV1QueryAuth(Credentials(AK, SECRET), expires=60).add_auth(request)
    assert_sigv2(check("GET", request.url, host_bucket="b"))
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("GET", request.url)


def test_aws_docs_query_string_example() -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth"""
    url = (
        "http://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
        "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"
    )
    result = check("GET", url, now=1175139000, keys=DOC_KEYS, host_bucket="johnsmith")
    assert result.principal.access_key == "AKIAIOSFODNN7EXAMPLE"


# ---- presigned refusals ----


def _other_first(text: str) -> str:
    return ("B" if text.startswith("A") else "A") + text[1:]


TAMPERS = {
    "path": lambda url: url.replace("/b/key?", "/b/kez?"),
    "bucket": lambda url: url.replace("/b/key?", "/c/key?"),
    # the first character changed (to "B" when it is an "A": one signature in 64 starts so)
    "signature": lambda url: replace_param(url, "Signature", _other_first(param(url, "Signature"))),
    "expires": lambda url: replace_param(url, "Expires", str(int(param(url, "Expires")) + 1)),
    "sub-resource": lambda url: url + "&versionId=other",
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=list(TAMPERS))
def test_one_change_to_a_presigned_url_is_refused(tamper: Any) -> None:
    url = presign("get_object", Bucket="b", Key="key")
    assert check("GET", url).auth_type == "presigned"
    tampered = tamper(url)
    assert tampered != url
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("GET", tampered)


def test_presigned_url_for_another_method_is_refused() -> None:
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("DELETE", presign("get_object", Bucket="b", Key="k"))


def test_presigned_url_expires() -> None:
    url = presign("get_object", expires=60, Bucket="b", Key="k")
    assert_sigv2(check("GET", url, now=time.time() + 30))
    with pytest.raises(errors.AccessDenied, match="Request has expired") as caught:
        check("GET", url, now=time.time() + 120)
    expires = int(param(url, "Expires"))
    assert caught.value.fields["Expires"] == sigv4.iso8601(expires)
    assert caught.value.fields["ServerTime"].endswith("Z")


@pytest.mark.parametrize("expires", ["soon", "1.5", "", "99999999999"])
def test_presigned_expires_not_an_epoch(expires: str) -> None:
    url = replace_param(presign("get_object", Bucket="b", Key="k"), "Expires", expires)
    with pytest.raises(errors.AccessDenied, match="should be seconds since epoch"):
        check("GET", url)


@pytest.mark.parametrize("name", ["AWSAccessKeyId", "Signature", "Expires"])
def test_presigned_missing_parameter(name: str) -> None:
    url = drop_param(presign("get_object", Bucket="b", Key="k"), name)
    with pytest.raises(errors.AccessDenied, match="requires the Signature, Expires and AWSAccessKeyId"):
        check("GET", url)


def test_presigned_unknown_access_key() -> None:
    with pytest.raises(errors.InvalidAccessKeyId) as caught:
        check("GET", presign("get_object", Bucket="b", Key="k"), keys=Keys({}))
    assert caught.value.fields["AWSAccessKeyId"] == AK


def test_presigned_wrong_secret_reports_the_string_to_sign() -> None:
    url = presign("get_object", Bucket="b", Key="k k", ResponseContentType="a/b", VersionId="v")
    with pytest.raises(errors.SignatureDoesNotMatch) as caught:
        check("GET", url, keys=Keys({AK: "other"}))
    expected = f"GET\n\n\n{param(url, 'Expires')}\n/b/k%20k?response-content-type=a/b&versionId=v"
    assert caught.value.fields["StringToSign"] == expected
    assert caught.value.fields["StringToSignBytes"].startswith("47 45 54 0a")


def test_sigv2_query_with_an_authorization_header_is_refused() -> None:
    url = presign("get_object", Bucket="b", Key="k")
    with pytest.raises(errors.InvalidArgument, match="Only one auth mechanism"):
        check("GET", url, {"authorization": "AWS AKIDTEST:x"})


def test_sigv2_and_sigv4_query_together_are_refused() -> None:
    url = presign("get_object", Bucket="b", Key="k") + "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    with pytest.raises(errors.InvalidArgument, match="Only one auth mechanism"):
        check("GET", url)


# ---- header auth: Authorization: AWS AccessKeyId:Signature ----


def header_signed(
    method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """Sign like botocore's HmacV1Auth; return the URL and the lower-cased headers."""
    request = AWSRequest(method, ENDPOINT + path, headers=headers or {})
    HmacV1Auth(Credentials(AK, SECRET)).add_auth(request)
    return request.url, {name.lower(): value for name, value in request.headers.items()}


HEADER_REQUESTS = [
    pytest.param("GET", "/b/" + quote("with space+/\u00fc//k", safe="/~"), {}, id="awkward-key"),
    pytest.param("GET", "/b/", {}, id="bucket"),
    pytest.param("GET", "/b/k?acl", {}, id="acl"),
    pytest.param("GET", "/b/k?versionId=v1&response-content-type=text%2Fplain&x-id=Get", {}, id="version"),
    pytest.param(
        "PUT",
        "/b/k",
        {
            "Content-Type": "image/jpeg",
            "Content-MD5": "4gJE4saaMU4BqNR0kLY+lw==",
            "x-amz-acl": "public-read",
            "X-Amz-Meta-Reviewed-By": " joe ",
        },
        id="put-with-headers",
    ),
]


@pytest.mark.parametrize(("method", "path", "headers"), HEADER_REQUESTS)
def test_botocore_hmacv1_header_is_accepted(method: str, path: str, headers: dict[str, str]) -> None:
    url, signed = header_signed(method, path, headers)
    assert signed["authorization"].startswith("AWS AKIDTEST:")
    assert_sigv2(check(method, url, signed), "header")


@pytest.mark.parametrize(
    ("name", "value"), [("x-amz-acl", "private"), ("content-type", "text/html"), ("content-md5", "")]
)
def test_changed_signed_header_is_refused(name: str, value: str) -> None:
    url, signed = header_signed(
        "PUT", "/b/k", {"Content-Type": "image/jpeg", "Content-MD5": "abc=", "x-amz-acl": "public-read"}
    )
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("PUT", url, {**signed, name: value})


def test_added_amz_header_is_refused() -> None:
    url, signed = header_signed("PUT", "/b/k")
    with pytest.raises(errors.SignatureDoesNotMatch):
        check("PUT", url, {**signed, "x-amz-acl": "public-read"})


def test_header_request_time_too_skewed() -> None:
    url, signed = header_signed("GET", "/b/k")
    assert check("GET", url, signed, now=time.time() + 800).auth_type == "header"
    with pytest.raises(errors.RequestTimeTooSkewed) as caught:
        check("GET", url, signed, now=time.time() + 1000)
    assert caught.value.fields["RequestTime"] == signed["date"]


@pytest.mark.parametrize("date", [None, "", "yesterday"])
def test_header_without_a_valid_date(date: str | None) -> None:
    url, signed = header_signed("GET", "/b/k")
    del signed["date"]
    if date is not None:
        signed["date"] = date
    with pytest.raises(errors.AccessDenied, match="valid Date or x-amz-date"):
        check("GET", url, signed)


def test_header_with_x_amz_date_signs_an_empty_date_line() -> None:
    """The documented rule: with x-amz-date sent, the Date line is empty and x-amz-date is an amz header."""
    amz_date = "Mon, 01 Jan 2024 00:00:00 GMT"
    text = f"GET\n\n\n\nx-amz-date:{amz_date}\n/b/k"
    headers = {"x-amz-date": amz_date, "authorization": f"AWS {AK}:{sigv2.sign(SECRET, text)}"}
    now = parsedate_to_datetime(amz_date).timestamp()
    assert_sigv2(check("GET", ENDPOINT + "/b/k", headers, now=now), "header")


@pytest.mark.parametrize(
    "authorization",
    ["AWS AKIDTEST", "AWS :c2ln", "AWS AKIDTEST:", "AWS AKIDTEST:c2ln x", "AWS  AKIDTEST:c2ln", "AWS a:b:c"],
)
def test_malformed_sigv2_header(authorization: str) -> None:
    headers = {"date": "Mon, 01 Jan 2024 00:00:00 GMT", "authorization": authorization}
    with pytest.raises(errors.InvalidArgument, match="Expected AwsAccessKeyId:signature") as caught:
        check("GET", ENDPOINT + "/b/k", headers)
    assert caught.value.fields["ArgumentValue"] == authorization


def test_header_unknown_access_key() -> None:
    url, signed = header_signed("GET", "/b/k")
    with pytest.raises(errors.InvalidAccessKeyId):
        check("GET", url, signed, keys=Keys({}))


# ---- the examples of https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html ----

DOC_AK = "AKIAIOSFODNN7EXAMPLE"
DOC_KEYS = Keys({DOC_AK: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
VIRTUAL = "awsexamplebucket1.us-west-1.s3.amazonaws.com"


def doc_time(date: str) -> float:
    return float(calendar.timegm(parsedate_to_datetime(date).utctimetuple()))


DOC_EXAMPLES = [
    pytest.param(
        "GET",
        f"http://{VIRTUAL}/photos/puppy.jpg",
        {"date": "Tue, 27 Mar 2007 19:36:42 +0000"},
        "awsexamplebucket1",
        "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
        id="object-get",
    ),
    pytest.param(
        "PUT",
        f"http://{VIRTUAL}/photos/puppy.jpg",
        {"date": "Tue, 27 Mar 2007 21:15:45 +0000", "content-type": "image/jpeg", "content-length": "94328"},
        "awsexamplebucket1",
        "iqRzw+ileNPu1fhspnRs8nOjjIA=",
        id="object-put",
    ),
    pytest.param(
        "GET",
        f"http://{VIRTUAL}/?prefix=photos&max-keys=50&marker=puppy",
        {"date": "Tue, 27 Mar 2007 19:42:41 +0000", "user-agent": "Mozilla/5.0"},
        "awsexamplebucket1",
        "m0WP8eCtspQl5Ahe6L1SozdX9YA=",
        id="list",
    ),
    pytest.param(
        "GET",
        f"http://{VIRTUAL}/?acl",
        {"date": "Tue, 27 Mar 2007 19:44:46 +0000"},
        "awsexamplebucket1",
        "82ZHiFIjc+WbcwFKGUVEQspPn+0=",
        id="fetch-acl",
    ),
    pytest.param(
        "DELETE",
        "http://s3.amazonaws.com/johnsmith/photos/puppy.jpg",
        {
            "date": "Tue, 27 Mar 2007 21:20:27 +0000",
            "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000",
            "user-agent": "dotnet",
        },
        "",
        "lx3byBScXR6KzyMaifNkardMwNk=",
        id="delete-with-x-amz-date",
    ),
    pytest.param(
        "PUT",
        "http://static.johnsmith.net:8080/db-backup.dat.gz",
        {
            "date": "Tue, 27 Mar 2007 21:06:08 +0000",
            "x-amz-acl": "public-read",
            "content-type": "application/x-download",
            "content-md5": "4gJE4saaMU4BqNR0kLY+lw==",
            "x-amz-meta-reviewedby": "joe@johnsmith.net,jane@johnsmith.net",  # two headers, joined
            "x-amz-meta-filechecksum": "0x02661779",
            "x-amz-meta-checksumalgorithm": "crc32",
            "content-disposition": "attachment; filename=database.dat",
            "content-encoding": "gzip",
        },
        "static.johnsmith.net",
        "ilyl83RwaSoYIEdixDQcA4OnAnc=",
        id="upload-cname",
    ),
]


@pytest.mark.parametrize(("method", "url", "headers", "host_bucket", "signature"), DOC_EXAMPLES)
def test_aws_docs_header_example(
    method: str, url: str, headers: dict[str, str], host_bucket: str, signature: str
) -> None:
    headers = {**headers, "authorization": f"AWS {DOC_AK}:{signature}"}
    now = doc_time(headers.get("x-amz-date", headers["date"]))
    result = check(method, url, headers, now=now, keys=DOC_KEYS, host_bucket=host_bucket)
    assert (result.principal.access_key, result.auth_type, result.signature_version) == (DOC_AK, "header", 2)


# ---- the pieces, against botocore's own canonical string ----


@pytest.mark.parametrize(
    "query",
    [
        "",
        "acl",
        "tagging=",
        "versionId=b&acl&uploadId=a%2Fb",
        "prefix=x&max-keys=2",
        "response-content-type=text%2Fplain%3B%20charset%3Dutf-8&partNumber=2",
        "versions&versionId=1&versionId=0",
    ],
)
def test_sub_resources_match_botocore(query: str) -> None:
    split = urlsplit("http://h/b/k" + (f"?{query}" if query else ""))
    expected = HmacV1Auth(Credentials(AK, SECRET)).canonical_resource(split)
    assert "/b/k" + sigv2.sub_resources(query) == expected


def test_sub_resource_list_is_botocores() -> None:
    assert sigv2.SUB_RESOURCES == frozenset(HmacV1Auth.QSAOfInterest)
