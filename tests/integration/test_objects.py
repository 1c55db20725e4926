from __future__ import annotations

import datetime
import hashlib
import os

import pytest
from botocore.exceptions import ClientError


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def test_put_get_head_round_trip_with_metadata(s3, bucket: str) -> None:
    body = os.urandom(100_000)
    put = s3.put_object(Bucket=bucket, Key="dir/file.bin", Body=body, ContentType="image/jpeg",
                        Metadata={"aircraft": "F-GKXA"}, CacheControl="max-age=60",
                        ContentDisposition="inline", ContentLanguage="fr")  # fmt: skip
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dir/file.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "image/jpeg"
    assert got["Metadata"] == {"aircraft": "F-GKXA"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "inline"
    assert got["ContentLanguage"] == "fr"
    head = s3.head_object(Bucket=bucket, Key="dir/file.bin")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == put["ETag"]


def test_overwrite_last_writer_wins(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"first")
    s3.put_object(Bucket=bucket, Key="k", Body=b"second")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"


def test_empty_object(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_get_missing_key(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="missing")
    assert code(exc) == "NoSuchKey"
    assert exc.value.response["Error"]["Key"] == "missing"


def test_get_missing_bucket(s3) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket="no-such-bucket-xyz", Key="k")
    assert code(exc) == "NoSuchBucket"


def test_head_missing_key_is_404(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="missing")
    assert status(exc) == 404


def test_delete_object_and_missing_is_fine(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="gone")


@pytest.mark.parametrize("quiet", [False, True], ids=["verbose", "quiet"])
def test_delete_objects(s3, bucket: str, quiet: bool) -> None:
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"d/{i}", Body=b"x")
    objects = [{"Key": f"d/{i}"} for i in range(5)] + [{"Key": "never-existed"}]
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": quiet})
    deleted = {d["Key"] for d in result.get("Deleted", [])}
    assert deleted == (set() if quiet else {f"d/{i}" for i in range(5)} | {"never-existed"})
    assert not result.get("Errors")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-9", (0, 9)), ("bytes=10-", (10, 99)), ("bytes=-5", (95, 99)), ("bytes=90-500", (90, 99))],
    ids=["first-last", "open-end", "suffix", "past-end"],
)
def test_range_get(s3, bucket: str, header: str, expected: tuple[int, int]) -> None:
    body = bytes(range(100))
    s3.put_object(Bucket=bucket, Key="r", Body=body)
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    start, end = expected
    assert got["Body"].read() == body[start : end + 1]
    assert got["ContentRange"] == f"bytes {start}-{end}/100"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206


def test_range_not_satisfiable(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-20")
    assert code(exc) == "InvalidRange"
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["content-range"] == "bytes */10"


def test_conditional_get(s3, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"data")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"data"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert status(exc) == 412
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert status(exc) == 304
    future = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)
    assert status(exc) == 304
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    assert status(exc) == 412
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=past)["Body"].read() == b"data"


def test_conditional_put_if_none_match(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="once", Body=b"a", IfNoneMatch="*")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="once", Body=b"b", IfNoneMatch="*")
    assert code(exc) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"a"


@pytest.mark.parametrize(
    ("conditions", "header"),
    [({"IfNoneMatch": '"abc"'}, "If-None-Match"), ({"IfMatch": "*"}, "If-Match"),
     ({"IfMatch": '"abc"', "IfNoneMatch": "*"}, "If-Match,If-None-Match")],
    ids=["if-none-match-etag", "if-match-star", "both"],
)  # fmt: skip
def test_conditional_put_values_aws_refuses(s3, bucket: str, conditions: dict[str, str], header: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="cond", Body=b"x", **conditions)
    assert (status(exc), code(exc)) == (501, "NotImplemented")
    assert exc.value.response["Error"]["Header"] == header


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("deflate, gzip", "deflate, gzip"), ("gzip, aws-chunked", "gzip"), ("aws-chunked, gzip", "gzip"),
     ("aws-chunked", None)],
    ids=["two-codings", "chunked-last", "chunked-first", "chunked-only"],
)  # fmt: skip
def test_put_object_content_encoding_drops_only_aws_chunked(s3, bucket: str, sent: str,
                                                            stored: str | None) -> None:  # fmt: skip
    s3.put_object(Bucket=bucket, Key="enc", Body=b"x", ContentEncoding=sent)
    assert s3.head_object(Bucket=bucket, Key="enc").get("ContentEncoding") == stored


def test_get_part_number_beyond_parts_count(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="single", Body=b"body")
    assert s3.get_object(Bucket=bucket, Key="single", PartNumber=1)["Body"].read() == b"body"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="single", PartNumber=2)
    assert (status(exc), code(exc)) == (416, "InvalidPartNumber")
    assert exc.value.response["Error"]["ActualPartCount"] == "1"


def test_conditional_put_if_match(s3, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="m", Body=b"a")["ETag"]
    s3.put_object(Bucket=bucket, Key="m", Body=b"b", IfMatch=etag)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="m", Body=b"c", IfMatch=etag)
    assert code(exc) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="m")["Body"].read() == b"b"


def test_response_overrides(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(Bucket=bucket, Key="o", ResponseContentType="application/json",
                        ResponseContentDisposition="attachment; filename=o.json",
                        ResponseCacheControl="no-cache")  # fmt: skip
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == "attachment; filename=o.json"
    assert got["CacheControl"] == "no-cache"


def test_copy_object_copy_and_replace(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", ContentType="text/plain", Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="dst1", CopySource={"Bucket": bucket, "Key": "src"})
    got = s3.get_object(Bucket=bucket, Key="dst1")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (b"payload", "text/plain", {"a": "1"})
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", Metadata={"b": "2"},
                   ContentType="application/x-test")  # fmt: skip
    got = s3.get_object(Bucket=bucket, Key="dst2")
    assert (got["ContentType"], got["Metadata"]) == ("application/x-test", {"b": "2"})


def test_copy_onto_itself(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="self", Body=b"x", Metadata={"v": "1"})
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})
    assert code(exc) == "InvalidRequest"
    s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                   MetadataDirective="REPLACE", Metadata={"v": "2"})  # fmt: skip
    got = s3.get_object(Bucket=bucket, Key="self")
    assert (got["Body"].read(), got["Metadata"]) == (b"x", {"v": "2"})


def test_copy_source_conditions(s3, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="src", Body=b"x")["ETag"]
    source = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="ok", CopySource=source, CopySourceIfMatch=etag)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="no", CopySource=source, CopySourceIfNoneMatch=etag)
    assert status(exc) == 412
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="no")


def test_copy_missing_source(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nothing"})
    assert code(exc) == "NoSuchKey"


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "a//b", "/leading", "sp ace+plus", "percent%20", "ünïcödé/é", "e\u0301", "tab\there",
     "ctrl\x01char", "x" * 1024, "?query#frag", "emoji-\U0001F680"],
    ids=["traversal", "double-slash", "leading-slash", "space-plus", "percent", "unicode", "nfd", "tab",
         "ctrl", "1024-bytes", "query-chars", "emoji"],
)  # fmt: skip
def test_hostile_and_odd_keys_round_trip(s3, bucket: str, key: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    # botocore asks for url encoding
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert key in listed
    s3.delete_object(Bucket=bucket, Key=key)  # DeleteObjects cannot carry XML-invalid keys, on AWS either


def test_unicode_normalisation_variants_do_not_collide(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="caf\u00e9", Body=b"nfc")
    s3.put_object(Bucket=bucket, Key="cafe\u0301", Body=b"nfd")
    assert s3.get_object(Bucket=bucket, Key="caf\u00e9")["Body"].read() == b"nfc"
    assert s3.get_object(Bucket=bucket, Key="cafe\u0301")["Body"].read() == b"nfd"


def test_key_too_long(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert code(exc) == "KeyTooLongError"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_conditional_delete_is_refused_not_ignored(s3, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="keep", Body=b"x")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="keep", IfMatch='"' + "0" * 32 + '"')
    assert (status(exc), code(exc)) == (501, "NotImplemented")
    with pytest.raises(ClientError) as exc:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "keep", "ETag": etag}]})
    assert code(exc) == "NotImplemented"
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"x"


@pytest.mark.parametrize(
    ("extra", "header"),
    [({"WebsiteRedirectLocation": "/elsewhere"}, "x-amz-website-redirect-location")],
    ids=["website-redirect"],
)  # fmt: skip
def test_put_object_refuses_features_it_cannot_honour(s3, bucket: str, extra: dict[str, str],
                                                      header: str) -> None:  # fmt: skip
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="later", Body=b"x", **extra)
    assert (status(exc), code(exc), exc.value.response["Error"]["Header"]) == (501, "NotImplemented", header)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="later")
    s3.put_object(Bucket=bucket, Key="later", Body=b"x", ACL="bucket-owner-full-control")


@pytest.mark.parametrize("extra", [{"ACL": "public-read"}, {"ACL": "private"}, {"GrantRead": 'id="someone"'}],
                         ids=["public-acl", "private-acl", "grant"])  # fmt: skip
def test_put_object_acls_are_refused_while_ownership_is_enforced(s3, bucket: str,
                                                                 extra: dict[str, str]) -> None:  # fmt: skip
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="acl", Body=b"x", **extra)
    assert (status(exc), code(exc)) == (400, "AccessControlListNotSupported")


def test_copy_object_refuses_public_acl(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                       ACL="public-read")  # fmt: skip
    assert code(exc) == "AccessControlListNotSupported"


def test_non_ascii_metadata_round_trips(s3, bucket: str) -> None:
    def add_header(params, **kwargs) -> None:  # type: ignore[no-untyped-def]
        params["headers"]["x-amz-meta-pilot"] = "Hello World\xe9"

    s3.meta.events.register("before-call.s3.PutObject", add_header)
    try:
        s3.put_object(Bucket=bucket, Key="meta", Body=b"x")
    finally:
        s3.meta.events.unregister("before-call.s3.PutObject", add_header)
    assert s3.get_object(Bucket=bucket, Key="meta")["Metadata"] == {"pilot": "Hello World\xe9"}
