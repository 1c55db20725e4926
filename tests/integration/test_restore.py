"""RestoreObject through boto3: 202, ongoing, 409, completed, same bytes, 200 with new Days, cold again.

The server runs with a 2-second lifecycle day and ``restore_delay_standard = 86400`` (one real
day, so one accelerated day: 2 s), long enough to watch the ongoing state, short enough to wait for.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
import uuid
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest
from botocore.exceptions import ClientError

from .conftest import client_for
from .server import Server, free_port
from .test_auth import error_code as raw_error_code
from .test_auth import send, signed

DAY = 2.0
BODY = b"restore me " * 20_000
RESTORE = {"Days": 1, "GlacierJobParameters": {"Tier": "Standard"}}


@pytest.fixture(scope="module")
def restore_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("restore")
    config = base / "aerostore.toml"
    config.write_text("[archive]\nrestore_delay_standard = 86400\nrestore_delay_expedited = 0\n")
    args = ["--lifecycle-day-seconds", str(DAY), "--config", str(config)]
    srv = Server(base / "data", free_port(), extra_args=args).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def s3(restore_server: Server):  # type: ignore[no-untyped-def]
    return client_for(restore_server)


@pytest.fixture
def bucket(s3) -> str:  # type: ignore[no-untyped-def]
    name = f"rest-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def wait_for(check, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def error_code(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        call()
    return str(exc.value.response["Error"]["Code"])


def restored(s3, bucket: str, key: str) -> bool:  # type: ignore[no-untyped-def]
    return 'ongoing-request="false"' in s3.head_object(Bucket=bucket, Key=key).get("Restore", "")


def test_restore_glacier_object_full_cycle(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    put = s3.put_object(Bucket=bucket, Key="k", Body=BODY, StorageClass="GLACIER", ChecksumAlgorithm="SHA256")
    started = s3.restore_object(Bucket=bucket, Key="k", RestoreRequest=RESTORE)
    assert started["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert s3.head_object(Bucket=bucket, Key="k")["Restore"] == 'ongoing-request="true"'
    assert error_code(lambda: s3.restore_object(Bucket=bucket, Key="k", RestoreRequest=RESTORE)) == (
        "RestoreAlreadyInProgress"
    )
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="k")) == "InvalidObjectState"

    wait_for(lambda: restored(s3, bucket, "k"))
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == BODY
    assert got["ETag"] == put["ETag"] and got["ChecksumSHA256"] == put["ChecksumSHA256"]
    assert got["StorageClass"] == "GLACIER"
    assert s3.get_object(Bucket=bucket, Key="k", Range="bytes=11-21")["Body"].read() == BODY[11:22]

    again = s3.restore_object(Bucket=bucket, Key="k", RestoreRequest={**RESTORE, "Days": 3})
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    header = s3.head_object(Bucket=bucket, Key="k")["Restore"]
    expiry = parsedate_to_datetime(header.split('expiry-date="')[1].rstrip('"')).timestamp()
    assert time.time() + 2 * DAY - 1 <= expiry <= time.time() + 4 * DAY + 1  # 3 days, rounded to a day

    wait_for(lambda: "Restore" not in s3.head_object(Bucket=bucket, Key="k"), timeout=4 * DAY + 10)
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="k")) == "InvalidObjectState"


def test_restore_temporary_copy_is_freed_after_expiry(s3, bucket: str, restore_server: Server) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="k", Body=BODY, StorageClass="DEEP_ARCHIVE")
    s3.restore_object(
        Bucket=bucket, Key="k", RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}}
    )
    wait_for(lambda: restored(s3, bucket, "k"))
    [path] = _meta(restore_server, "SELECT json_extract(s.value, '$[0]') FROM versions v, "
                   "json_each(v.restore, '$.segments') s WHERE v.bucket = ?", bucket)  # fmt: skip
    assert (restore_server.data_dir / path).is_file()
    wait_for(lambda: "Restore" not in s3.head_object(Bucket=bucket, Key="k"), timeout=2 * DAY + 10)
    # Its blob is garbage now: unlinked after the grace period (60 s) by the housekeeper.
    assert _meta(restore_server, "SELECT path FROM garbage WHERE path = ?", path) == [path]


def _meta(srv: Server, sql: str, *args: str) -> list[str]:
    with sqlite3.connect(f"file:{srv.data_dir / 'meta.sqlite3'}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute(sql, args)]


def test_restore_of_a_version_by_id(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=BODY, StorageClass="GLACIER")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"newer")
    fast = {"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}}
    reply = s3.restore_object(Bucket=bucket, Key="k", VersionId=old, RestoreRequest=fast)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 202
    wait_for(lambda: "false" in s3.head_object(Bucket=bucket, Key="k", VersionId=old).get("Restore", ""))
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=old)["Body"].read() == BODY


def test_restore_of_standard_object_is_invalid_object_state(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="k", Body=b"hot")
    assert error_code(lambda: s3.restore_object(Bucket=bucket, Key="k", RestoreRequest=RESTORE)) == (
        "InvalidObjectState"
    )


def test_restore_of_missing_key_or_version(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    assert (
        error_code(lambda: s3.restore_object(Bucket=bucket, Key="none", RestoreRequest=RESTORE))
        == "NoSuchKey"
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="GLACIER")
    missing = "A" * 32
    call = lambda: s3.restore_object(Bucket=bucket, Key="k", VersionId=missing, RestoreRequest=RESTORE)  # noqa: E731
    assert error_code(call) == "NoSuchVersion"
    s3.delete_object(Bucket=bucket, Key="k")
    assert (
        error_code(lambda: s3.restore_object(Bucket=bucket, Key="k", RestoreRequest=RESTORE)) == "NoSuchKey"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<RestoreRequest><Days>soon</Days></RestoreRequest>",
        b"<RestoreRequest><Days>0</Days></RestoreRequest>",
        b"<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Fast</Tier></GlacierJobParameters></RestoreRequest>",
        b"<Restore><Days>1</Days></Restore>",
    ],
    ids=["not-xml", "days-not-a-number", "days-zero", "unknown-tier", "wrong-root"],
)
def test_malformed_restore_request_is_malformed_xml(
    s3, bucket: str, body: bytes, restore_server: Server
) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="GLACIER")
    response = send(signed("POST", f"{restore_server.endpoint}/{bucket}/k?restore", body))
    assert (response.status_code, raw_error_code(response)) == (400, "MalformedXML")
    assert "Restore" not in s3.head_object(Bucket=bucket, Key="k")


def test_restore_post_reaches_the_body_hash(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    """The stored bytes after a restore hash like the original (a sanity check on the zstd round trip)."""
    data = bytes(range(256)) * 4096
    s3.put_object(Bucket=bucket, Key="k", Body=data, StorageClass="GLACIER")
    s3.restore_object(
        Bucket=bucket, Key="k", RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}}
    )
    wait_for(lambda: restored(s3, bucket, "k"))
    got = s3.get_object(Bucket=bucket, Key="k")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
