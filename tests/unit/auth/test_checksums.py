"""Flexible checksums against botocore's own implementations of the same algorithms."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from botocore.httpchecksum import (
    BaseChecksum,
    Crc32Checksum,
    CrtCrc32cChecksum,
    CrtCrc32Checksum,
    CrtCrc64NvmeChecksum,
    Sha1Checksum,
    Sha256Checksum,
)

from aerostore.auth import checksums
from aerostore.s3 import errors

BOTOCORE: dict[str, type[BaseChecksum]] = {
    "CRC32": CrtCrc32Checksum,
    "CRC32C": CrtCrc32cChecksum,
    "CRC64NVME": CrtCrc64NvmeChecksum,
    "SHA1": Sha1Checksum,
    "SHA256": Sha256Checksum,
}
DATA = os.urandom(1024 * 1024 + 7)


def botocore_b64(algorithm: str, data: bytes) -> str:
    checksum = BOTOCORE[algorithm]()
    checksum.update(data)
    return checksum.b64digest()


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
@pytest.mark.parametrize("size", [0, 1, 1000, len(DATA)])
def test_hasher_matches_botocore(algorithm: str, size: int) -> None:
    hasher = checksums.new_hasher(algorithm)
    for start in range(0, size, 65536):
        hasher.update(DATA[start : min(size, start + 65536)])
    assert hasher.digest_b64() == botocore_b64(algorithm, DATA[:size])
    assert len(hasher.digest()) == checksums.digest_size(algorithm)


def test_crc32_matches_botocores_pure_python_crc32() -> None:
    expected = Crc32Checksum()
    expected.update(DATA)
    hasher = checksums.new_hasher("crc32")
    hasher.update(DATA)
    assert hasher.digest_b64() == expected.b64digest()


def test_crc32c_of_the_aws_docs_example() -> None:
    hasher = checksums.new_hasher("CRC32C")
    hasher.update(b"a" * 66560)
    assert hasher.digest_b64() == "sOO8/Q=="


@pytest.mark.parametrize(
    ("algorithm", "header"),
    [
        ("CRC32", "x-amz-checksum-crc32"),
        ("crc32c", "x-amz-checksum-crc32c"),
        ("Crc64Nvme", "x-amz-checksum-crc64nvme"),
        ("SHA1", "x-amz-checksum-sha1"),
        ("sha256", "x-amz-checksum-sha256"),
    ],
)
def test_header_name(algorithm: str, header: str) -> None:
    assert checksums.header_name(algorithm) == header


@pytest.mark.parametrize("algorithm", ["MD5", "SHA512", "XXHASH64", ""])
def test_unsupported_algorithm(algorithm: str) -> None:
    with pytest.raises(errors.InvalidRequest, match="unsupported"):
        checksums.new_hasher(algorithm)


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    parts, start = [], 0
    for size in sizes:
        parts.append(data[start : start + size])
        start += size
    return parts + [data[start:]]


@pytest.mark.parametrize("algorithm", checksums.FULL_OBJECT_ALGORITHMS)
@pytest.mark.parametrize(
    "sizes", [[], [5 * 1024], [100, 200_000, 3], [0, 1, 0]], ids=["one", "two", "four", "tiny"]
)
def test_full_object_crc_combines_part_crcs(algorithm: str, sizes: list[int]) -> None:
    parts = split(DATA, sizes)
    part_checksums = [(botocore_b64(algorithm, part), len(part)) for part in parts]
    assert checksums.combine_full_object(algorithm, part_checksums) == botocore_b64(algorithm, DATA)


@pytest.mark.parametrize("algorithm", checksums.FULL_OBJECT_ALGORITHMS)
def test_full_object_crc_of_no_parts_is_the_empty_crc(algorithm: str) -> None:
    assert checksums.combine_full_object(algorithm, []) == botocore_b64(algorithm, b"")


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256"])
def test_full_object_needs_a_crc(algorithm: str) -> None:
    with pytest.raises(errors.InvalidRequest, match="FULL_OBJECT"):
        checksums.combine_full_object(algorithm, [(botocore_b64(algorithm, b"x"), 1)])


@pytest.mark.parametrize("algorithm", checksums.COMPOSITE_ALGORITHMS)
def test_composite_is_the_checksum_of_the_part_checksums(algorithm: str) -> None:
    parts = split(DATA, [300_000, 300_000])
    part_checksums = [botocore_b64(algorithm, part) for part in parts]
    raw = b"".join(base64.b64decode(value) for value in part_checksums)
    assert checksums.composite(algorithm, part_checksums) == f"{botocore_b64(algorithm, raw)}-3"


def test_composite_of_crc64nvme_is_not_allowed() -> None:
    with pytest.raises(errors.InvalidRequest, match="COMPOSITE"):
        checksums.composite("CRC64NVME", [botocore_b64("CRC64NVME", b"x")])


@pytest.mark.parametrize("value", ["not base64!", "AAAA", "AAAAAAAAAAA=", ""])
def test_invalid_part_checksum(value: str) -> None:
    with pytest.raises(errors.InvalidRequest, match="x-amz-checksum-crc32"):
        checksums.composite("CRC32", [value])


def test_decode_returns_the_digest() -> None:
    assert checksums.decode("SHA256", botocore_b64("SHA256", b"x")) == hashlib.sha256(b"x").digest()
