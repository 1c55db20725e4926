"""Storage classes and the archive tier through boto3: classes shown everywhere, GLACIER refused on GET.

The server runs with a 2-second lifecycle day and its archive directory on a path of its own
(``--archive-dir``), so the test can watch archived files appear and go.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from .conftest import client_for
from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

HOT_CLASSES = ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"]
ARCHIVE_CLASSES = ["GLACIER", "DEEP_ARCHIVE"]
BODY = b"archive me " * 10_000  # 110 KB: a blob file, not inline


@pytest.fixture(scope="module")
def archive_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("archive")
    args = ["--lifecycle-day-seconds", "2", "--archive-dir", str(base / "cold")]
    srv = Server(base / "data", free_port(), extra_args=args).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def s3(archive_server: Server):  # type: ignore[no-untyped-def]
    return client_for(archive_server)


@pytest.fixture
def bucket(s3) -> str:  # type: ignore[no-untyped-def]
    name = f"arch-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def archive_file(srv: Server, bucket: str, key: str) -> Path | None:
    """The archived copy's file, read from the server's metadata (None while the bytes are hot)."""
    with sqlite3.connect(f"file:{srv.data_dir / 'meta.sqlite3'}?mode=ro", uri=True) as conn:
        sql = "SELECT json_extract(archive, '$.ref') FROM versions WHERE bucket = ? AND key = ?"
        row = conn.execute(sql, (bucket, key)).fetchone()
    path = None if row is None or row[0] is None else srv.data_dir.parent / "cold" / row[0]
    return path if path is not None and path.exists() else None


def wait_for(check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize("storage_class", HOT_CLASSES + ARCHIVE_CLASSES)
def test_put_object_storage_class_is_shown_everywhere(s3, bucket: str, storage_class: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", StorageClass=storage_class)
    shown = None if storage_class == "STANDARD" else storage_class  # AWS omits the header for STANDARD
    assert s3.head_object(Bucket=bucket, Key="k").get("StorageClass") == shown
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["StorageClass"] == storage_class
    assert s3.list_objects(Bucket=bucket)["Contents"][0]["StorageClass"] == storage_class
    assert s3.list_object_versions(Bucket=bucket)["Versions"][0]["StorageClass"] == storage_class
    if storage_class in HOT_CLASSES:
        got = s3.get_object(Bucket=bucket, Key="k")
        assert got.get("StorageClass") == shown and got["Body"].read() == b"data"


@pytest.mark.parametrize("storage_class", ["STANDARD_IA", "GLACIER", "DEEP_ARCHIVE"])
def test_multipart_storage_class_in_uploads_parts_and_object(s3, bucket: str, storage_class: str) -> None:  # type: ignore[no-untyped-def]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", StorageClass=storage_class)
    uid = upload["UploadId"]
    assert s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["StorageClass"] == storage_class
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"part")
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["StorageClass"] == storage_class
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload=parts)
    assert s3.head_object(Bucket=bucket, Key="mp")["StorageClass"] == storage_class


def test_copy_object_sets_storage_class(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="src", Body=b"data")
    s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, StorageClass="ONEZONE_IA"
    )
    assert s3.head_object(Bucket=bucket, Key="dst")["StorageClass"] == "ONEZONE_IA"


@pytest.mark.parametrize("storage_class", ARCHIVE_CLASSES)
def test_get_archived_object_is_invalid_object_state(s3, bucket: str, storage_class: str) -> None:  # type: ignore[no-untyped-def]
    put = s3.put_object(Bucket=bucket, Key="cold", Body=BODY, StorageClass=storage_class)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="cold")
    assert exc.value.response["Error"]["Code"] == "InvalidObjectState"
    assert exc.value.response["Error"]["StorageClass"] == storage_class
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert (head["ContentLength"], head["ETag"], head["StorageClass"]) == (
        len(BODY),
        put["ETag"],
        storage_class,
    )
    assert "Restore" not in head


def test_copy_from_archived_source_is_invalid_object_state(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="cold", Body=BODY, StorageClass="GLACIER")
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "cold"})
    assert exc.value.response["Error"]["Code"] == "InvalidObjectState"
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "cold"})  # fmt: skip
    assert exc.value.response["Error"]["Code"] == "InvalidObjectState"


def test_put_glacier_moves_bytes_to_the_archive_dir(s3, bucket: str, archive_server: Server) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="cold", Body=BODY, StorageClass="GLACIER")
    archived = wait_for(lambda: archive_file(archive_server, bucket, "cold"))
    assert archived.stat().st_size < len(BODY) / 10  # zstd shrinks the repeats
    assert s3.head_object(Bucket=bucket, Key="cold")["ContentLength"] == len(BODY)


def test_deleting_an_archived_version_deletes_its_archive_file(
    s3, bucket: str, archive_server: Server
) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="cold", Body=BODY, StorageClass="DEEP_ARCHIVE")
    archived = wait_for(lambda: archive_file(archive_server, bucket, "cold"))
    s3.delete_object(Bucket=bucket, Key="cold")
    wait_for(lambda: not archived.exists())


def test_glacier_ir_and_ia_classes_stay_readable(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    for storage_class in ("GLACIER_IR", "STANDARD_IA", "ONEZONE_IA"):
        s3.put_object(Bucket=bucket, Key=storage_class, Body=BODY, StorageClass=storage_class)
        assert s3.get_object(Bucket=bucket, Key=storage_class)["Body"].read() == BODY


# ---- a remote S3 endpoint as the archive tier (a second aerostore plays the remote) ----


@pytest.fixture(scope="module")
def remote_tier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    base = tmp_path_factory.mktemp("remote")
    remote = Server(base / "remote", free_port()).start()
    try:
        client_for(remote).create_bucket(Bucket="cold-tier")
        config = base / "aerostore.toml"
        config.write_text(
            '[archive]\ntier = "remote"\nrestore_delay_expedited = 0\n'
            f'[tiers.remote]\ntype = "s3"\nendpoint = "{remote.endpoint}"\nbucket = "cold-tier"\n'
            f'prefix = "aero/"\naccess_key = "{ROOT_USER}"\nsecret_key = "{ROOT_PASSWORD}"\n'
        )
        args = ["--lifecycle-day-seconds", "2", "--config", str(config)]
        local = Server(base / "local", free_port(), extra_args=args).start()
        yield local, remote
        local.stop()
    finally:
        remote.stop()


def test_remote_tier_holds_the_bytes_and_restores_them(remote_tier: tuple[Server, Server]) -> None:
    local, remote = remote_tier
    s3, cold = client_for(local), client_for(remote)
    s3.create_bucket(Bucket="bkt")
    put = s3.put_object(Bucket="bkt", Key="k", Body=BODY, StorageClass="GLACIER")
    [stored] = wait_for(lambda: cold.list_objects_v2(Bucket="cold-tier", Prefix="aero/").get("Contents"))
    assert stored["Size"] < len(BODY) / 10
    # The hot copy is freed: no segments, no inline body, its blob queued for unlinking.
    with sqlite3.connect(f"file:{local.data_dir / 'meta.sqlite3'}?mode=ro", uri=True) as conn:
        seq, segments = conn.execute("SELECT seq, segments FROM versions WHERE key = 'k'").fetchone()
        assert segments == "[]"
        assert conn.execute("SELECT COUNT(*) FROM inline_data WHERE seq = ?", (seq,)).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM garbage").fetchone()[0] >= 1
    s3.restore_object(
        Bucket="bkt", Key="k", RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}}
    )
    wait_for(lambda: 'ongoing-request="false"' in s3.head_object(Bucket="bkt", Key="k").get("Restore", ""))
    got = s3.get_object(Bucket="bkt", Key="k")
    assert got["Body"].read() == BODY and got["ETag"] == put["ETag"]
    s3.delete_object(Bucket="bkt", Key="k")
    wait_for(lambda: not cold.list_objects_v2(Bucket="cold-tier", Prefix="aero/").get("Contents"))
