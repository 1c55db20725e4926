"""Object Lock through boto3 at default settings: configuration, retention, legal hold, refusals.

Every rule is checked by the engine in the write's own transaction; these tests drive it as a
client would, the root user included, which GOVERNANCE lets through only with
``x-amz-bypass-governance-retention: true`` and COMPLIANCE never does. Expected codes and
messages are S3's, as LocalStack recorded them (tests/aws/services/s3/test_s3.py,
TestS3ObjectLockRetention and TestS3ObjectLockLegalHold).

Each test makes its own lock bucket. Cleanup removes legal holds and deletes with the bypass;
a bucket still holding COMPLIANCE versions stays behind in the session server's temp dir.
"""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import client_for
from .server import Server

LOCKED = "Access Denied because object protected by object lock."
UTC = datetime.UTC


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def later(seconds: float = 3600) -> datetime.datetime:
    return datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(seconds=seconds)


def governance(seconds: float = 3600) -> dict[str, Any]:
    return {"Mode": "GOVERNANCE", "RetainUntilDate": later(seconds)}


def new_lock_bucket(s3: Any) -> str:
    name = f"lock-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def unlock_and_empty(s3: Any, name: str) -> None:
    """Lift legal holds, delete every version with the bypass; keep the bucket if COMPLIANCE holds one."""
    listing = s3.list_object_versions(Bucket=name)
    left = False
    for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
        key, vid = v["Key"], v["VersionId"]
        try:
            s3.delete_object(Bucket=name, Key=key, VersionId=vid, BypassGovernanceRetention=True)
            continue
        except ClientError:
            pass
        s3.put_object_legal_hold(Bucket=name, Key=key, VersionId=vid, LegalHold={"Status": "OFF"})
        try:
            s3.delete_object(Bucket=name, Key=key, VersionId=vid, BypassGovernanceRetention=True)
        except ClientError:
            left = True  # COMPLIANCE: nobody can delete it before its date, as intended
    if not left:
        s3.delete_bucket(Bucket=name)


@pytest.fixture
def lock_bucket(s3: Any) -> Iterator[str]:
    name = new_lock_bucket(s3)
    yield name
    unlock_and_empty(s3, name)


@pytest.fixture
def plain_versioned(s3: Any) -> Iterator[str]:
    name = f"plain-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    unlock_and_empty(s3, name)


@pytest.fixture(scope="module")
def s3_no_checksum(server: Server) -> Any:
    """A client that sends neither Content-MD5 nor a checksum, as older SDKs and curl do."""
    client: Any = client_for(server, config=Config(request_checksum_calculation="when_required"))

    def strip(request: Any, **_: Any) -> None:
        for name in list(request.headers):
            lower = name.lower()
            if lower in ("content-md5", "x-amz-sdk-checksum-algorithm") or lower.startswith(
                "x-amz-checksum-"
            ):
                del request.headers[name]

    client.meta.events.register("before-sign.s3.*", strip)
    return client


# ---- the bucket's configuration ----


def test_create_bucket_with_object_lock_turns_versioning_on(s3: Any, lock_bucket: str) -> None:
    assert s3.get_bucket_versioning(Bucket=lock_bucket)["Status"] == "Enabled"
    found = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert found == {"ObjectLockEnabled": "Enabled"}


def test_suspending_versioning_of_a_lock_bucket_is_refused(s3: Any, lock_bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_versioning(Bucket=lock_bucket, VersioningConfiguration={"Status": "Suspended"})
    assert (status(caught), code(caught)) == (409, "InvalidBucketState")
    s3.put_bucket_versioning(Bucket=lock_bucket, VersioningConfiguration={"Status": "Enabled"})


@pytest.mark.parametrize("period", [{"Days": 1}, {"Years": 2}], ids=["days", "years"])
def test_lock_configuration_round_trip(s3: Any, lock_bucket: str, period: dict[str, int]) -> None:
    conf = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", **period}}}
    assert s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration=conf)
    assert s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"] == conf
    s3.put_object_lock_configuration(
        Bucket=lock_bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )
    found = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert found == {"ObjectLockEnabled": "Enabled"}


def test_lock_configuration_of_a_bucket_without_lock(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.get_object_lock_configuration(Bucket=bucket)
    assert (status(caught), code(caught)) == (404, "ObjectLockConfigurationNotFoundError")
    conf = {"ObjectLockEnabled": "Enabled"}
    with pytest.raises(ClientError) as caught:
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=conf)
    assert (status(caught), code(caught)) == (409, "InvalidBucketState")
    assert "Versioning must be 'Enabled'" in caught.value.response["Error"]["Message"]


def test_object_lock_on_an_existing_versioned_bucket(s3: Any, plain_versioned: str) -> None:
    before = s3.put_object(Bucket=plain_versioned, Key="old", Body=b"old")["VersionId"]
    conf = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
    s3.put_object_lock_configuration(Bucket=plain_versioned, ObjectLockConfiguration=conf)
    assert "ObjectLockMode" not in s3.head_object(Bucket=plain_versioned, Key="old")  # only new versions
    new = s3.put_object(Bucket=plain_versioned, Key="new", Body=b"new")["VersionId"]
    assert s3.head_object(Bucket=plain_versioned, Key="new")["ObjectLockMode"] == "GOVERNANCE"
    s3.delete_object(Bucket=plain_versioned, Key="old", VersionId=before)
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=plain_versioned, Key="new", VersionId=new)
    assert code(caught) == "AccessDenied"
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_versioning(Bucket=plain_versioned, VersioningConfiguration={"Status": "Suspended"})
    assert code(caught) == "InvalidBucketState"


BAD_CONFIGURATIONS = [
    ({"ObjectLockEnabled": "Disabled"}, 400, "MalformedXML"),
    ({"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}, 400, "MalformedXML"),
    (
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE"}}},
        400,
        "MalformedXML",
    ),
    (
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "governance", "Days": 1}}},
        400,
        "MalformedXML",
    ),
    (
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}},
        },
        400,
        "MalformedXML",
    ),
    (
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}},
        400,
        "InvalidArgument",
    ),
]


@pytest.mark.parametrize(
    ("conf", "expected_status", "expected_code"),
    BAD_CONFIGURATIONS,
    ids=["disabled", "no-enabled", "no-period", "lower-case-mode", "days-and-years", "zero-days"],
)
def test_lock_configuration_refusals(
    s3: Any, lock_bucket: str, conf: dict[str, Any], expected_status: int, expected_code: str
) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration=conf)
    assert (status(caught), code(caught)) == (expected_status, expected_code)


# ---- locks on new versions ----


def test_default_retention_applies_to_put_copy_and_complete(s3: Any, lock_bucket: str) -> None:
    conf = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2}}}
    s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration=conf)
    s3.put_object(Bucket=lock_bucket, Key="put", Body=b"x")
    s3.copy_object(Bucket=lock_bucket, Key="copy", CopySource={"Bucket": lock_bucket, "Key": "put"})
    upload = s3.create_multipart_upload(Bucket=lock_bucket, Key="mpu")["UploadId"]
    part = s3.upload_part(Bucket=lock_bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=lock_bucket,
        Key="mpu",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    for key in ("put", "copy", "mpu"):
        head = s3.head_object(Bucket=lock_bucket, Key=key)
        expected = head["LastModified"] + datetime.timedelta(days=2)
        assert head["ObjectLockMode"] == "GOVERNANCE"
        assert abs((head["ObjectLockRetainUntilDate"] - expected).total_seconds()) < 2
        assert "ObjectLockLegalHoldStatus" not in head


def test_put_object_with_lock_headers(s3: Any, lock_bucket: str) -> None:
    until = later()
    put = s3.put_object(
        Bucket=lock_bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )
    for response in (s3.head_object(Bucket=lock_bucket, Key="k"), s3.get_object(Bucket=lock_bucket, Key="k")):
        assert response["ObjectLockMode"] == "COMPLIANCE"
        assert response["ObjectLockRetainUntilDate"] == until
        assert response["ObjectLockLegalHoldStatus"] == "ON"
    retention = s3.get_object_retention(Bucket=lock_bucket, Key="k", VersionId=put["VersionId"])["Retention"]
    assert retention == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")["LegalHold"] == {"Status": "ON"}


def test_copy_gets_its_own_lock_not_the_sources(s3: Any, lock_bucket: str) -> None:
    s3.put_object(
        Bucket=lock_bucket,
        Key="src",
        Body=b"x",
        ObjectLockLegalHoldStatus="ON",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=later(),
    )
    s3.copy_object(Bucket=lock_bucket, Key="plain", CopySource={"Bucket": lock_bucket, "Key": "src"})
    head = s3.head_object(Bucket=lock_bucket, Key="plain")
    assert not {"ObjectLockMode", "ObjectLockLegalHoldStatus"} & head.keys()
    s3.copy_object(
        Bucket=lock_bucket,
        Key="held",
        CopySource={"Bucket": lock_bucket, "Key": "src"},
        ObjectLockLegalHoldStatus="ON",
    )
    assert s3.head_object(Bucket=lock_bucket, Key="held")["ObjectLockLegalHoldStatus"] == "ON"


def test_multipart_upload_with_lock_headers(s3: Any, lock_bucket: str) -> None:
    upload = s3.create_multipart_upload(
        Bucket=lock_bucket, Key="mpu", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=later()
    )["UploadId"]
    part = s3.upload_part(Bucket=lock_bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=b"abc")
    done = s3.complete_multipart_upload(
        Bucket=lock_bucket,
        Key="mpu",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=lock_bucket, Key="mpu", VersionId=done["VersionId"])
    assert (status(caught), code(caught)) == (403, "AccessDenied")


@pytest.mark.parametrize(
    "call",
    [
        lambda s3, b: s3.put_object(Bucket=b, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON"),
        lambda s3, b: s3.copy_object(
            Bucket=b,
            Key="c",
            CopySource={"Bucket": b, "Key": "src"},
            ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=later(),
        ),
        lambda s3, b: s3.create_multipart_upload(Bucket=b, Key="m", ObjectLockLegalHoldStatus="OFF"),
    ],
    ids=["put", "copy", "create-multipart-upload"],
)
def test_lock_headers_on_a_bucket_without_lock(
    s3: Any, plain_versioned: str, call: Callable[..., Any]
) -> None:
    s3.put_object(Bucket=plain_versioned, Key="src", Body=b"x")
    with pytest.raises(ClientError) as caught:
        call(s3, plain_versioned)
    assert (status(caught), code(caught)) == (400, "InvalidRequest")
    assert caught.value.response["Error"]["Message"] == "Bucket is missing ObjectLockConfiguration"


BAD_HEADERS = [
    ({"ObjectLockMode": "GOVERNANCE"}, "x-amz-object-lock-retain-until-date"),
    ({"ObjectLockRetainUntilDate": later()}, "x-amz-object-lock-mode"),
    ({"ObjectLockMode": "BAD", "ObjectLockRetainUntilDate": later()}, "x-amz-object-lock-mode"),
    (
        {
            "ObjectLockMode": "GOVERNANCE",
            "ObjectLockRetainUntilDate": datetime.datetime(2020, 1, 1, tzinfo=UTC),
        },
        "x-amz-object-lock-retain-until-date",
    ),
    ({"ObjectLockLegalHoldStatus": "on"}, "x-amz-object-lock-legal-hold"),
]


@pytest.mark.parametrize(
    ("kwargs", "argument"), BAD_HEADERS, ids=["no-date", "no-mode", "mode", "past", "hold"]
)
def test_bad_lock_headers(s3: Any, lock_bucket: str, kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", **kwargs)
    assert (status(caught), code(caught)) == (400, "InvalidArgument")
    assert caught.value.response["Error"]["ArgumentName"] == argument


def test_put_with_lock_needs_a_checksum(s3: Any, s3_no_checksum: Any, lock_bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3_no_checksum.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")
    assert (status(caught), code(caught)) == (400, "InvalidRequest")
    assert (
        "Content-MD5 OR x-amz-checksum- HTTP header is required" in caught.value.response["Error"]["Message"]
    )
    s3_no_checksum.put_object(Bucket=lock_bucket, Key="plain", Body=b"x")  # no lock asked, no default
    conf = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
    s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration=conf)
    with pytest.raises(ClientError) as caught:
        s3_no_checksum.put_object(Bucket=lock_bucket, Key="plain", Body=b"x")
    assert code(caught) == "InvalidRequest"
    s3.put_object(Bucket=lock_bucket, Key="plain", Body=b"x")  # boto3's default CRC32 is enough


@pytest.mark.parametrize(
    "call",
    [
        lambda s3, b: s3.put_object_retention(Bucket=b, Key="k", Retention=governance()),
        lambda s3, b: s3.put_object_legal_hold(Bucket=b, Key="k", LegalHold={"Status": "ON"}),
        lambda s3, b: s3.put_object_lock_configuration(
            Bucket=b, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
        ),
    ],
    ids=["retention", "legal-hold", "configuration"],
)
def test_lock_requests_need_a_checksum(
    s3: Any, s3_no_checksum: Any, lock_bucket: str, call: Callable[..., Any]
) -> None:
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as caught:
        call(s3_no_checksum, lock_bucket)
    assert (status(caught), code(caught)) == (400, "InvalidRequest")
    assert "Retention" not in s3.head_object(Bucket=lock_bucket, Key="k")


# ---- retention ----


def test_deleting_a_locked_version_as_root_is_denied(s3: Any, lock_bucket: str) -> None:
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=governance())
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)
    assert (status(caught), code(caught)) == (403, "AccessDenied")
    assert caught.value.response["Error"]["Message"] == LOCKED
    assert s3.get_object(Bucket=lock_bucket, Key="k", VersionId=vid)["Body"].read() == b"x"
    done = s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid, BypassGovernanceRetention=True)
    assert (done["ResponseMetadata"]["HTTPStatusCode"], done["VersionId"]) == (204, vid)


def test_bypassing_governance_needs_the_header(s3: Any, lock_bucket: str) -> None:
    s3.put_object(
        Bucket=lock_bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=later(7200),
    )
    shorter = governance(3600)
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=shorter)
    assert (status(caught), code(caught), caught.value.response["Error"]["Message"]) == (
        403,
        "AccessDenied",
        LOCKED,
    )
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(
            Bucket=lock_bucket, Key="k", Retention=shorter, BypassGovernanceRetention=False
        )
    assert code(caught) == "AccessDenied"
    s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=shorter, BypassGovernanceRetention=True)
    assert s3.get_object_retention(Bucket=lock_bucket, Key="k")["Retention"] == shorter


def test_retention_can_always_be_extended(s3: Any, lock_bucket: str) -> None:
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    for mode in ("GOVERNANCE", "COMPLIANCE"):
        key = f"k-{mode}"
        s3.put_object(
            Bucket=lock_bucket, Key=key, Body=b"x", ObjectLockMode=mode, ObjectLockRetainUntilDate=later(60)
        )
        longer = {"Mode": mode, "RetainUntilDate": later(120)}
        s3.put_object_retention(Bucket=lock_bucket, Key=key, Retention=longer)
        assert s3.get_object_retention(Bucket=lock_bucket, Key=key)["Retention"] == longer


def test_compliance_can_be_neither_bypassed_nor_shortened(s3: Any, lock_bucket: str) -> None:
    until = later(20)
    vid = s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid, BypassGovernanceRetention=True)
    assert (status(caught), code(caught)) == (403, "AccessDenied")
    changes = [
        {"Mode": "COMPLIANCE", "RetainUntilDate": until - datetime.timedelta(seconds=10)},
        {"Mode": "GOVERNANCE", "RetainUntilDate": later(3600)},
        {},
    ]
    for change in changes:
        with pytest.raises(ClientError) as caught:
            s3.put_object_retention(
                Bucket=lock_bucket, Key="k", VersionId=vid, Retention=change, BypassGovernanceRetention=True
            )
        assert (status(caught), code(caught)) == (403, "AccessDenied")
    result = s3.delete_objects(
        Bucket=lock_bucket,
        BypassGovernanceRetention=True,
        Delete={"Objects": [{"Key": "k", "VersionId": vid}]},
    )
    assert [(e["Key"], e["VersionId"], e["Code"]) for e in result["Errors"]] == [("k", vid, "AccessDenied")]
    assert s3.get_object_retention(Bucket=lock_bucket, Key="k")["Retention"]["RetainUntilDate"] == until


def test_governance_can_become_compliance_only_with_bypass(s3: Any, lock_bucket: str) -> None:
    until = later(30)
    s3.put_object(
        Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until
    )
    stricter = {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=stricter)
    assert code(caught) == "AccessDenied"
    s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=stricter, BypassGovernanceRetention=True)
    assert s3.head_object(Bucket=lock_bucket, Key="k")["ObjectLockMode"] == "COMPLIANCE"


def test_removing_governance_retention_with_bypass(s3: Any, lock_bucket: str) -> None:
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=governance())
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention={})
    assert code(caught) == "AccessDenied"
    s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention={}, BypassGovernanceRetention=True)
    with pytest.raises(ClientError) as caught:
        s3.get_object_retention(Bucket=lock_bucket, Key="k")
    assert (status(caught), code(caught)) == (404, "NoSuchObjectLockConfiguration")
    s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)


def test_expired_retention_no_longer_protects(s3: Any, lock_bucket: str) -> None:
    vid = s3.put_object(
        Bucket=lock_bucket,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=later(2),
    )["VersionId"]
    time.sleep(3)
    assert s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)["VersionId"] == vid


def test_retention_refusals(s3: Any, lock_bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(Bucket=lock_bucket, Key="missing", Retention=governance())
    assert (status(caught), code(caught)) == (404, "NoSuchKey")
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as caught:
        s3.get_object_retention(Bucket=lock_bucket, Key="k")
    assert (status(caught), code(caught)) == (404, "NoSuchObjectLockConfiguration")
    past = {"Mode": "GOVERNANCE", "RetainUntilDate": datetime.datetime(2020, 1, 1, tzinfo=UTC)}
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=past)
    error = caught.value.response["Error"]
    assert (code(caught), error["ArgumentName"], error["ArgumentValue"]) == (
        "InvalidArgument",
        "RetainUntilDate",
        "Tue Dec 31 16:00:00 PST 2019",
    )
    for bad in ({"Mode": "governance", "RetainUntilDate": later()}, {"Mode": "GOVERNANCE"}):
        with pytest.raises(ClientError) as caught:
            s3.put_object_retention(Bucket=lock_bucket, Key="k", Retention=bad)
        assert (status(caught), code(caught)) == (400, "MalformedXML")
    marker = s3.delete_object(Bucket=lock_bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as caught:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=marker, Retention=governance())
    assert (status(caught), code(caught)) == (405, "MethodNotAllowed")


@pytest.mark.parametrize(
    "call",
    [
        lambda s3, b: s3.put_object_retention(Bucket=b, Key="k", Retention=governance()),
        lambda s3, b: s3.get_object_retention(Bucket=b, Key="k"),
        lambda s3, b: s3.put_object_legal_hold(Bucket=b, Key="k", LegalHold={"Status": "ON"}),
        lambda s3, b: s3.get_object_legal_hold(Bucket=b, Key="k"),
    ],
    ids=["put-retention", "get-retention", "put-legal-hold", "get-legal-hold"],
)
def test_lock_requests_on_a_bucket_without_lock(s3: Any, bucket: str, call: Callable[..., Any]) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as caught:
        call(s3, bucket)
    assert (status(caught), code(caught)) == (400, "InvalidRequest")
    assert caught.value.response["Error"]["Message"] == "Bucket is missing Object Lock Configuration"


# ---- legal hold ----


def test_removing_a_legal_hold_then_deleting(s3: Any, lock_bucket: str) -> None:
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    with pytest.raises(ClientError) as caught:
        s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")
    assert (status(caught), code(caught)) == (404, "NoSuchObjectLockConfiguration")
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=vid, LegalHold={"Status": "ON"})
    for bypass in (False, True):
        with pytest.raises(ClientError) as caught:
            s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid, BypassGovernanceRetention=bypass)
        assert (status(caught), code(caught), caught.value.response["Error"]["Message"]) == (
            403,
            "AccessDenied",
            LOCKED,
        )
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=vid, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")["LegalHold"] == {"Status": "OFF"}
    assert s3.head_object(Bucket=lock_bucket, Key="k")["ObjectLockLegalHoldStatus"] == "OFF"
    assert s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)["VersionId"] == vid


def test_legal_hold_refusals(s3: Any, lock_bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        s3.put_object_legal_hold(Bucket=lock_bucket, Key="missing", LegalHold={"Status": "ON"})
    assert code(caught) == "NoSuchKey"
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    for hold in ({"Status": "abc"}, None):
        kwargs = {"LegalHold": hold} if hold else {}
        with pytest.raises(ClientError) as caught:
            s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", **kwargs)
        assert (status(caught), code(caught)) == (400, "MalformedXML")


# ---- deletes ----


def test_delete_without_version_id_adds_a_marker_over_a_locked_version(s3: Any, lock_bucket: str) -> None:
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    deleted = s3.delete_object(Bucket=lock_bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=lock_bucket, Key="k")
    assert code(caught) == "NoSuchKey"
    s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=deleted["VersionId"])  # markers are not protected
    assert s3.get_object(Bucket=lock_bucket, Key="k")["VersionId"] == vid


def test_delete_objects_reports_locked_versions(s3: Any, lock_bucket: str) -> None:
    locked = s3.put_object(Bucket=lock_bucket, Key="locked", Body=b"x")["VersionId"]
    s3.put_object_retention(Bucket=lock_bucket, Key="locked", Retention=governance())
    free = s3.put_object(Bucket=lock_bucket, Key="free", Body=b"x")["VersionId"]
    objects = [{"Key": "locked", "VersionId": locked}, {"Key": "free", "VersionId": free}]
    result = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": objects})
    assert [(d["Key"], d["VersionId"]) for d in result["Deleted"]] == [("free", free)]
    assert result["Errors"] == [
        {"Key": "locked", "VersionId": locked, "Code": "AccessDenied", "Message": LOCKED}
    ]
    result = s3.delete_objects(
        Bucket=lock_bucket, Delete={"Objects": objects[:1]}, BypassGovernanceRetention=True
    )
    assert [(d["Key"], d["VersionId"]) for d in result["Deleted"]] == [("locked", locked)]


def test_bucket_holding_locked_versions_cannot_be_deleted(s3: Any, lock_bucket: str) -> None:
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")
    s3.delete_object(Bucket=lock_bucket, Key="k")
    with pytest.raises(ClientError) as caught:
        s3.delete_bucket(Bucket=lock_bucket)
    assert (status(caught), code(caught)) == (409, "BucketNotEmpty")


# ---- races ----

ROUNDS = 50
PAIRS = 4  # keys raced at once per round


def test_deletes_racing_retention_never_delete_a_protected_version(server: Server, s3: Any) -> None:
    """Put-retention and delete-version race on fresh versions; a retention that was acknowledged protects.

    Serialised in one transaction each, exactly one of the pair can win: the retention (the
    delete is then AccessDenied and the version stays) or the delete (the retention then finds
    no version). A check made outside the delete's transaction would let both succeed: the
    delete reads "unprotected", the retention commits, the delete commits anyway.
    """
    racer: Any = client_for(server, config=Config(max_pool_connections=2 * PAIRS))
    name = new_lock_bucket(s3)
    barrier = threading.Barrier(2 * PAIRS)
    outcomes = {"retained": 0, "deleted": 0}

    def attempt(call: Callable[[], Any]) -> ClientError | None:
        barrier.wait(10)
        try:
            call()
        except ClientError as exc:
            return exc
        return None

    with ThreadPoolExecutor(2 * PAIRS) as pool:
        for _ in range(ROUNDS):
            vids = [racer.put_object(Bucket=name, Key=f"k{i}", Body=b"x")["VersionId"] for i in range(PAIRS)]
            retention = {"Mode": "GOVERNANCE", "RetainUntilDate": later()}
            keys = [(f"k{i}", vid) for i, vid in enumerate(vids)]
            retains = [
                pool.submit(
                    attempt,
                    partial(
                        racer.put_object_retention, Bucket=name, Key=key, VersionId=vid, Retention=retention
                    ),
                )
                for key, vid in keys
            ]
            deletes = [
                pool.submit(attempt, partial(racer.delete_object, Bucket=name, Key=key, VersionId=vid))
                for key, vid in keys
            ]
            for i in range(PAIRS):
                retain_error, delete_error = retains[i].result(), deletes[i].result()
                if retain_error is None:
                    assert (
                        delete_error is not None and delete_error.response["Error"]["Code"] == "AccessDenied"
                    )
                    head = s3.head_object(Bucket=name, Key=f"k{i}", VersionId=vids[i])
                    assert head["ObjectLockMode"] == "GOVERNANCE"
                    outcomes["retained"] += 1
                else:
                    assert delete_error is None, "neither the retention nor the delete went through"
                    assert retain_error.response["Error"]["Code"] in ("NoSuchVersion", "NoSuchKey")
                    outcomes["deleted"] += 1
    assert sum(outcomes.values()) == ROUNDS * PAIRS
    unlock_and_empty(s3, name)
