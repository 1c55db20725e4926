"""The image pipeline end to end through a real `aerostore serve` with its in-process image workers.

Uploads go into raw-uploads with boto3; the default architecture's queue carries their events to
the workers, which write processed-images and the media index (DATA/media.sqlite3).
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from click.testing import CliRunner
from PIL import Image

from aerostore.cli.main import cli

from .conftest import client_for, sqs_client_for
from .imaging import jpeg, queue_empty, rows_for, versions, wait_for, wait_row
from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

RAW, PROCESSED = "raw-uploads", "processed-images"
LONG_EDGES = {"thumb": 256, "preview": 1024, "large": 2048}


@pytest.fixture(scope="module")
def pipeline_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("pipeline") / "data", free_port(), image_workers=2).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def s3(pipeline_server: Server) -> Any:
    return client_for(pipeline_server)


@pytest.fixture(scope="module")
def sqs(pipeline_server: Server) -> Any:
    return sqs_client_for(pipeline_server)


@pytest.fixture(scope="module")
def index_path(pipeline_server: Server) -> Path:
    return pipeline_server.data_dir / "media.sqlite3"


def unique_key(prefix: str = "aircraft/N123AB") -> str:
    return f"{prefix}/{uuid.uuid4().hex[:12]}.jpg"


def test_upload_becomes_renditions_manifest_and_index_row(s3: Any, index_path: Path) -> None:
    data = jpeg(3000, 2000, colour=(10, 120, 200), orientation=6)
    key = unique_key("aircraft/g-abcd")
    s3.put_object(Bucket=RAW, Key=key, Body=data)
    row = wait_row(index_path, key, "processed")
    sha = hashlib.sha256(data).hexdigest()
    prefix = f"aircraft/G-ABCD/{sha[:16]}/"
    assert (row.sha256, row.aircraft, row.format, row.size) == (sha, "G-ABCD", "jpeg", len(data))
    assert (row.width, row.height) == (2000, 3000)  # upright: orientation 6 turns it
    assert (row.captured_at, row.make, row.model, row.lens) == (
        "2024-05-01T10:00:00",
        "Canon",
        "EOS R5",
        "RF24-105mm F4",
    )
    assert row.gps_lat == pytest.approx(48.35) and row.gps_lon == pytest.approx(11.5)
    assert row.prefix == prefix and row.manifest_key == prefix + "manifest.json"
    expected = {f"{prefix}{name}.{ext}" for name in LONG_EDGES for ext in ("webp", "jpg")}
    assert set(row.outputs) == expected
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=PROCESSED, Prefix=prefix)["Contents"]}
    assert listed == expected | {prefix + "manifest.json"}


def test_renditions_are_upright_resized_and_free_of_gps(s3: Any, index_path: Path) -> None:
    data = jpeg(3000, 2000, colour=(200, 60, 10), orientation=6)
    key = unique_key()
    s3.put_object(Bucket=RAW, Key=key, Body=data)
    row = wait_row(index_path, key, "processed")
    for output in row.outputs:
        body = s3.get_object(Bucket=PROCESSED, Key=output)["Body"].read()
        image = Image.open(io.BytesIO(body))
        rendition = output.rsplit("/", 1)[1].split(".")[0]
        assert max(image.size) == LONG_EDGES[rendition] and image.height > image.width, output
        assert not image.getexif(), output  # no EXIF at all: no GPS, no serial numbers
        assert b"GPS" not in body


def test_processed_objects_carry_metadata_tags_and_retention(s3: Any, index_path: Path) -> None:
    data = jpeg(1200, 800, colour=(90, 200, 90))
    key = unique_key()
    put = s3.put_object(Bucket=RAW, Key=key, Body=data)
    row = wait_row(index_path, key, "processed")
    sha = hashlib.sha256(data).hexdigest()
    for output in (*row.outputs, row.manifest_key):
        head = s3.head_object(Bucket=PROCESSED, Key=output)
        meta = head["Metadata"]
        assert meta["source-key"] == key and meta["source-bucket"] == RAW and meta["sha256"] == sha
        assert meta["aircraft"] == "N123AB" and meta["rendition"] in (*LONG_EDGES, "manifest")
        assert head["ObjectLockMode"] == "GOVERNANCE"
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=PROCESSED, Key=output)["TagSet"]}
        assert tags["source-key"] == key and tags["sha256"] == sha and tags["aircraft"] == "N123AB"
    manifest = json.loads(s3.get_object(Bucket=PROCESSED, Key=row.manifest_key)["Body"].read())
    assert manifest["source"] == {
        "bucket": RAW,
        "key": key,
        "versionId": None,
        "etag": put["ETag"].strip('"'),
    }
    assert manifest["sha256"] == sha and manifest["aircraft"] == "N123AB"
    sizes = {o["key"]: o["size"] for o in manifest["outputs"]}
    assert sizes == {o: s3.head_object(Bucket=PROCESSED, Key=o)["ContentLength"] for o in row.outputs}
    assert "gps" not in json.dumps(manifest).lower()


def test_duplicate_upload_is_recorded_and_writes_nothing(s3: Any, index_path: Path) -> None:
    data = jpeg(800, 600, colour=(30, 30, 160))
    first, second = unique_key(), unique_key("uploads")
    s3.put_object(Bucket=RAW, Key=first, Body=data)
    original = wait_row(index_path, first, "processed")
    before = versions(s3, PROCESSED, original.prefix or "")
    s3.put_object(Bucket=RAW, Key=second, Body=data)
    duplicate = wait_row(index_path, second, "processed")
    assert duplicate.duplicate_of == f"{RAW}/{first}"
    assert duplicate.outputs == original.outputs and duplicate.sha256 == original.sha256
    assert versions(s3, PROCESSED, original.prefix or "") == before


def test_same_bytes_uploaded_twice_at_once_are_processed_once(s3: Any, index_path: Path) -> None:
    data = jpeg(2400, 1600, seed=21)
    keys = [unique_key(), unique_key()]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=RAW, Key=key, Body=data), keys))
    rows = [wait_row(index_path, key, "processed") for key in keys]
    assert sorted(bool(row.duplicate_of) for row in rows) == [False, True]
    assert len(versions(s3, PROCESSED, rows[0].prefix or "")) == 7


def test_same_event_delivered_twice_changes_nothing(s3: Any, sqs: Any, index_path: Path) -> None:
    bucket, capture = f"replay-{uuid.uuid4().hex[:12]}", f"capture-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    capture_url = sqs.create_queue(QueueName=capture)["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:000000000000:{capture}"
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    key = unique_key()
    s3.put_object(Bucket=bucket, Key=key, Body=jpeg(900, 600, colour=(160, 160, 20)))
    body = wait_for(lambda: _created_event(sqs, capture_url), what="the recorded event")
    work_url = sqs.get_queue_url(QueueName="image-processing")["QueueUrl"]
    sqs.send_message(QueueUrl=work_url, MessageBody=body)
    row = wait_row(index_path, key, "processed")
    wait_for(lambda: queue_empty(sqs, work_url), what="the first delivery to be deleted")
    before = (versions(s3, PROCESSED, row.prefix or ""), rows_for(index_path, key))
    sqs.send_message(QueueUrl=work_url, MessageBody=body)
    wait_for(lambda: queue_empty(sqs, work_url), what="the second delivery to be deleted")
    assert (versions(s3, PROCESSED, row.prefix or ""), rows_for(index_path, key)) == before
    assert len(before[0]) == 7


def _created_event(sqs: Any, url: str) -> str | None:
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    ):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if "ObjectCreated" in message["Body"]:
            return str(message["Body"])
    return None


HOSTILE = {
    "zip-renamed-jpg": (b"PK\x03\x04" + bytes(200), "unsupported-format"),
    "zero-bytes": (b"", "empty"),
    "truncated-jpeg": (jpeg(800, 600, colour=(1, 2, 3))[:5000], "truncated"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "unsupported-format"),
}


@pytest.mark.parametrize(("body", "reason"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_upload_is_rejected_and_the_worker_keeps_going(
    s3: Any, sqs: Any, index_path: Path, body: bytes, reason: str
) -> None:
    bad, good = unique_key(), unique_key()
    s3.put_object(Bucket=RAW, Key=bad, Body=body)
    row = wait_row(index_path, bad, "rejected")
    assert row.reason == reason and row.detail
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=RAW, Key=bad)["TagSet"]}
    assert tags == {"aerostore-status": "rejected", "aerostore-reason": reason}
    s3.put_object(Bucket=RAW, Key=good, Body=jpeg(400, 300, colour=(len(body) % 250, 10, 99)))
    wait_row(index_path, good, "processed")
    work_url = sqs.get_queue_url(QueueName="image-processing")["QueueUrl"]
    wait_for(lambda: queue_empty(sqs, work_url), what="the queue to drain")


@pytest.fixture(scope="module")
def catalogue(s3: Any, index_path: Path) -> dict[str, Any]:
    """Uploads for the CLI and HTTP tests: one aircraft's two near-identical shots and a rejected file."""
    image = jpeg(1600, 1200, seed=7)
    other = io.BytesIO()
    picture = Image.open(io.BytesIO(image))
    picture.save(other, "JPEG", quality=70, exif=picture.info["exif"])  # the same shot, re-encoded
    keys = {
        "first": "aircraft/VH-OQA/first.jpg",
        "second": "aircraft/VH-OQA/second.jpg",
        "bad": "uploads/bad.jpg",
    }
    for name, body in (("first", image), ("second", other.getvalue()), ("bad", b"%PDF-1.7 not a picture")):
        s3.put_object(Bucket=RAW, Key=keys[name], Body=body)
    rows = {name: wait_row(index_path, key) for name, key in keys.items()}
    return {"keys": keys, "rows": rows}


def run_cli(server: Server, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["media", "--data-dir", str(server.data_dir), *args], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_media_ls_filters_by_aircraft_and_dates(pipeline_server: Server, catalogue: dict[str, Any]) -> None:
    listed = json.loads(run_cli(pipeline_server, "ls", "--aircraft", "VH-OQA", "--json"))
    assert {r["source_key"] for r in listed} == {catalogue["keys"]["first"], catalogue["keys"]["second"]}
    assert (
        json.loads(run_cli(pipeline_server, "ls", "--aircraft", "VH-OQA", "--from", "2024-05-02", "--json"))
        == []
    )
    same_day = run_cli(
        pipeline_server, "ls", "--aircraft", "VH-OQA", "--from", "2024-05-01", "--to", "2024-05-01"
    )
    assert "aircraft/VH-OQA/first.jpg" in same_day and "Media (2)" in same_day


def test_media_show_lists_outputs_and_near_duplicates(
    pipeline_server: Server, catalogue: dict[str, Any]
) -> None:
    first = catalogue["rows"]["first"]
    table = run_cli(pipeline_server, "show", first.sha256[:10])
    assert first.manifest_key in table and "Near-duplicates" in table and "second.jpg" in table
    shown = json.loads(run_cli(pipeline_server, "show", catalogue["keys"]["first"], "--json"))
    assert [n["source_key"] for n in shown["nearDuplicates"]] == [catalogue["keys"]["second"]]


def test_media_why_explains_a_rejection(pipeline_server: Server, catalogue: dict[str, Any]) -> None:
    why = run_cli(pipeline_server, "why", catalogue["keys"]["bad"])
    assert "rejected" in why and "unsupported-format" in why and "PDF" in why
    result = CliRunner().invoke(
        cli, ["media", "--data-dir", str(pipeline_server.data_dir), "why", "no/such.jpg"]
    )
    assert result.exit_code == 1 and "no upload" in result.output


def signed_get(server: Server, path: str) -> requests.Response:
    request = AWSRequest(method="GET", url=server.endpoint + path)
    SigV4Auth(Credentials(ROOT_USER, ROOT_PASSWORD), "s3", "us-east-1").add_auth(request)
    return requests.get(server.endpoint + path, headers=dict(request.headers), timeout=10)


def test_media_http_lists_and_shows(pipeline_server: Server, catalogue: dict[str, Any]) -> None:
    listed = signed_get(pipeline_server, "/-/media?aircraft=VH-OQA&status=processed")
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/json"
    assert {r["source_key"] for r in listed.json()["media"]} == {
        catalogue["keys"]["first"],
        catalogue["keys"]["second"],
    }
    first = catalogue["rows"]["first"]
    shown = signed_get(pipeline_server, f"/-/media/{first.sha256[:12]}").json()
    assert shown["media"][0]["gps_lat"] == pytest.approx(48.35)
    assert [n["source_key"] for n in shown["nearDuplicates"]] == [catalogue["keys"]["second"]]


@pytest.mark.parametrize(
    ("path", "signed", "status", "code"),
    [
        ("/-/media", False, 403, "AccessDenied"),
        ("/-/media/zz", True, 400, "InvalidArgument"),
        ("/-/media/0000000000", True, 404, "NoSuchMedia"),
        ("/-/media?from=soon", True, 400, "InvalidArgument"),
    ],
    ids=["unsigned", "not-hex", "unknown", "bad-date"],
)
def test_media_http_errors_are_json(
    pipeline_server: Server, path: str, signed: bool, status: int, code: str
) -> None:
    reply = (
        signed_get(pipeline_server, path)
        if signed
        else requests.get(pipeline_server.endpoint + path, timeout=10)
    )
    assert reply.status_code == status and reply.json()["error"]["code"] == code
