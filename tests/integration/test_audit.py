"""The audit trail end to end: boto3 requests become audit rows; SQL, `who` and `activity` read them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import botocore
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from aerostore.audit import query, schema

from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

BOTO = dict(aws_access_key_id=ROOT_USER, aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1")


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("audit") / "data", free_port(),
                    extra_args=["--audit-flush-interval", "0.1"]).start()  # fmt: skip
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3(srv: Server) -> Any:
    return boto3.client("s3", endpoint_url=srv.endpoint, **BOTO)


@pytest.fixture(scope="module")
def bucket(s3: Any) -> str:
    name = f"audited-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    return name


def _records_once(srv: Server) -> dict[str, dict[str, Any]]:
    # The buffer first, then the Parquet files: a record delivered in between is in the files
    # (they are never removed), so it cannot slip between the two reads.
    found: dict[str, dict[str, Any]] = {}
    conn = sqlite3.connect(srv.data_dir / "meta.sqlite3")
    try:
        for (data,) in conn.execute("SELECT data FROM firehose_records WHERE stream = ?", (schema.STREAM,)):
            row = schema.decode(data)
            found[row["request_id"]] = row
    finally:
        conn.close()
    endpoint = query.Endpoint(srv.endpoint, ROOT_USER, ROOT_PASSWORD)
    for row in query.run("SELECT * FROM audit WHERE kind = 'request'", endpoint).to_pylist():
        found.setdefault(row["request_id"], row)
    return found


class _Records(dict[str, dict[str, Any]]):
    """Every audit record so far by request id; looking one up waits for its flush (up to 10 s)."""

    def __init__(self, srv: Server) -> None:
        super().__init__(_records_once(srv))
        self.srv = srv

    def __missing__(self, request_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.2)
            self.update(_records_once(self.srv))
            if request_id in self:
                return self[request_id]
        raise KeyError(request_id)


def records(srv: Server) -> dict[str, dict[str, Any]]:
    """Every audit record so far by request id: still buffered for delivery, or delivered as Parquet."""
    time.sleep(0.4)  # past the flush interval
    return _Records(srv)


def _by_request(srv: Server, response: dict[str, Any]) -> dict[str, Any]:
    return records(srv)[response["ResponseMetadata"]["RequestId"]]


def test_put_object_record_is_committed_with_every_field(srv: Server, s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="dir/a.jpg", Body=b"x" * 1000)
    row = _by_request(srv, put)
    assert row["kind"] == "request" and row["api"] == "s3" and row["operation"] == "PutObject"
    assert (row["principal"], row["access_key_id"]) == (ROOT_USER, ROOT_USER)
    assert (row["bucket"], row["key"], row["version_id"]) == (bucket, "dir/a.jpg", "null")
    assert row["http_status"] == 200 and row["error_code"] is None and row["committed"] is True
    assert row["bytes_received"] >= 1000
    assert (row["signature_version"], row["auth_type"]) == ("SigV4", "header")
    assert row["source_ip"] == "127.0.0.1" and row["host"] == f"127.0.0.1:{srv.port}"
    assert row["user_agent"].startswith("Boto3/") and row["total_ms"] > 0


def test_get_object_record_has_bytes_and_timings(srv: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="g.bin", Body=b"y" * 4096)
    got = s3.get_object(Bucket=bucket, Key="g.bin")
    got["Body"].read()
    row = _by_request(srv, got)
    assert row["operation"] == "GetObject" and row["committed"] is False
    assert row["http_status"] == 200 and row["bytes_sent"] == 4096 and row["bytes_received"] == 0
    assert 0 <= row["ttfb_ms"] <= row["total_ms"]


def test_failed_request_records_status_and_error_code(srv: Server, s3: Any, bucket: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="missing.jpg")
    row = records(srv)[info.value.response["ResponseMetadata"]["RequestId"]]
    assert (row["http_status"], row["error_code"], row["key"]) == (404, "NoSuchKey", "missing.jpg")
    assert row["bytes_sent"] > 0 and row["principal"] == ROOT_USER


def test_anonymous_request_is_recorded_as_anonymous(srv: Server, bucket: str) -> None:
    response = requests.get(f"{srv.endpoint}/{bucket}/dir/a.jpg", headers={"user-agent": "curl/8"})
    row = records(srv)[response.headers["x-amz-request-id"]]
    assert (row["principal"], row["auth_type"], row["signature_version"]) == ("anonymous", "anonymous", None)
    assert (row["http_status"], row["error_code"], row["user_agent"]) == (403, "AccessDenied", "curl/8")


def test_bad_signature_records_the_claimed_key(srv: Server, bucket: str) -> None:
    wrong = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                         aws_secret_access_key="not-the-secret", region_name="us-east-1")  # fmt: skip
    with pytest.raises(botocore.exceptions.ClientError) as info:
        wrong.list_objects_v2(Bucket=bucket)
    row = records(srv)[info.value.response["ResponseMetadata"]["RequestId"]]
    assert (row["error_code"], row["access_key_id"], row["principal"]) == (
        "SignatureDoesNotMatch", ROOT_USER, None)  # fmt: skip


def test_presigned_get_is_recorded_as_presigned(srv: Server, s3: Any, bucket: str) -> None:
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/a.jpg"})
    response = requests.get(url)
    row = records(srv)[response.headers["x-amz-request-id"]]
    assert (row["auth_type"], row["principal"], row["http_status"]) == ("presigned", ROOT_USER, 200)


def test_delete_object_record_has_204(srv: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"z")
    deleted = s3.delete_object(Bucket=bucket, Key="gone.txt")
    row = _by_request(srv, deleted)
    assert (row["operation"], row["http_status"], row["committed"]) == ("DeleteObject", 204, True)


def test_sqs_requests_are_recorded(srv: Server) -> None:
    sqs = boto3.client("sqs", endpoint_url=srv.endpoint, **BOTO)
    url = sqs.create_queue(QueueName=f"audit-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sqs.get_queue_url(QueueName="no-such-queue-here")
    found = records(srv)
    row = found[sent["ResponseMetadata"]["RequestId"]]
    assert (row["api"], row["operation"], row["principal"]) == ("sqs", "SendMessage", ROOT_USER)
    assert (row["http_status"], row["committed"], row["auth_type"]) == (200, True, "header")
    failed = found[info.value.response["ResponseMetadata"]["RequestId"]]
    assert (failed["operation"], failed["http_status"]) == ("GetQueueUrl", 400)
    assert failed["error_code"] == "QueueDoesNotExist" and failed["committed"] is False


def test_application_events_through_firehose_land_in_the_same_table(srv: Server) -> None:
    firehose = boto3.client("firehose", endpoint_url=srv.endpoint, **BOTO)
    image = f"img-{uuid.uuid4().hex[:8]}"
    event = {"principal": "alice", "operation": "ViewImage", "aircraft": "N123AB", "image": image}
    put = firehose.put_record(DeliveryStreamName=schema.STREAM, Record={"Data": json.dumps(event).encode()})
    found = records(srv)
    request = found[put["ResponseMetadata"]["RequestId"]]
    assert (request["api"], request["operation"], request["principal"]) == (
        "firehose",
        "PutRecord",
        ROOT_USER,
    )
    assert request["committed"] is True
    (row,) = [r for r in _application_rows(srv) if r["detail"] and image in r["detail"]]
    assert (row["kind"], row["principal"], row["operation"]) == ("application", "alice", "ViewImage")
    assert json.loads(row["detail"]) == {"aircraft": "N123AB", "image": image}


def _application_rows(srv: Server) -> list[dict[str, Any]]:
    endpoint = query.Endpoint(srv.endpoint, ROOT_USER, ROOT_PASSWORD)
    rows = query.run("SELECT * FROM audit WHERE kind = 'application'", endpoint).to_pylist()
    conn = sqlite3.connect(srv.data_dir / "meta.sqlite3")
    try:
        buffered = conn.execute("SELECT data FROM firehose_records WHERE stream = ?", (schema.STREAM,))
        rows += [r for r in (schema.decode(d) for (d,) in buffered) if r["kind"] == "application"]
    finally:
        conn.close()
    return rows


def test_audit_http_endpoint_is_root_only(srv: Server) -> None:
    url = f"{srv.endpoint}/-/audit/query?sql=SELECT%20count(*)%20AS%20n%20FROM%20audit"
    signed = _signed("GET", url, ROOT_USER, ROOT_PASSWORD)
    answer = requests.get(url, headers=signed)
    assert answer.status_code == 200, answer.text
    assert answer.json()["columns"] == ["n"]
    assert requests.get(url).status_code == 403
    catalog = requests.get(f"{srv.endpoint}/-/audit/catalog", headers=_signed(
        "GET", f"{srv.endpoint}/-/audit/catalog", ROOT_USER, ROOT_PASSWORD)).json()  # fmt: skip
    assert catalog["tables"][0]["partitionKeys"] == [
        {"name": "dt", "type": "string"},
        {"name": "hour", "type": "string"},
    ]


def test_cli_query_who_and_activity(srv: Server, s3: Any) -> None:
    key = f"cli/{uuid.uuid4().hex}.jpg"
    rows = [
        {"kind": "request", "time": "2020-01-01T10:00:00Z", "request_id": "R1", "principal": "alice",
         "operation": "GetObject", "bucket": "processed-images", "key": key, "http_status": 200},
        {"kind": "request", "time": "2020-01-01T11:00:00Z", "request_id": "R2", "principal": "bob",
         "operation": "PutObject", "bucket": "processed-images", "key": key, "http_status": 200},
    ]  # fmt: skip
    import io

    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(schema.to_table([schema.to_row(r) for r in rows]), out)
    s3.put_object(
        Bucket="audit-logs",
        Key=f"audit/dt=2020-01-01/hour=10/{uuid.uuid4().hex}.parquet",
        Body=out.getvalue(),
    )

    who = _cli(srv, "who", "--key", key, "--format", "json")
    assert [r["principal"] for r in json.loads(who)] == ["bob", "alice"]
    table = _cli(srv, "activity", "--user", "alice", "--since", "2019-12-31")
    assert key in table and "GetObject" in table
    csv_out = _cli(
        srv, "query", f"SELECT principal FROM audit WHERE key = '{key}' ORDER BY time", "--format", "csv"
    )
    assert csv_out.splitlines() == ["principal", "alice", "bob"]


def _cli(srv: Server, *args: str) -> str:
    env = {**srv.env(), "AEROSTORE_ENDPOINT": srv.endpoint, "COLUMNS": "250"}
    done = subprocess.run([sys.executable, "-m", "aerostore", "audit", *args], env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _signed(method: str, url: str, key: str, secret: str) -> dict[str, str]:
    request = AWSRequest(method=method, url=url)
    SigV4Auth(Credentials(key, secret), "s3", "us-east-1").add_auth(request)
    return dict(request.headers)


def test_delivered_records_answer_who_through_the_s3_api(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AEROSTORE_FIREHOSE_INTERVAL", "1")
    server = Server(tmp_path_factory.mktemp("delivered") / "data", free_port(),
                    extra_args=["--audit-flush-interval", "0.1"]).start()  # fmt: skip
    try:
        s3 = boto3.client("s3", endpoint_url=server.endpoint, **BOTO)
        s3.create_bucket(Bucket="delivered-bucket")
        put = s3.put_object(Bucket="delivered-bucket", Key="N123AB/img.jpg", Body=b"jpeg")
        got = s3.get_object(Bucket="delivered-bucket", Key="N123AB/img.jpg")
        got["Body"].read()
        deadline = time.monotonic() + 30
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline and len(rows) < 2:
            time.sleep(0.5)
            rows = json.loads(
                _cli(server, "who", "--key", "N123AB/img.jpg", "--since", "1h", "--format", "json")
            )
        assert [r["operation"] for r in rows] == ["GetObject", "PutObject"]
        ids = {put["ResponseMetadata"]["RequestId"], got["ResponseMetadata"]["RequestId"]}
        assert {r["request_id"] for r in rows} == ids
        assert [r["http_status"] for r in rows] == [200, 200]
    finally:
        server.stop()


def test_archived_audit_files_are_left_out_of_queries(srv: Server, s3: Any) -> None:
    """After the lifecycle moves old partitions to GLACIER, queries still run over what is readable."""
    import io

    import pyarrow.parquet as pq

    key = f"archived/{uuid.uuid4().hex}.jpg"
    for hour, principal, storage_class in (("10", "carol", "STANDARD"), ("11", "dave", "GLACIER")):
        row = {"kind": "request", "time": f"2019-06-01T{hour}:00:00Z", "principal": principal,
               "operation": "GetObject", "bucket": "processed-images", "key": key}  # fmt: skip
        out = io.BytesIO()
        pq.write_table(schema.to_table([schema.to_row(row)]), out)
        s3.put_object(Bucket="audit-logs", Key=f"audit/dt=2019-06-01/hour={hour}/{uuid.uuid4().hex}.parquet",
                      Body=out.getvalue(), StorageClass=storage_class)  # fmt: skip
    endpoint = query.Endpoint(srv.endpoint, ROOT_USER, ROOT_PASSWORD)
    rows = query.run(f"SELECT principal FROM audit WHERE key = '{key}'", endpoint).to_pylist()
    assert rows == [{"principal": "carol"}]  # the GLACIER file would answer InvalidObjectState
