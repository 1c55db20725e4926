"""AWS flexible checksums: CRC32, CRC32C, CRC64NVME, SHA1 and SHA256, as S3 renders them.

A checksum travels as base64 of the big-endian digest (``x-amz-checksum-crc32: sOO8/Q==``).
A multipart object has either a composite checksum, the hash of the parts' concatenated
digests suffixed ``-<parts>``, or a full-object CRC combined from the parts' CRCs.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Sequence
from typing import Protocol

from awscrt import checksums as crt  # type: ignore[import-untyped]

from aerostore.s3 import errors

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
FULL_OBJECT_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME")
COMPOSITE_ALGORITHMS = ("CRC32", "CRC32C", "SHA1", "SHA256")  # CRC64NVME is full-object only

_CRCS: dict[str, tuple[Callable[[bytes, int], int], Callable[[int, int, int], int], int]] = {
    "CRC32": (crt.crc32, crt.combine_crc32, 4),
    "CRC32C": (crt.crc32c, crt.combine_crc32c, 4),
    "CRC64NVME": (crt.crc64nvme, crt.combine_crc64nvme, 8),
}
_HASHES = {"SHA1": (hashlib.sha1, 20), "SHA256": (hashlib.sha256, 32)}


class Hasher(Protocol):
    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...

    def digest_b64(self) -> str: ...


class _CrcHasher:
    __slots__ = ("_crc", "_width", "value")

    def __init__(self, crc: Callable[[bytes, int], int], width: int) -> None:
        self._crc, self._width, self.value = crc, width, 0

    def update(self, data: bytes) -> None:
        self.value = self._crc(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(self._width, "big")

    def digest_b64(self) -> str:
        return base64.b64encode(self.digest()).decode()


class _HashlibHasher:
    __slots__ = ("_hash",)

    def __init__(self, factory: Callable[[], hashlib._Hash]) -> None:
        self._hash = factory()

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()

    def digest_b64(self) -> str:
        return base64.b64encode(self._hash.digest()).decode()


def normalize(algorithm: str) -> str:
    """The algorithm's AWS spelling; clients may send it in any case (``crc32``, ``Crc32``)."""
    name = algorithm.upper()
    if name not in ALGORITHMS:
        raise errors.InvalidRequest(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
            "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    return name


def header_name(algorithm: str) -> str:
    """``x-amz-checksum-crc32`` and so on."""
    return f"x-amz-checksum-{normalize(algorithm).lower()}"


def digest_size(algorithm: str) -> int:
    name = normalize(algorithm)
    return _CRCS[name][2] if name in _CRCS else _HASHES[name][1]


def new_hasher(algorithm: str) -> Hasher:
    """An incremental hasher whose ``digest_b64()`` is the header value AWS would send."""
    name = normalize(algorithm)
    if name in _CRCS:
        return _CrcHasher(_CRCS[name][0], _CRCS[name][2])
    return _HashlibHasher(_HASHES[name][0])


def decode(algorithm: str, value_b64: str) -> bytes:
    """The digest a checksum header carries; InvalidRequest unless it is base64 of the right size."""
    try:
        digest = base64.b64decode(value_b64, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != digest_size(algorithm):
        raise errors.InvalidRequest(f"Value for {header_name(algorithm)} header is invalid.")
    return digest


def combine_full_object(algorithm: str, parts: Sequence[tuple[str, int]]) -> str:
    """The CRC of a whole multipart object from each part's (base64 CRC, size), in part order.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#full-object-checksums
    """
    name = normalize(algorithm)
    if name not in _CRCS:
        raise errors.InvalidRequest(
            f"The FULL_OBJECT checksum type cannot be used with the {name} algorithm."
        )
    _, combine, width = _CRCS[name]
    value = 0
    for part_b64, size in parts:
        value = combine(value, int.from_bytes(decode(name, part_b64), "big"), size)
    return base64.b64encode(value.to_bytes(width, "big")).decode()


def composite(algorithm: str, part_checksums_b64: Sequence[str]) -> str:
    """``base64(hash(digest1 + digest2 + ...))-<parts>``, AWS's checksum-of-checksums.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#large-object-checksums
    """
    name = normalize(algorithm)
    if name not in COMPOSITE_ALGORITHMS:
        raise errors.InvalidRequest(f"The COMPOSITE checksum type cannot be used with the {name} algorithm.")
    hasher = new_hasher(name)
    for part_b64 in part_checksums_b64:
        hasher.update(decode(name, part_b64))
    return f"{hasher.digest_b64()}-{len(part_checksums_b64)}"
