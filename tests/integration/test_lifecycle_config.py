"""Put/Get/DeleteBucketLifecycleConfiguration with boto3 and the aws cli, and ``x-amz-expiration``."""

from __future__ import annotations

import datetime
import json
import re
import time
import uuid
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aerostore.lifecycle.dates import due

from .conftest import client_for, empty_bucket
from .server import Server, free_port
from .test_awscli import AWS, aws

DAY = 86400
EXPIRATION = re.compile(r'expiry-date="([^"]+)", rule-id="([^"]+)"')


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def _put(s3: Any, bucket: str, rules: list[dict[str, Any]]) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def _expiration(response: dict[str, Any]) -> tuple[float, str] | None:
    value = response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-expiration")
    if value is None:
        return None
    match = EXPIRATION.fullmatch(value)
    assert match is not None, value
    return parsedate_to_datetime(match.group(1)).timestamp(), match.group(2)


# ---- round trips ----


def test_get_bucket_lifecycle_legacy_prefix_round_trip(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    # ceph/s3-tests test_lifecycle_get: the top-level Prefix comes back as sent.
    rules = [
        {"ID": "test1/", "Expiration": {"Days": 31}, "Prefix": "test1/", "Status": "Enabled"},
        {"ID": "test2/", "Expiration": {"Days": 120}, "Prefix": "test2/", "Status": "Disabled"},
    ]
    response = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules


def test_get_bucket_lifecycle_filter_forms_round_trip(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    rules = [
        {
            "ID": "prefix",
            "Filter": {"Prefix": "logs/"},
            "Status": "Enabled",
            "Expiration": {"Days": 7},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
        {
            "ID": "tag",
            "Filter": {"Tag": {"Key": "tier", "Value": "cold"}},
            "Status": "Enabled",
            "Transitions": [
                {"Days": 30, "StorageClass": "GLACIER"},
                {"Days": 180, "StorageClass": "DEEP_ARCHIVE"},
            ],
            "Expiration": {"Days": 2555},
        },
        {
            "ID": "and",
            "Filter": {
                "And": {
                    "Prefix": "img/",
                    "Tags": [{"Key": "a", "Value": "1"}],
                    "ObjectSizeGreaterThan": 100,
                    "ObjectSizeLessThan": 1000,
                }
            },
            "Status": "Disabled",
            "NoncurrentVersionTransitions": [
                {"NoncurrentDays": 30, "StorageClass": "STANDARD_IA", "NewerNoncurrentVersions": 2}
            ],
            "NoncurrentVersionExpiration": {"NoncurrentDays": 60, "NewerNoncurrentVersions": 3},
        },
        {
            "ID": "size",
            "Filter": {"ObjectSizeGreaterThan": 5},
            "Status": "Enabled",
            "Expiration": {"Date": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)},
        },
        {
            "ID": "markers",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        },
    ]
    _put(s3, bucket, rules)
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules


def test_put_bucket_lifecycle_empty_filter(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    rules = [
        {"ID": "r", "Expiration": {"ExpiredObjectDeleteMarker": True}, "Filter": {}, "Status": "Enabled"}
    ]
    _put(s3, bucket, rules)
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert got == [{**rules[0], "Filter": {"Prefix": ""}}]


def test_put_bucket_lifecycle_without_id_gets_one(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    _put(
        s3,
        bucket,
        [
            {"Expiration": {"Days": 31}, "Prefix": "a/", "Status": "Enabled"},
            {"Expiration": {"Days": 120}, "Prefix": "b/", "Status": "Enabled"},
        ],
    )
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [rule["Prefix"] for rule in got] == ["a/", "b/"]
    assert all(rule["ID"] for rule in got) and got[0]["ID"] != got[1]["ID"]


def test_put_bucket_lifecycle_legacy_api(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    # PutBucketLifecycle (deprecated): Transition and NoncurrentVersionTransition in the singular.
    rule = {
        "ID": "old",
        "Prefix": "x/",
        "Status": "Enabled",
        "Transition": {"Days": 0, "StorageClass": "GLACIER"},
        "NoncurrentVersionTransition": {"NoncurrentDays": 5, "StorageClass": "DEEP_ARCHIVE"},
    }
    s3.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    assert s3.get_bucket_lifecycle(Bucket=bucket)["Rules"] == [rule]


def test_get_bucket_lifecycle_none(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert _code(excinfo) == "NoSuchLifecycleConfiguration"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_delete_bucket_lifecycle(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    _put(s3, bucket, [{"ID": "r", "Prefix": "", "Status": "Enabled", "Expiration": {"Days": 1}}])
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert _code(excinfo) == "NoSuchLifecycleConfiguration"


def test_put_bucket_lifecycle_no_such_bucket(s3) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as excinfo:
        _put(
            s3,
            f"missing-{uuid.uuid4().hex[:12]}",
            [{"ID": "r", "Prefix": "", "Status": "Enabled", "Expiration": {"Days": 1}}],
        )
    assert _code(excinfo) == "NoSuchBucket"


# ---- refusals: AWS's code, and the previous configuration stays ----


def _rule(**fields: Any) -> dict[str, Any]:
    return {"ID": "r", "Filter": {"Prefix": "p/"}, "Status": "Enabled", **fields}


INVALID = [
    pytest.param([_rule(ID="a" * 256, Expiration={"Days": 2})], "InvalidArgument", id="id-too-long"),
    pytest.param(
        [_rule(Expiration={"Days": 1}), _rule(Expiration={"Days": 2})], "InvalidArgument", id="same-id"
    ),
    pytest.param([_rule(Status="enabled", Expiration={"Days": 2})], "MalformedXML", id="status-case"),
    pytest.param([_rule(Status="invalid", Expiration={"Days": 2})], "MalformedXML", id="status-unknown"),
    pytest.param([_rule(Expiration={"Days": 0})], "InvalidArgument", id="expiration-days-0"),
    pytest.param(
        [_rule(Expiration={"Date": "20200101"})], "InvalidArgument", id="expiration-date-not-midnight"
    ),
    pytest.param(
        [
            _rule(
                Expiration={"Date": "2023-09-27"},
                Transitions=[{"Date": "20220927", "StorageClass": "GLACIER"}],
            )
        ],
        "InvalidArgument",
        id="transition-date-not-midnight",
    ),
    pytest.param(
        [_rule(Expiration={"Days": 3, "ExpiredObjectDeleteMarker": True})],
        "MalformedXML",
        id="days-and-delete-marker",
    ),
    pytest.param(
        [_rule(Filter={"Tag": {"Key": "k", "Value": "v"}}, Expiration={"ExpiredObjectDeleteMarker": True})],
        "InvalidRequest",
        id="delete-marker-with-tag",
    ),
    pytest.param(
        [
            _rule(
                Filter={"Tag": {"Key": "k", "Value": "v"}},
                AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1},
            )
        ],
        "InvalidRequest",
        id="abort-with-tag",
    ),
    pytest.param([_rule()], "InvalidRequest", id="no-action"),
    pytest.param(
        [_rule(Filter={"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}, Expiration={"Days": 1})],
        "MalformedXML",
        id="filter-two-conditions",
    ),
    pytest.param(
        [{"ID": "r", "Status": "Enabled", "Expiration": {"Days": 1}}], "MalformedXML", id="no-filter"
    ),
    pytest.param(
        [
            _rule(
                Filter={"And": {"ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 10}},
                Expiration={"Days": 1},
            )
        ],
        "InvalidArgument",
        id="size-range-empty",
    ),
    pytest.param(
        [_rule(NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 101})],
        "InvalidArgument",
        id="newer-versions-101",
    ),
    pytest.param(
        [_rule(NoncurrentVersionExpiration={"NoncurrentDays": 0})], "InvalidArgument", id="noncurrent-days-0"
    ),
    pytest.param(
        [_rule(Transitions=[{"Days": 10, "StorageClass": "STANDARD_IA"}])],
        "InvalidArgument",
        id="standard-ia-before-30-days",
    ),
    pytest.param(
        [_rule(NoncurrentVersionTransitions=[{"NoncurrentDays": 1, "StorageClass": "ONEZONE_IA"}])],
        "InvalidArgument",
        id="noncurrent-onezone-ia-before-30-days",
    ),
    pytest.param(
        [_rule(Transitions=[{"Days": 60, "StorageClass": "GLACIER"}], Expiration={"Days": 30})],
        "InvalidArgument",
        id="expiration-before-transition",
    ),
    pytest.param(
        [
            _rule(
                Transitions=[
                    {"Days": 60, "StorageClass": "GLACIER"},
                    {"Date": "2030-01-01", "StorageClass": "DEEP_ARCHIVE"},
                ]
            )
        ],
        "InvalidRequest",
        id="transitions-mixed-date-days",
    ),
    pytest.param(
        [
            _rule(
                Transitions=[{"Days": 60, "StorageClass": "GLACIER"}, {"Days": 90, "StorageClass": "GLACIER"}]
            )
        ],
        "InvalidRequest",
        id="transitions-same-class",
    ),
    pytest.param(
        [_rule(Transitions=[{"Days": 1, "StorageClass": "STANDARD"}])],
        "MalformedXML",
        id="transition-to-standard",
    ),
    pytest.param(
        [_rule(ID=f"r{i}", Expiration={"Days": 1}) for i in range(1001)],
        "InvalidRequest",
        id="more-than-1000-rules",
    ),
]


@pytest.mark.parametrize(("rules", "code"), INVALID)
def test_put_bucket_lifecycle_refused(s3, bucket: str, rules: list[dict[str, Any]], code: str) -> None:  # type: ignore[no-untyped-def]
    before = [{"ID": "keep", "Prefix": "k/", "Status": "Enabled", "Expiration": {"Days": 9}}]
    _put(s3, bucket, before)
    with pytest.raises(ClientError) as excinfo:
        _put(s3, bucket, rules)
    assert _code(excinfo) == code
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == before


# ---- x-amz-expiration ----


def test_expiration_header_put_head_get(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    _put(
        s3,
        bucket,
        [{"ID": "picture-deletion-rule", "Prefix": "days1/", "Status": "Enabled", "Expiration": {"Days": 1}}],
    )
    put = s3.put_object(Bucket=bucket, Key="days1/foo", Body=b"bar")
    head = s3.head_object(Bucket=bucket, Key="days1/foo")
    expected = due(head["LastModified"].timestamp(), 1, DAY)
    for response in (put, head, s3.get_object(Bucket=bucket, Key="days1/foo")):
        assert _expiration(response) == (expected, "picture-deletion-rule")
    # Midnight UTC, one to two days ahead: AWS's rounding.
    assert expected % DAY == 0 and DAY < expected - time.time() <= 2 * DAY
    assert _expiration(s3.put_object(Bucket=bucket, Key="other/foo", Body=b"bar")) is None


def test_expiration_header_date_rule_and_earliest_wins(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    date = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    _put(
        s3,
        bucket,
        [
            {"ID": "by-date", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Date": date}},
            {"ID": "by-days", "Filter": {"Prefix": "short/"}, "Status": "Enabled", "Expiration": {"Days": 3}},
            {"ID": "disabled", "Filter": {"Prefix": ""}, "Status": "Disabled", "Expiration": {"Days": 1}},
        ],
    )
    assert _expiration(s3.put_object(Bucket=bucket, Key="long/a", Body=b"x")) == (date.timestamp(), "by-date")
    assert _expiration(s3.put_object(Bucket=bucket, Key="short/a", Body=b"x"))[1] == "by-days"  # type: ignore[index]


def test_expiration_header_tag_filter(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    # ceph/s3-tests test_lifecycle_expiration_header_tags_head and _and_tags_head.
    _put(
        s3,
        bucket,
        [
            {
                "ID": "rule1",
                "Filter": {"Tag": {"Key": "key1", "Value": "tag1"}},
                "Status": "Enabled",
                "Expiration": {"Days": 1},
            }
        ],
    )
    s3.put_object(Bucket=bucket, Key="obj", Body=b"body")
    assert _expiration(s3.head_object(Bucket=bucket, Key="obj")) is None
    tags = {"TagSet": [{"Key": "key1", "Value": "tag1"}, {"Key": "key5", "Value": "tag5"}]}
    s3.put_object_tagging(Bucket=bucket, Key="obj", Tagging=tags)
    assert _expiration(s3.head_object(Bucket=bucket, Key="obj"))[1] == "rule1"  # type: ignore[index]
    tagged_put = s3.put_object(Bucket=bucket, Key="obj2", Body=b"b", Tagging="key1=tag1")
    assert _expiration(tagged_put)[1] == "rule1"  # type: ignore[index]
    _put(
        s3,
        bucket,
        [
            {
                "ID": "rule1",
                "Filter": {
                    "And": {"Tags": [{"Key": "key1", "Value": "tag1"}, {"Key": "key5", "Value": "tag6"}]}
                },
                "Status": "Enabled",
                "Expiration": {"Days": 1},
            }
        ],
    )
    assert _expiration(s3.head_object(Bucket=bucket, Key="obj")) is None


def test_expiration_header_size_filter(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    _put(
        s3,
        bucket,
        [
            {
                "ID": "big",
                "Filter": {"ObjectSizeGreaterThan": 3},
                "Status": "Enabled",
                "Expiration": {"Days": 1},
            }
        ],
    )
    assert _expiration(s3.put_object(Bucket=bucket, Key="small", Body=b"abc")) is None
    assert _expiration(s3.put_object(Bucket=bucket, Key="big", Body=b"abcd"))[1] == "big"  # type: ignore[index]


def test_expiration_header_copy_and_multipart(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    _put(
        s3, bucket, [{"ID": "all", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 5}}]
    )
    s3.put_object(Bucket=bucket, Key="src", Body=b"data")
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert _expiration(copied)[1] == "all"  # type: ignore[index]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=b"x")
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert _expiration(done)[1] == "all"  # type: ignore[index]


def test_expiration_header_rule_id_url_encoded(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    _put(
        s3,
        bucket,
        [{"ID": "délai 7 jours", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 7}}],
    )
    assert _expiration(s3.put_object(Bucket=bucket, Key="k", Body=b"x"))[1] == "d%C3%A9lai%207%20jours"  # type: ignore[index]


# ---- an accelerated day ----


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("fast") / "data", free_port(), extra_args=["--lifecycle-day-seconds", "10"]
    ).start()
    yield srv
    srv.stop()


def test_expiration_header_accelerated_day(fast_server: Server) -> None:
    s3 = client_for(fast_server)
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)  # type: ignore[attr-defined]
    try:
        # With a 10 s day, AWS's 30-day minimum before STANDARD_IA is not enforced (s3-tests use 1 day).
        _put(
            s3,
            name,
            [
                {
                    "ID": "fast",
                    "Prefix": "",
                    "Status": "Enabled",
                    "Expiration": {"Days": 2},
                    "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}],
                }
            ],
        )
        before = time.time()
        when, rule_id = _expiration(s3.put_object(Bucket=name, Key="k", Body=b"x"))  # type: ignore[attr-defined, misc]
        assert rule_id == "fast"
        assert before + 2 * 10 - 1 <= when <= time.time() + 3 * 10
    finally:
        empty_bucket(s3, name)


# ---- the aws cli ----


@pytest.mark.skipif(AWS is None, reason="aws cli not installed")
def test_cli_put_get_delete_lifecycle(server: Server, aws_env: dict[str, str], tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:12]}"
    aws(server, aws_env, "s3", "mb", f"s3://{name}")
    config = {
        "Rules": [
            {
                "ID": "raw-uploads",
                "Filter": {"Prefix": "staged/"},
                "Status": "Enabled",
                "Expiration": {"Days": 7},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }
        ]
    }
    path = tmp_path / "lifecycle.json"
    path.write_text(json.dumps(config))
    aws(
        server,
        aws_env,
        "s3api",
        "put-bucket-lifecycle-configuration",
        "--bucket",
        name,
        "--lifecycle-configuration",
        f"file://{path}",
    )
    got = json.loads(aws(server, aws_env, "s3api", "get-bucket-lifecycle-configuration", "--bucket", name))
    assert got["Rules"] == config["Rules"]
    aws(server, aws_env, "s3api", "delete-bucket-lifecycle", "--bucket", name)
    aws(server, aws_env, "s3", "rb", f"s3://{name}")


def test_put_bucket_lifecycle_needs_integrity_header(server: Server, bucket: str) -> None:
    s3 = client_for(server)

    def strip(request: Any, **_: Any) -> None:
        for name in [
            h
            for h in request.headers
            if h.lower().startswith(("content-md5", "x-amz-checksum-", "x-amz-sdk-checksum"))
        ]:
            del request.headers[name]

    s3.meta.events.register("before-sign.s3.PutBucketLifecycleConfiguration", strip)  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as excinfo:
        _put(s3, bucket, [{"ID": "r", "Prefix": "", "Status": "Enabled", "Expiration": {"Days": 1}}])
    assert _code(excinfo) == "InvalidRequest"
    assert "Content-Md5" in excinfo.value.response["Error"]["Message"]
