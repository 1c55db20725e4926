"""Bucket versioning through boto3 at default settings: states, version ids, delete markers, null.

Expected codes and messages are AWS's, as LocalStack recorded them against S3
(tests/aws/services/s3/test_s3_api.py::TestS3BucketVersioning and test_s3.py).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import empty_bucket

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
Entry = tuple[str, str, bool, bool]


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def headers(response: dict[str, Any]) -> dict[str, str]:
    return dict(response["ResponseMetadata"]["HTTPHeaders"])


@pytest.fixture
def versioned(s3: Any) -> Iterator[str]:
    name = f"ver-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    empty_bucket(s3, name)


def version_entries(s3: Any, bucket: str, **kwargs: Any) -> tuple[list[Entry], dict[str, Any]]:
    """One ListObjectVersions page as S3 orders it (boto3 splits versions from delete markers)."""
    raw: list[bytes] = []

    def grab(http_response: Any, **_: Any) -> None:
        raw.append(http_response.content)

    s3.meta.events.register("after-call.s3.ListObjectVersions", grab)
    try:
        page = s3.list_object_versions(Bucket=bucket, **kwargs)
    finally:
        s3.meta.events.unregister("after-call.s3.ListObjectVersions", grab)
    root = ET.fromstring(raw[0])
    entries = [
        (
            e.findtext(f"{NS}Key", ""),
            e.findtext(f"{NS}VersionId", ""),
            e.findtext(f"{NS}IsLatest") == "true",
            e.tag == f"{NS}DeleteMarker",
        )
        for e in root
        if e.tag in (f"{NS}Version", f"{NS}DeleteMarker")
    ]
    return entries, page


def versions_of(s3: Any, bucket: str) -> list[Entry]:
    """(key, version id, is latest, is delete marker) of every version, in listing order."""
    return version_entries(s3, bucket)[0]


def test_get_bucket_versioning_of_a_new_bucket_has_no_status(s3: Any, bucket: str) -> None:
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_put_bucket_versioning_states(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


@pytest.mark.parametrize(
    ("configuration", "expected"),
    [
        ({"Status": "enabled"}, "MalformedXML"),
        ({"Status": "Disabled"}, "MalformedXML"),
        ({}, "IllegalVersioningConfigurationException"),
    ],
    ids=["lower-case", "disabled", "empty"],
)
def test_put_bucket_versioning_refusals(
    s3: Any, bucket: str, configuration: dict[str, str], expected: str
) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=configuration)
    assert (status(caught), code(caught)) == (400, expected)
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_put_bucket_versioning_mfa_delete_is_not_supported(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_versioning(
            Bucket=bucket,
            MFA="arn:aws:iam::1:mfa/root 123456",
            VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"},
        )
    assert (status(caught), code(caught)) == (501, "NotImplemented")
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Disabled"}
    )
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_put_bucket_versioning_missing_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_versioning(Bucket="no-such-bucket-here", VersioningConfiguration={"Status": "Enabled"})
    assert code(caught) == "NoSuchBucket"


def test_put_object_version_ids(s3: Any, bucket: str, versioned: str) -> None:
    plain = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "VersionId" not in plain and "x-amz-version-id" not in headers(plain)
    one = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    two = s3.put_object(Bucket=versioned, Key="k", Body=b"two")["VersionId"]
    assert len(one) == len(two) == 32 and one != two
    assert s3.get_object(Bucket=versioned, Key="k")["Body"].read() == b"two"
    old = s3.get_object(Bucket=versioned, Key="k", VersionId=one)
    assert (old["Body"].read(), old["VersionId"]) == (b"one", one)
    assert s3.head_object(Bucket=versioned, Key="k", VersionId=one)["ContentLength"] == 3


def test_copy_object_version_ids(s3: Any, versioned: str) -> None:
    one = s3.put_object(Bucket=versioned, Key="src", Body=b"one")["VersionId"]
    s3.put_object(Bucket=versioned, Key="src", Body=b"two")
    copied = s3.copy_object(
        Bucket=versioned, Key="dst", CopySource={"Bucket": versioned, "Key": "src", "VersionId": one}
    )
    assert copied["CopySourceVersionId"] == one and len(copied["VersionId"]) == 32
    assert s3.get_object(Bucket=versioned, Key="dst")["Body"].read() == b"one"
    assert s3.head_object(Bucket=versioned, Key="dst")["VersionId"] == copied["VersionId"]


def test_complete_multipart_upload_version_id(s3: Any, versioned: str) -> None:
    upload = s3.create_multipart_upload(Bucket=versioned, Key="mpu")["UploadId"]
    part = s3.upload_part(Bucket=versioned, Key="mpu", UploadId=upload, PartNumber=1, Body=b"p" * 10)
    done = s3.complete_multipart_upload(
        Bucket=versioned,
        Key="mpu",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert len(done["VersionId"]) == 32
    assert s3.head_object(Bucket=versioned, Key="mpu")["VersionId"] == done["VersionId"]


def test_delete_marker_hides_the_key(s3: Any, versioned: str) -> None:
    one = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    deleted = s3.delete_object(Bucket=versioned, Key="k")
    marker = deleted["VersionId"]
    assert deleted["DeleteMarker"] is True and marker != one
    for call in (s3.get_object, s3.head_object):
        with pytest.raises(ClientError) as caught:
            call(Bucket=versioned, Key="k")
        found = headers(caught.value.response)
        assert (status(caught), found["x-amz-delete-marker"], found["x-amz-version-id"]) == (
            404,
            "true",
            marker,
        )
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=versioned, Key="k")
    assert code(caught) == "NoSuchKey"
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=versioned, Key="k", VersionId=marker)
    assert (status(caught), code(caught)) == (405, "MethodNotAllowed")
    assert headers(caught.value.response)["allow"] == "DELETE"
    assert s3.get_object(Bucket=versioned, Key="k", VersionId=one)["Body"].read() == b"one"
    assert s3.list_objects_v2(Bucket=versioned)["KeyCount"] == 0


def test_deleting_the_marker_brings_the_object_back(s3: Any, versioned: str) -> None:
    one = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    marker = s3.delete_object(Bucket=versioned, Key="k")["VersionId"]
    removed = s3.delete_object(Bucket=versioned, Key="k", VersionId=marker)
    assert (removed["DeleteMarker"], removed["VersionId"]) == (True, marker)
    back = s3.get_object(Bucket=versioned, Key="k")
    assert (back["VersionId"], back["Body"].read()) == (one, b"one")


def test_deleting_a_version_by_id(s3: Any, versioned: str) -> None:
    one = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    two = s3.put_object(Bucket=versioned, Key="k", Body=b"two")["VersionId"]
    removed = s3.delete_object(Bucket=versioned, Key="k", VersionId=two)
    assert removed["VersionId"] == two and "DeleteMarker" not in removed
    assert s3.get_object(Bucket=versioned, Key="k")["VersionId"] == one
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=versioned, Key="k", VersionId=two)
    assert (status(caught), code(caught)) == (404, "NoSuchVersion")
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=versioned, Key="k", VersionId="not-a-version-id")
    assert (status(caught), code(caught)) == (400, "InvalidArgument")


def test_suspended_bucket_writes_the_null_version(s3: Any, versioned: str) -> None:
    one = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Suspended"})
    first = s3.put_object(Bucket=versioned, Key="k", Body=b"null 1")
    assert "VersionId" not in first
    s3.put_object(Bucket=versioned, Key="k", Body=b"null 2")
    assert versions_of(s3, versioned) == [("k", "null", True, False), ("k", one, False, False)]
    assert s3.get_object(Bucket=versioned, Key="k", VersionId="null")["Body"].read() == b"null 2"
    marker = s3.delete_object(Bucket=versioned, Key="k")
    assert (marker["DeleteMarker"], marker["VersionId"]) == (True, "null")
    assert versions_of(s3, versioned) == [("k", "null", True, True), ("k", one, False, False)]
    s3.delete_object(Bucket=versioned, Key="k", VersionId="null")
    assert s3.get_object(Bucket=versioned, Key="k")["VersionId"] == one


def test_null_version_survives_enabling(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"after")["VersionId"]
    assert versions_of(s3, bucket) == [("k", new, True, False), ("k", "null", False, False)]
    old = s3.get_object(Bucket=bucket, Key="k", VersionId="null")
    assert (old["Body"].read(), old["VersionId"]) == (b"before", "null")


def test_list_object_versions_pages_inside_one_key(s3: Any, versioned: str) -> None:
    made = [s3.put_object(Bucket=versioned, Key="a", Body=b"%d" % i)["VersionId"] for i in range(5)]
    marker = s3.delete_object(Bucket=versioned, Key="a")["VersionId"]
    made_b = s3.put_object(Bucket=versioned, Key="b", Body=b"b")["VersionId"]
    pages: list[list[Entry]] = []
    kwargs: dict[str, Any] = {"MaxKeys": 2}
    while True:
        entries, page = version_entries(s3, versioned, **kwargs)
        pages.append(entries)
        if not page["IsTruncated"]:
            break
        assert (page["NextKeyMarker"], page["NextVersionIdMarker"]) == entries[-1][:2]
        kwargs = {
            "MaxKeys": 2,
            "KeyMarker": page["NextKeyMarker"],
            "VersionIdMarker": page["NextVersionIdMarker"],
        }
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    expected = [("a", marker, True, True)] + [("a", v, False, False) for v in reversed(made)]
    assert [e for p in pages for e in p] == expected + [("b", made_b, True, False)]


def test_list_object_versions_prefix_and_delimiter(s3: Any, versioned: str) -> None:
    for key in ("dir/a", "dir/b", "dir/sub/c", "top"):
        s3.put_object(Bucket=versioned, Key=key, Body=b"1")
        s3.put_object(Bucket=versioned, Key=key, Body=b"2")
    page = s3.list_object_versions(Bucket=versioned, Prefix="dir/", Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["dir/sub/"]
    assert [(v["Key"], v["IsLatest"]) for v in page["Versions"]] == [
        ("dir/a", True),
        ("dir/a", False),
        ("dir/b", True),
        ("dir/b", False),
    ]
    with pytest.raises(ClientError) as caught:
        s3.list_object_versions(Bucket=versioned, VersionIdMarker="null")
    assert code(caught) == "InvalidArgument"


def test_delete_objects_with_version_ids(s3: Any, versioned: str) -> None:
    one = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    two = s3.put_object(Bucket=versioned, Key="k", Body=b"two")["VersionId"]
    result = s3.delete_objects(
        Bucket=versioned,
        Delete={
            "Objects": [{"Key": "k", "VersionId": two}, {"Key": "other"}, {"Key": "k", "VersionId": "bad"}]
        },
    )
    deleted = {(d["Key"], d.get("VersionId")): d for d in result["Deleted"]}
    assert "DeleteMarker" not in deleted[("k", two)]
    assert deleted[("other", None)]["DeleteMarker"] is True
    marker = deleted[("other", None)]["DeleteMarkerVersionId"]
    assert [(e["Key"], e["VersionId"], e["Code"]) for e in result["Errors"]] == [
        ("k", "bad", "InvalidArgument")
    ]
    result = s3.delete_objects(Bucket=versioned, Delete={"Objects": [{"Key": "other", "VersionId": marker}]})
    assert result["Deleted"] == [
        {"Key": "other", "VersionId": marker, "DeleteMarker": True, "DeleteMarkerVersionId": marker}
    ]
    assert versions_of(s3, versioned) == [("k", one, True, False)]


def test_copy_source_that_is_a_delete_marker(s3: Any, versioned: str) -> None:
    s3.put_object(Bucket=versioned, Key="src", Body=b"x")
    marker = s3.delete_object(Bucket=versioned, Key="src")["VersionId"]
    with pytest.raises(ClientError) as caught:
        s3.copy_object(
            Bucket=versioned, Key="dst", CopySource={"Bucket": versioned, "Key": "src", "VersionId": marker}
        )
    assert (status(caught), code(caught)) == (400, "InvalidRequest")
    with pytest.raises(ClientError) as caught:
        s3.copy_object(Bucket=versioned, Key="dst", CopySource={"Bucket": versioned, "Key": "src"})
    assert code(caught) == "NoSuchKey"
