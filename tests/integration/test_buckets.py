from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_platform_buckets_exist_on_first_start(s3) -> None:
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {"raw-uploads", "processed-images", "audit-logs"} <= names


def test_create_head_list_delete_bucket(s3) -> None:
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    listed = s3.list_buckets()
    assert name in [b["Name"] for b in listed["Buckets"]]
    assert listed["Owner"]["DisplayName"]
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=name)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_bucket_twice_in_us_east_1_succeeds_and_keeps_objects(s3, bucket: str) -> None:
    # AWS's legacy rule for us-east-1 (every other region answers BucketAlreadyOwnedByYou).
    s3.put_object(Bucket=bucket, Key="kept", Body=b"1")
    assert s3.create_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["kept"]


def test_list_buckets_max_buckets_pages_by_name(s3) -> None:
    names = sorted(f"page-{uuid.uuid4().hex[:12]}" for _ in range(3))
    for name in names:
        s3.create_bucket(Bucket=name)
    try:
        first = s3.list_buckets(Prefix="page-", MaxBuckets=2)
        assert [b["Name"] for b in first["Buckets"]] == names[:2]
        assert first["Prefix"] == "page-"
        rest = s3.list_buckets(Prefix="page-", MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
        assert [b["Name"] for b in rest["Buckets"]] == names[2:]
        assert "ContinuationToken" not in rest
    finally:
        for name in names:
            s3.delete_bucket(Bucket=name)


def test_list_buckets_max_buckets_out_of_range(s3) -> None:
    with pytest.raises(ClientError) as exc:
        s3.list_buckets(MaxBuckets=10001)
    assert code(exc) == "InvalidArgument"


@pytest.mark.parametrize("name", ["ab", "UPPER", "a..b", "-start", "end-", "192.168.1.1", "xn--bucket",
                                  "a" * 64, "under_score"])  # fmt: skip
def test_create_bucket_invalid_name(s3, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    assert code(exc) == "InvalidBucketName"


def test_delete_bucket_not_empty(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="x", Body=b"1")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=bucket)
    assert code(exc) == "BucketNotEmpty"
    assert s3.get_object(Bucket=bucket, Key="x")["Body"].read() == b"1"


def test_delete_missing_bucket(s3) -> None:
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket="no-such-bucket-here")
    assert code(exc) == "NoSuchBucket"


def test_get_bucket_location_default_region(s3, bucket: str) -> None:
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None


def test_create_bucket_with_own_location_constraint(s3) -> None:
    name = f"b-{uuid.uuid4().hex[:12]}"
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert code(exc) == "InvalidLocationConstraint"
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=name)


def test_unimplemented_subresource_answers_not_implemented(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_website(Bucket=bucket)
    assert code(exc) == "NotImplemented"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_every_response_has_request_id(s3, bucket: str) -> None:
    headers = s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"]
    assert len(headers["x-amz-request-id"]) == 16
    assert headers["x-amz-id-2"]
