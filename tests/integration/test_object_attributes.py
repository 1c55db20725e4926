"""GetObjectAttributes through boto3: single objects, multipart parts and their pagination."""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError

from .test_multipart import MIB, code, complete, upload_parts

ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def test_get_object_attributes_single_object(s3, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="one", Body=b"A" * 1024, ChecksumAlgorithm="SHA256")
    got = s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=ALL)
    assert got["ETag"] == put["ETag"].strip('"')
    assert (got["ObjectSize"], got["StorageClass"]) == (1024, "STANDARD")
    assert got["Checksum"] == {"ChecksumSHA256": put["ChecksumSHA256"], "ChecksumType": "FULL_OBJECT"}
    assert "ObjectParts" not in got


def test_get_object_attributes_multipart_pages(s3, bucket: str) -> None:
    upload_id, done = upload_parts(s3, bucket, "mp", [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"])
    complete(s3, bucket, "mp", upload_id, done)
    got = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=ALL, MaxParts=1,
                                   PartNumberMarker=1)  # fmt: skip
    parts = got["ObjectParts"]
    assert (parts["TotalPartsCount"], parts["IsTruncated"], parts["NextPartNumberMarker"]) == (3, True, 2)
    assert parts["Parts"] == [{"PartNumber": 2, "Size": 5 * MIB}]
    assert got["ObjectSize"] == 10 * MIB + 4


def test_get_object_attributes_composite_checksum_has_no_part_suffix(s3, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="ck", ChecksumAlgorithm="SHA256")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="ck", UploadId=upload_id, PartNumber=1, Body=b"x",
                          ChecksumAlgorithm="SHA256")  # fmt: skip
    listed = {"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]}
    done = complete(s3, bucket, "ck", upload_id, [listed])
    got = s3.get_object_attributes(Bucket=bucket, Key="ck", ObjectAttributes=["Checksum"])
    expected = done["ChecksumSHA256"].removesuffix("-1")
    assert got["Checksum"] == {"ChecksumSHA256": expected, "ChecksumType": "COMPOSITE"}


def test_get_object_attributes_unknown_name(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="one", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=["Colour"])
    assert code(exc) == "InvalidArgument"


def test_get_object_attributes_missing_key(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="none", ObjectAttributes=["ETag"])
    assert code(exc) == "NoSuchKey"
