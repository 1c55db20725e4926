"""The lifecycle engine end to end, through boto3, with a 2-second lifecycle day.

A rule of ``Days = 1`` falls due at the next multiple of 2 s after creation + 2 s (AWS's "next
midnight UTC"), so between 2 and 4 s after the object was written; passes run every 0.5 s. Every
scenario is set up by one module fixture at the start, so their days run concurrently, and each
test polls (with a deadline) for its outcome: each rule kind acts, not before it is due, within
about a day after, and only on matching objects.
"""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from aerostore.audit import schema

from .conftest import client_for
from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

DAY = 2.0
ACCOUNT, REGION = "000000000000", "us-east-1"
LIFECYCLE_EVENTS = ["s3:LifecycleExpiration:*", "s3:LifecycleTransition"]


def due(last_modified: datetime, days: int = 1) -> float:
    """The earliest moment the rule may act (LastModified is truncated to the second)."""
    start = last_modified.timestamp() + days * DAY
    return math.ceil(start / DAY) * DAY


def assert_on_time(record: dict[str, Any], when: float) -> None:
    """The action (its event's time) came once due, and within about a day after."""
    acted = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    assert when <= acted <= when + DAY + 1.0, (acted, when)


def wait_for(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def rule(ident: str, **fields: Any) -> dict[str, Any]:
    return {"ID": ident, "Status": "Enabled", "Filter": fields.pop("Filter", {"Prefix": ""}), **fields}


class Scenario:
    """A bucket with its rules, what was written, and what was seen before anything could fall due."""

    def __init__(self, s3: Any, sqs: Any, *, versioned: bool = False, lock: bool = False) -> None:
        self.s3, self.sqs = s3, sqs
        self.bucket = f"lc-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=self.bucket, ObjectLockEnabledForBucket=lock)
        if versioned and not lock:
            s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        name = f"{self.bucket}-events"
        self.queue = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
        config = {"QueueConfigurations": [{"Id": "lc", "QueueArn": arn, "Events": LIFECYCLE_EVENTS}]}
        s3.put_bucket_notification_configuration(Bucket=self.bucket, NotificationConfiguration=config)
        self.put: dict[str, dict[str, Any]] = {}
        self.before: dict[str, Any] = {}

    def write(self, key: str, body: bytes = b"data", **kw: Any) -> dict[str, Any]:
        self.put[key] = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **kw)
        return self.put[key]

    def configure(self, *rules: dict[str, Any]) -> None:
        self.s3.put_bucket_lifecycle_configuration(
            Bucket=self.bucket, LifecycleConfiguration={"Rules": list(rules)}
        )

    def keys(self) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])]

    def versions(self) -> list[dict[str, Any]]:
        page = self.s3.list_object_versions(Bucket=self.bucket)
        return page.get("Versions", []) + page.get("DeleteMarkers", [])

    def last_modified(self, key: str) -> datetime:
        return self.s3.head_object(Bucket=self.bucket, Key=key)["LastModified"]  # type: ignore[no-any-return]

    def snapshot(self) -> None:
        """What the bucket holds right after the writes, long before a day has passed."""
        self.before["keys"] = self.keys()
        self.before["versions"] = len(self.versions())

    def events(self, count: int) -> list[dict[str, Any]]:
        """``count`` event records (the s3:TestEvent left out), waiting for them."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + 15
        while len(found) < count and time.monotonic() < deadline:
            got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in got.get("Messages", []):
                body = json.loads(m["Body"])
                found += body.get("Records", [])
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
        return found


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("lifecycle")
    args = ["--lifecycle-day-seconds", str(DAY), "--archive-dir", str(base / "cold")]
    server = Server(base / "data", free_port(), extra_args=args).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3(srv: Server) -> Any:
    return client_for(srv)


@pytest.fixture(scope="module")
def sqs(srv: Server) -> Any:
    return boto3.client("sqs", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                        aws_secret_access_key=ROOT_PASSWORD, region_name=REGION)  # fmt: skip


@pytest.fixture(scope="module")
def scenarios(s3: Any, sqs: Any) -> dict[str, Scenario]:
    """Every scenario, written at once; ``before`` is observed while nothing can be due yet."""
    out: dict[str, Scenario] = {}

    sc = out["unversioned"] = Scenario(s3, sqs)
    sc.configure(rule("tmp", Filter={"Prefix": "tmp/"}, Expiration={"Days": 1}))
    sc.write("tmp/a")
    sc.write("keep/b")
    sc.before["written"] = sc.last_modified("tmp/a")
    sc.snapshot()

    sc = out["versioned"] = Scenario(s3, sqs, versioned=True)
    sc.configure(rule("exp", Expiration={"Days": 1}))
    sc.write("doc")
    sc.before["written"] = sc.last_modified("doc")

    sc = out["noncurrent"] = Scenario(s3, sqs, versioned=True)
    sc.configure(rule("nc", NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}))
    for i in range(3):
        sc.write("k", bytes([i]))
    sc.snapshot()

    sc = out["marker"] = Scenario(s3, sqs, versioned=True)
    sc.configure(rule("dm", Expiration={"ExpiredObjectDeleteMarker": True}))
    version = sc.write("gone")["VersionId"]
    s3.delete_object(Bucket=sc.bucket, Key="gone")
    s3.delete_object(Bucket=sc.bucket, Key="gone", VersionId=version)  # the marker is left alone
    sc.write("hidden")
    s3.delete_object(Bucket=sc.bucket, Key="hidden")  # a marker over a version: it stays

    sc = out["locked"] = Scenario(s3, sqs, lock=True)
    until = datetime.now(UTC) + timedelta(days=1)
    sc.write("k", b"v1", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
    sc.write("k", b"v2")
    sc.configure(rule("nc", NoncurrentVersionExpiration={"NoncurrentDays": 1}))

    sc = out["filters"] = Scenario(s3, sqs)
    sc.configure(rule("small-temp", Filter={"And": {"Tags": [{"Key": "tier", "Value": "temp"}],
                                                     "ObjectSizeLessThan": 100}},
                      Expiration={"Days": 1}))  # fmt: skip
    sc.write("small-temp", b"x", Tagging="tier=temp")
    sc.write("big-temp", b"x" * 200, Tagging="tier=temp")
    sc.write("small-kept", b"x", Tagging="tier=keep")

    sc = out["multipart"] = Scenario(s3, sqs)
    sc.configure(
        rule("mpu", Filter={"Prefix": "staging/"}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})
    )
    sc.before["stale"] = s3.create_multipart_upload(Bucket=sc.bucket, Key="staging/big")["UploadId"]
    sc.before["kept"] = s3.create_multipart_upload(Bucket=sc.bucket, Key="other/big")["UploadId"]

    sc = out["transition"] = Scenario(s3, sqs)
    sc.configure(rule("ia", Transitions=[{"Days": 1, "StorageClass": "STANDARD_IA"}]))
    sc.write("warm", b"w" * 1000)
    sc.before["written"] = sc.last_modified("warm")

    sc = out["glacier"] = Scenario(s3, sqs)
    sc.configure(rule("cold", Transitions=[{"Days": 1, "StorageClass": "GLACIER"}]))
    sc.write("frozen", b"f" * 200_000)

    for sc in out.values():
        if "keys" not in sc.before:
            sc.snapshot()
    return out


def test_unversioned_expiration_deletes_only_matching_objects_once_due(
    scenarios: dict[str, Scenario],
) -> None:
    sc = scenarios["unversioned"]
    assert sc.before["keys"] == ["keep/b", "tmp/a"]
    wait_for(lambda: sc.keys() == ["keep/b"])
    [record] = sc.events(1)
    assert_on_time(record, due(sc.before["written"]))
    assert record["eventName"] == "LifecycleExpiration:Delete"
    assert record["eventVersion"] == "2.3"
    assert record["userIdentity"]["principalId"] == "s3.amazonaws.com"
    assert record["s3"]["object"]["key"] == "tmp/a"


def test_versioned_expiration_stacks_a_delete_marker(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["versioned"]
    wait_for(lambda: sc.keys() == [])
    page = sc.s3.list_object_versions(Bucket=sc.bucket)
    [marker] = page["DeleteMarkers"]
    [kept] = page["Versions"]
    assert marker["IsLatest"] and kept["VersionId"] == sc.put["doc"]["VersionId"]
    [record] = sc.events(1)
    assert_on_time(record, due(sc.before["written"]))
    assert record["eventName"] == "LifecycleExpiration:DeleteMarkerCreated"
    assert record["s3"]["object"]["versionId"] == marker["VersionId"]


def test_noncurrent_expiration_keeps_newer_noncurrent_versions(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["noncurrent"]
    assert sc.before["versions"] == 3
    wait_for(lambda: len(sc.versions()) == 2)
    time.sleep(DAY)  # a day later, the newest noncurrent version is still kept
    versions = sc.versions()
    assert len(versions) == 2 and sc.s3.get_object(Bucket=sc.bucket, Key="k")["Body"].read() == bytes([2])
    [record] = sc.events(1)
    assert record["eventName"] == "LifecycleExpiration:Delete"


def test_expired_delete_marker_is_removed(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["marker"]
    wait_for(lambda: all(v["Key"] == "hidden" for v in sc.versions()))
    assert len(sc.versions()) == 2  # the marker over a version stays, with its version


def test_locked_version_survives_and_counts_as_skipped(srv: Server, scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["locked"]
    report = wait_for(lambda: _skipped(srv, sc.bucket))
    assert report["nc"] == {"skipped_locked": 1}
    assert len(sc.versions()) == 2


def _skipped(srv: Server, bucket: str) -> dict[str, Any] | None:
    [found] = [b for b in status(srv)["buckets"] if b["bucket"] == bucket]
    last = found["last_pass"]
    return last["actions"] if last and last["actions"] else None


def test_filters_select_by_tag_and_size(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["filters"]
    wait_for(lambda: "small-temp" not in sc.keys())
    time.sleep(DAY)
    assert sc.keys() == ["big-temp", "small-kept"]


def test_stale_multipart_uploads_are_aborted(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["multipart"]

    def uploads() -> list[str]:
        return [u["UploadId"] for u in sc.s3.list_multipart_uploads(Bucket=sc.bucket).get("Uploads", [])]

    wait_for(lambda: uploads() == [sc.before["kept"]])
    with pytest.raises(ClientError) as info:
        sc.s3.list_parts(Bucket=sc.bucket, Key="staging/big", UploadId=sc.before["stale"])
    assert info.value.response["Error"]["Code"] == "NoSuchUpload"


def test_transition_shows_in_listings_and_emits_its_event(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["transition"]

    def storage_class() -> str:
        return str(sc.s3.list_objects_v2(Bucket=sc.bucket)["Contents"][0]["StorageClass"])

    wait_for(lambda: storage_class() == "STANDARD_IA")
    assert sc.s3.get_object(Bucket=sc.bucket, Key="warm")["Body"].read() == b"w" * 1000
    [record] = sc.events(1)
    assert_on_time(record, due(sc.before["written"]))
    assert record["eventName"] == "LifecycleTransition" and record["s3"]["object"]["size"] == 1000


def test_glacier_transition_refuses_get(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["glacier"]
    wait_for(lambda: sc.s3.head_object(Bucket=sc.bucket, Key="frozen").get("StorageClass") == "GLACIER")
    with pytest.raises(ClientError) as info:
        sc.s3.get_object(Bucket=sc.bucket, Key="frozen")
    assert info.value.response["Error"]["Code"] == "InvalidObjectState"


def test_actions_write_lifecycle_audit_records(srv: Server, scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["versioned"]
    wait_for(lambda: sc.keys() == [])
    [record] = wait_for(lambda: [r for r in _lifecycle_records(srv) if r["bucket"] == sc.bucket])
    assert record["operation"] == "S3.CREATE.DELETEMARKER" and record["principal"] == "lifecycle"
    assert record["key"] == "doc" and record["committed"] is True
    assert json.loads(record["detail"]) == {"action": "delete_marker", "rule_id": "exp",
                                            "expired_version_id": sc.put["doc"]["VersionId"]}  # fmt: skip
    transitions = wait_for(
        lambda: [r for r in _lifecycle_records(srv) if r["bucket"] == scenarios["transition"].bucket]
    )
    assert [r["operation"] for r in transitions] == ["S3.TRANSITION_SIA.OBJECT"]


def _lifecycle_records(srv: Server) -> list[dict[str, Any]]:
    conn = sqlite3.connect(srv.data_dir / "meta.sqlite3")
    try:
        found = conn.execute(
            "SELECT data FROM firehose_records WHERE stream = ?", (schema.STREAM,)
        ).fetchall()
    finally:
        conn.close()
    return [row for row in (schema.decode(data) for (data,) in found) if row["kind"] == schema.KIND_LIFECYCLE]


def status(srv: Server, *args: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "aerostore",
        "lifecycle",
        "status",
        "--data-dir",
        str(srv.data_dir),
        "--json",
    ]
    out = subprocess.run([*cmd, *args], check=True, capture_output=True, text=True, timeout=30).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_status_json_shape(srv: Server, scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["unversioned"]
    wait_for(lambda: sc.keys() == ["keep/b"])
    doc = status(srv)
    assert doc["day_seconds"] == DAY
    [entry] = [b for b in doc["buckets"] if b["bucket"] == sc.bucket]
    assert set(entry) == {"bucket", "rules", "last_pass", "in_progress", "cursor", "next_due",
                          "previous_pass", "totals"}  # fmt: skip
    assert sum(c.get("expire", 0) for c in entry["totals"].values()) >= 1  # kept across passes
    assert entry["rules"] == 1 and isinstance(entry["in_progress"], bool)
    last = entry["last_pass"]
    assert set(last) == {"started", "finished", "scanned", "actions"}
    assert last["scanned"] >= 1
    defaults = {b["bucket"] for b in doc["buckets"]}
    assert {"raw-uploads", "processed-images", "audit-logs"} <= defaults
    cmd = [sys.executable, "-m", "aerostore", "lifecycle", "status", "--data-dir", str(srv.data_dir)]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30).stdout
    assert sc.bucket in text and "versions scanned" in text
