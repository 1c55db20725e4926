from __future__ import annotations

import base64
import hashlib
import os

import pytest
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def complete(s3, bucket: str, key: str, upload_id: str, parts: list[dict[str, object]],  # type: ignore[no-untyped-def]
             **extra: str):  # fmt: skip
    """CompleteMultipartUpload with ``parts``; ``extra`` carries headers such as ChecksumSHA256."""
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts}, **extra)  # fmt: skip


def upload_parts(s3, bucket: str, key: str, parts: list[bytes]) -> tuple[str, list[dict]]:  # type: ignore[type-arg]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    done = []
    for number, data in enumerate(parts, 1):
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)
        etag = part["ETag"]
        done.append({"PartNumber": number, "ETag": etag})
    return upload_id, done


def test_multipart_round_trip_and_etag(s3, bucket: str) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    upload_id, done = upload_parts(s3, bucket, "mp", parts)
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert [p["Size"] for p in listed] == [5 * MIB, 5 * MIB, 4]
    result = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                          MultipartUpload={"Parts": done})  # fmt: skip
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-3"
    assert result["ETag"] == f'"{expected}"'
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["Body"].read() == b"".join(parts)
    assert got["ETag"] == f'"{expected}"'
    second = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert second["Body"].read() == parts[1]
    assert second["PartsCount"] == 3


def test_multipart_entity_too_small(s3, bucket: str) -> None:
    upload_id, done = upload_parts(s3, bucket, "small", [b"a" * 100, b"b" * 100])
    with pytest.raises(ClientError) as exc:
        complete(s3, bucket, "small", upload_id, done)
    assert code(exc) == "EntityTooSmall"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="small")


def test_multipart_invalid_part_and_order(s3, bucket: str) -> None:
    upload_id, done = upload_parts(s3, bucket, "bad", [os.urandom(5 * MIB), b"x"])
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="bad", UploadId=upload_id,
                                     MultipartUpload={"Parts": list(reversed(done))})  # fmt: skip
    assert code(exc) == "InvalidPartOrder"
    wrong = [done[0], {"PartNumber": 2, "ETag": '"00000000000000000000000000000000"'}]
    with pytest.raises(ClientError) as exc:
        complete(s3, bucket, "bad", upload_id, wrong)
    assert code(exc) == "InvalidPart"
    complete(s3, bucket, "bad", upload_id, done)


def test_abort_and_list_uploads(s3, bucket: str) -> None:
    first = s3.create_multipart_upload(Bucket=bucket, Key="u1")["UploadId"]
    s3.create_multipart_upload(Bucket=bucket, Key="u2")
    keys = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    assert keys == ["u1", "u2"]
    s3.abort_multipart_upload(Bucket=bucket, Key="u1", UploadId=first)
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="u1", UploadId=first)
    assert code(exc) == "NoSuchUpload"
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == ["u2"]


def test_upload_part_copy_with_range(s3, bucket: str) -> None:
    source = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    first = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "src"},
                                CopySourceRange=f"bytes=0-{5 * MIB - 1}")  # fmt: skip
    second = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=2,
                                 CopySource={"Bucket": bucket, "Key": "src"},
                                 CopySourceRange="bytes=10-19")  # fmt: skip
    parts = [{"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
             {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]  # fmt: skip
    complete(s3, bucket, "dst", upload_id, parts)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == source[: 5 * MIB] + source[10:20]


def test_complete_with_if_none_match(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="exists", Body=b"old")
    upload_id, done = upload_parts(s3, bucket, "exists", [b"new"])
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="exists", UploadId=upload_id,
                                     MultipartUpload={"Parts": done}, IfNoneMatch="*")  # fmt: skip
    assert code(exc) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="exists")["Body"].read() == b"old"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA256"])
def test_multipart_composite_checksum(s3, bucket: str, algorithm: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="ck", ChecksumAlgorithm=algorithm)["UploadId"]
    parts = [os.urandom(5 * MIB), b"end"]
    done = []
    for number, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="ck", UploadId=upload_id, PartNumber=number, Body=data,
                           ChecksumAlgorithm=algorithm)  # fmt: skip
        name = f"Checksum{algorithm}"
        done.append({"PartNumber": number, "ETag": r["ETag"], name: r[name]})
    result = complete(s3, bucket, "ck", upload_id, done)
    assert result[f"Checksum{algorithm}"].endswith("-2")
    head = s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == result[f"Checksum{algorithm}"]


def test_complete_retried_after_success_answers_the_same(s3, bucket: str) -> None:
    upload_id, done = upload_parts(s3, bucket, "again", [b"only part"])
    first = complete(s3, bucket, "again", upload_id, done)
    second = complete(s3, bucket, "again", upload_id, done)
    assert second["ETag"] == first["ETag"]
    with pytest.raises(ClientError) as exc:
        complete(s3, bucket, "again", upload_id, [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}])
    assert code(exc) == "NoSuchUpload"


def sha256_upload(s3, bucket: str, key: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"A" * 1024,
                          ChecksumAlgorithm="SHA256")  # fmt: skip
    return upload_id, {"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]}


def test_complete_checks_the_declared_object_checksum(s3, bucket: str) -> None:
    upload_id, part = sha256_upload(s3, bucket, "declared")
    with pytest.raises(ClientError) as exc:
        complete(s3, bucket, "declared", upload_id, [part], ChecksumSHA256="bad")
    assert code(exc) == "BadDigest"
    digest = hashlib.sha256(base64.b64decode(part["ChecksumSHA256"])).digest()
    composite = base64.b64encode(digest).decode() + "-1"
    done = complete(s3, bucket, "declared", upload_id, [part], ChecksumSHA256=composite)
    assert (done["ChecksumSHA256"], done["ChecksumType"]) == (composite, "COMPOSITE")


def test_complete_part_checksums_must_match_and_be_present(s3, bucket: str) -> None:
    upload_id, part = sha256_upload(s3, bucket, "parts")
    wrong = dict(part, ChecksumSHA256=base64.b64encode(b"\0" * 32).decode())
    with pytest.raises(ClientError) as exc:
        complete(s3, bucket, "parts", upload_id, [wrong])
    assert code(exc) == "InvalidPart"
    bare = {"PartNumber": 1, "ETag": part["ETag"]}
    with pytest.raises(ClientError) as exc:
        complete(s3, bucket, "parts", upload_id, [bare])
    assert code(exc) == "InvalidRequest"


@pytest.mark.parametrize(("algorithm", "kind"), [("CRC64NVME", "COMPOSITE"), ("SHA256", "FULL_OBJECT")])
def test_create_upload_refuses_checksum_type_the_algorithm_cannot_combine(s3, bucket: str, algorithm: str,
                                                                          kind: str) -> None:  # fmt: skip
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm, ChecksumType=kind)
    assert code(exc) == "InvalidRequest"


def test_create_upload_crc64nvme_defaults_to_full_object(s3, bucket: str) -> None:
    created = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC64NVME")
    assert created["ChecksumType"] == "FULL_OBJECT"
