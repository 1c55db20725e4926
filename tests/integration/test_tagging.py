"""Object and bucket tagging through boto3 at default settings: every rule, every refusal.

Expected codes and messages are AWS's (see src/aerostore/s3/tags.py for where they were recorded).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import client_for
from .server import Server

Raw = Callable[..., Any]
CHECKSUM_HEADERS = ("x-amz-sdk-checksum-algorithm", "content-md5")


def tag_set(*pairs: tuple[str, str]) -> dict[str, list[dict[str, str]]]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


def numbered(count: int) -> dict[str, list[dict[str, str]]]:
    return tag_set(*[(f"k{i}", f"v{i}") for i in range(count)])


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def error(exc: pytest.ExceptionInfo[ClientError]) -> dict[str, str]:
    return dict(exc.value.response["Error"])


def headers(response: dict[str, Any]) -> dict[str, str]:
    return dict(response["ResponseMetadata"]["HTTPHeaders"])


@pytest.fixture
def obj(s3, bucket: str) -> str:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="obj", Body=b"data")
    return "obj"


@pytest.fixture(scope="module")
def s3_lax(server: Server):  # type: ignore[no-untyped-def]
    """A client that sends what it is given (an empty tag key), as other SDKs or curl may."""
    return client_for(server, config=Config(parameter_validation=False))


@pytest.fixture
def raw_body(s3) -> Raw:  # type: ignore[no-untyped-def]
    """Call an operation with the request body replaced, and its checksum headers dropped."""

    def call(operation: str, body: bytes, extra: dict[str, str] | None = None, **params: Any) -> Any:
        def replace(request: Any, **_: Any) -> None:
            request.data = body
            for name in list(request.headers):
                lower = name.lower()
                if lower.startswith("x-amz-checksum-") or lower in CHECKSUM_HEADERS:
                    del request.headers[name]
            request.headers["Content-Length"] = str(len(body))
            for name, value in (extra or {}).items():
                request.headers[name] = value

        event = f"before-sign.s3.{operation}"
        s3.meta.events.register(event, replace)
        try:
            method = {"PutObjectTagging": s3.put_object_tagging, "PutBucketTagging": s3.put_bucket_tagging}
            return method[operation](**params)
        finally:
            s3.meta.events.unregister(event, replace)

    return call


# ---- PutObjectTagging, GetObjectTagging, DeleteObjectTagging ----


def test_get_object_tagging_untagged_is_empty(s3, bucket: str, obj: str) -> None:
    got = s3.get_object_tagging(Bucket=bucket, Key=obj)
    assert got["TagSet"] == []
    assert "VersionId" not in got


def test_put_object_tagging_round_trip_keeps_order(s3, bucket: str, obj: str) -> None:
    tags = tag_set(("zeta", "last"), ("alpha", ""), ("Mid Key", "a b+c=d:e/f@g_h.i-j"), ("é日本", "ü"))
    put = s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tags)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "x-amz-version-id" not in headers(put)  # unversioned bucket, as AWS
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == tags["TagSet"]


def test_put_object_tagging_replaces_the_whole_set(s3, bucket: str, obj: str) -> None:
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("a", "1"), ("b", "2")))
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("c", "3")))
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == [{"Key": "c", "Value": "3"}]


def test_put_object_tagging_empty_set_removes_tags(s3, bucket: str, obj: str) -> None:
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("a", "1")))
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging={"TagSet": []})
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == []
    assert "x-amz-tagging-count" not in headers(s3.head_object(Bucket=bucket, Key=obj))


def test_delete_object_tagging(s3, bucket: str, obj: str) -> None:
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("a", "1")))
    deleted = s3.delete_object_tagging(Bucket=bucket, Key=obj)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == []
    assert s3.get_object(Bucket=bucket, Key=obj)["Body"].read() == b"data"


def test_get_and_head_object_tagging_count(s3, bucket: str, obj: str) -> None:
    assert "TagCount" not in s3.get_object(Bucket=bucket, Key=obj)
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=numbered(3))
    assert s3.get_object(Bucket=bucket, Key=obj)["TagCount"] == 3
    assert headers(s3.head_object(Bucket=bucket, Key=obj))["x-amz-tagging-count"] == "3"


def test_object_tagging_version_id_null(s3, bucket: str, obj: str) -> None:
    put = s3.put_object_tagging(Bucket=bucket, Key=obj, VersionId="null", Tagging=tag_set(("a", "1")))
    assert put["VersionId"] == "null"
    got = s3.get_object_tagging(Bucket=bucket, Key=obj, VersionId="null")
    assert (got["VersionId"], got["TagSet"]) == ("null", [{"Key": "a", "Value": "1"}])
    assert s3.delete_object_tagging(Bucket=bucket, Key=obj, VersionId="null")["VersionId"] == "null"


@pytest.mark.parametrize(
    ("version_id", "expected"),
    [("A" * 32, (404, "NoSuchVersion")), ("not a version", (400, "InvalidArgument"))],
    ids=["unknown", "malformed"],
)
def test_object_tagging_bad_version_id(s3, bucket: str, obj: str, version_id: str,
                                       expected: tuple[int, str]) -> None:  # fmt: skip
    calls = [
        lambda: s3.get_object_tagging(Bucket=bucket, Key=obj, VersionId=version_id),
        lambda: s3.put_object_tagging(Bucket=bucket, Key=obj, VersionId=version_id, Tagging=numbered(1)),
        lambda: s3.delete_object_tagging(Bucket=bucket, Key=obj, VersionId=version_id),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert (status(exc), code(exc)) == expected


def test_object_tagging_missing_key(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert (status(exc), code(exc), error(exc)["Key"]) == (404, "NoSuchKey", f"{bucket}/missing")  # as AWS
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="missing", Tagging=numbered(1))
    assert (status(exc), code(exc), error(exc)["Key"]) == (404, "NoSuchKey", "missing")
    with pytest.raises(ClientError) as exc:
        s3.delete_object_tagging(Bucket=bucket, Key="missing")
    assert (status(exc), code(exc)) == (404, "NoSuchKey")


def test_object_tagging_missing_bucket(s3) -> None:
    for call in (
        lambda: s3.get_object_tagging(Bucket="no-such-bucket-tagging", Key="k"),
        lambda: s3.put_object_tagging(Bucket="no-such-bucket-tagging", Key="k", Tagging=numbered(1)),
        lambda: s3.delete_object_tagging(Bucket="no-such-bucket-tagging", Key="k"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (status(exc), code(exc)) == (404, "NoSuchBucket")


def test_put_object_tagging_max_tags_and_lengths(s3, bucket: str, obj: str) -> None:
    tags = tag_set(*[(f"{i}" + "k" * 127, "v" * 256) for i in range(10)])
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tags)
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == tags["TagSet"]
    wide = tag_set(("é" * 128, "日" * 256))  # lengths count characters, not bytes
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=wide)
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == wide["TagSet"]


def test_put_object_tagging_too_many_tags(s3, bucket: str, obj: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=numbered(11))
    assert (status(exc), code(exc), error(exc)["Message"]) == (
        400, "BadRequest", "Object tags cannot be greater than 10",
    )  # fmt: skip
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == []


@pytest.mark.parametrize(
    ("pair", "message", "fields"),
    [(("k" * 129, "v"), "The TagKey you have provided is invalid", {"TagKey": "k" * 129}),
     (("k", "v" * 257), "The TagValue you have provided is invalid", {"TagKey": "k", "TagValue": "v" * 257}),
     (("", "v"), "The TagKey you have provided is invalid", {}),
     (("Key1,Key2", "v"), "The TagKey you have provided is invalid", {"TagKey": "Key1,Key2"}),
     (("k", "semicolon;test"), "The TagValue you have provided is invalid", {"TagValue": "semicolon;test"}),
     (("te\tst", "v"), "The TagKey you have provided is invalid", {}),
     (("aws:prefixed", "v"), "Your TagKey cannot be prefixed with aws:", {"TagKey": "aws:prefixed"})],
    ids=["key-129", "value-257", "empty-key", "key-comma", "value-semicolon", "key-tab", "aws-prefix"],
)  # fmt: skip
def test_put_object_tagging_invalid_tag(s3, s3_lax, bucket: str, obj: str, pair: tuple[str, str],
                                        message: str, fields: dict[str, str]) -> None:  # fmt: skip
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("kept", "yes")))
    with pytest.raises(ClientError) as exc:
        s3_lax.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("ok", "fine"), pair))
    found = error(exc)
    assert (status(exc), code(exc), found["Message"]) == (400, "InvalidTag", message)
    assert {name: found.get(name) for name in fields} == fields
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == [{"Key": "kept", "Value": "yes"}]


def test_put_object_tagging_duplicate_keys(s3, bucket: str, obj: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("Key1", "a"), ("Key1", "b")))
    found = error(exc)
    assert (status(exc), code(exc), found["Message"], found["TagKey"]) == (
        400, "InvalidTag", "Cannot provide multiple Tags with the same key", "Key1",
    )  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [b"<Tagging><TagSet><Tag><Key>a</Key>", b"<Other><TagSet/></Other>",
     b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
     b"<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>", b"not xml"],
    ids=["truncated", "wrong-root", "no-value", "no-key", "not-xml"],
)  # fmt: skip
def test_put_object_tagging_malformed_xml(s3, bucket: str, obj: str, raw_body: Raw, body: bytes) -> None:
    with pytest.raises(ClientError) as exc:
        raw_body("PutObjectTagging", body, Bucket=bucket, Key=obj, Tagging=numbered(1))
    assert (status(exc), code(exc)) == (400, "MalformedXML")


def test_put_object_tagging_without_tag_set_clears(s3, bucket: str, obj: str, raw_body: Raw) -> None:
    """botocore sends ``<Tagging/>`` for TagSet=None; AWS takes it as the empty set."""
    s3.put_object_tagging(Bucket=bucket, Key=obj, Tagging=tag_set(("a", "1")))
    raw_body("PutObjectTagging", b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></Tagging>',
             Bucket=bucket, Key=obj, Tagging=numbered(1))  # fmt: skip
    assert s3.get_object_tagging(Bucket=bucket, Key=obj)["TagSet"] == []


def test_overwrite_drops_the_tags(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"one", Tagging="a=1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tag_set(("b", "2")))
    s3.delete_object(Bucket=bucket, Key="k")
    s3.put_object(Bucket=bucket, Key="k", Body=b"three")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []


# ---- x-amz-tagging on PutObject, CreateMultipartUpload, CopyObject ----


def test_put_object_with_tagging_header(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="foo=bar&bar&&sp=a+b%20c&enc=%C3%A9%3D1&empty=")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [  # key order: S3 keeps no header order
        {"Key": "bar", "Value": ""}, {"Key": "empty", "Value": ""}, {"Key": "enc", "Value": "é=1"},
        {"Key": "foo", "Value": "bar"}, {"Key": "sp", "Value": "a b c"},
    ]  # fmt: skip
    assert headers(s3.head_object(Bucket=bucket, Key="k"))["x-amz-tagging-count"] == "5"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("key1=val1&key1=val2", ("InvalidArgument", "x-amz-tagging")),
     ("key1=val1,key2=val2", ("InvalidArgument", "x-amz-tagging")),
     ("=value", ("InvalidArgument", "x-amz-tagging")),
     ("a=%FF", ("InvalidArgument", "x-amz-tagging")),
     ("&".join(f"k{i}=v" for i in range(11)), ("BadRequest", None)),
     ("a=b%2Cc", ("InvalidTag", None)),
     ("aws%3Akey=v", ("InvalidTag", None)),
     ("k=" + "v" * 257, ("InvalidTag", None))],
    ids=["duplicate", "two-equals", "empty-key", "not-utf8", "eleven", "bad-char", "aws-prefix",
         "long-value"],
)  # fmt: skip
def test_put_object_tagging_header_refused(s3, bucket: str, header: str,
                                           expected: tuple[str, str | None]) -> None:  # fmt: skip
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging=header)
    assert (status(exc), code(exc), error(exc).get("ArgumentName")) == (400, *expected)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")


def test_multipart_upload_with_tagging(s3, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="Hello=World&foo=bar")
    upload_id = upload["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"x" * 100)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload=parts)
    assert s3.get_object_tagging(Bucket=bucket, Key="mp")["TagSet"] == [
        {"Key": "Hello", "Value": "World"}, {"Key": "foo", "Value": "bar"},
    ]  # fmt: skip
    assert headers(s3.head_object(Bucket=bucket, Key="mp"))["x-amz-tagging-count"] == "2"


def test_create_multipart_upload_refuses_bad_tagging(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="&".join(f"k{i}=v" for i in range(11)))
    assert code(exc) == "BadRequest"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [({}, [{"Key": "src", "Value": "1"}]),
     ({"TaggingDirective": "COPY"}, [{"Key": "src", "Value": "1"}]),
     ({"TaggingDirective": "REPLACE"}, [{"Key": "new", "Value": "2"}]),
     ({"TaggingDirective": "COPY", "MetadataDirective": "REPLACE"}, [{"Key": "src", "Value": "1"}]),
     ({"TaggingDirective": "REPLACE", "MetadataDirective": "REPLACE"}, [{"Key": "new", "Value": "2"}])],
    ids=["default", "copy", "replace", "copy-metadata-replace", "replace-metadata-replace"],
)  # fmt: skip
def test_copy_object_tagging_directive(s3, bucket: str, extra: dict[str, str],
                                       expected: list[dict[str, str]]) -> None:  # fmt: skip
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="src=1")
    source = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, Tagging="new=2", **extra)
    assert s3.get_object_tagging(Bucket=bucket, Key="dst")["TagSet"] == expected
    s3.copy_object(Bucket=bucket, Key="bare", CopySource=source, **extra)
    replaced = extra.get("TaggingDirective") == "REPLACE"
    assert s3.get_object_tagging(Bucket=bucket, Key="bare")["TagSet"] == ([] if replaced else expected)


def test_copy_object_unknown_tagging_directive(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")

    def directive(request: Any, **_: Any) -> None:
        request.headers["x-amz-tagging-directive"] = "MERGE"

    s3.meta.events.register("before-sign.s3.CopyObject", directive)
    try:
        with pytest.raises(ClientError) as exc:
            s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    finally:
        s3.meta.events.unregister("before-sign.s3.CopyObject", directive)
    found = error(exc)
    assert (code(exc), found["Message"], found["ArgumentName"]) == (
        "InvalidArgument", "Unknown tagging directive.", "x-amz-tagging-directive",
    )  # fmt: skip


def test_copy_object_replace_refuses_bad_tagging(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                       TaggingDirective="REPLACE", Tagging="aws%3Ax=1")  # fmt: skip
    assert code(exc) == "InvalidTag"


# ---- PutBucketTagging, GetBucketTagging, DeleteBucketTagging ----


def test_bucket_tagging_round_trip(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert (status(exc), code(exc), error(exc)["BucketName"]) == (404, "NoSuchTagSet", bucket)
    tags = tag_set(("tag1", "tag1"), ("Tag0", ""))
    put = s3.put_bucket_tagging(Bucket=bucket, Tagging=tags)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204  # as AWS answers
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags["TagSet"]
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set(("tag3", "tag3")))
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "tag3", "Value": "tag3"}]
    assert s3.delete_bucket_tagging(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert code(exc) == "NoSuchTagSet"


def test_put_bucket_tagging_empty_set_removes_it(s3, bucket: str) -> None:
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set(("a", "1")))
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": []})
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert code(exc) == "NoSuchTagSet"


def test_put_bucket_tagging_limits(s3, bucket: str) -> None:
    s3.put_bucket_tagging(Bucket=bucket, Tagging=numbered(50))
    assert len(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]) == 50
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=bucket, Tagging=numbered(51))
    assert (status(exc), code(exc), error(exc)["Message"]) == (
        400, "BadRequest", "Bucket tag count cannot be greater than 50",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tags", "message"),
    [(tag_set(("aws:prefixed", "v")), "System tags cannot be added/updated by requester"),
     (tag_set(("Key1", "a"), ("Key1", "b")), "Cannot provide multiple Tags with the same key"),
     (tag_set(("Key1,Key2", "v")), "The TagKey you have provided is invalid"),
     (tag_set(("k", "Val1,Val2")), "The TagValue you have provided is invalid"),
     (tag_set(("k" * 129, "v")), "The TagKey you have provided is invalid")],
    ids=["aws-prefix", "duplicate", "bad-key", "bad-value", "long-key"],
)  # fmt: skip
def test_put_bucket_tagging_invalid_tag(s3, bucket: str, tags: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=bucket, Tagging=tags)
    assert (status(exc), code(exc), error(exc)["Message"]) == (400, "InvalidTag", message)


def test_put_bucket_tagging_needs_content_md5(s3, bucket: str, raw_body: Raw) -> None:
    body = b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    with pytest.raises(ClientError) as exc:
        raw_body("PutBucketTagging", body, Bucket=bucket, Tagging=numbered(1))
    assert (status(exc), code(exc)) == (400, "InvalidRequest")
    assert "Content-Md5" in error(exc)["Message"]


def test_put_bucket_tagging_empty_body(s3, bucket: str, raw_body: Raw) -> None:
    md5_of_empty = {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}
    with pytest.raises(ClientError) as exc:
        raw_body("PutBucketTagging", b"", md5_of_empty, Bucket=bucket, Tagging=numbered(1))
    assert (status(exc), code(exc)) == (400, "MissingRequestBodyError")


def test_bucket_tagging_missing_bucket(s3) -> None:
    for call in (
        lambda: s3.get_bucket_tagging(Bucket="no-such-bucket-tagging"),
        lambda: s3.put_bucket_tagging(Bucket="no-such-bucket-tagging", Tagging=numbered(1)),
        lambda: s3.delete_bucket_tagging(Bucket="no-such-bucket-tagging"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (status(exc), code(exc)) == (404, "NoSuchBucket")


def test_bucket_tags_go_with_the_bucket(s3, bucket: str) -> None:
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set(("a", "1")))
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert code(exc) == "NoSuchTagSet"
