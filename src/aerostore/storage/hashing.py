"""Digests the engine computes itself: copies, part copies, multipart ETags and checksums.

Checksum algorithms (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and their composite and
full-object combinations live in ``aerostore.auth.checksums``; they are imported when first
needed so the engine does not depend on that module for plain MD5 work.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Iterable
from typing import Protocol

from aerostore.storage.model import Digests


class Hasher(Protocol):
    def update(self, data: bytes) -> None: ...

    def digest_b64(self) -> str: ...


def new_checksum(algorithm: str) -> Hasher:
    from aerostore.auth import checksums

    hasher: Hasher = checksums.new_hasher(algorithm)
    return hasher


class Digester:
    """MD5 plus at most one checksum, fed chunk by chunk (on a blob thread)."""

    def __init__(self, algorithm: str | None) -> None:
        self.md5 = hashlib.md5()
        self.algorithm = algorithm
        self.checksum = new_checksum(algorithm) if algorithm else None
        self.size = 0

    def update(self, data: bytes) -> None:
        self.md5.update(data)
        if self.checksum is not None:
            self.checksum.update(data)
        self.size += len(data)

    def digests(self) -> Digests:
        checksums = {}
        if self.algorithm and self.checksum is not None:
            checksums[self.algorithm] = self.checksum.digest_b64()
        return Digests(md5_hex=self.md5.hexdigest(), size=self.size, checksums=checksums)


def multipart_etag(part_md5_hexes: Iterable[str]) -> str:
    """S3's multipart ETag: MD5 of the concatenated binary part MD5s, then ``-<count>``."""
    md5 = hashlib.md5()
    count = 0
    for hex_md5 in part_md5_hexes:
        md5.update(binascii.unhexlify(hex_md5))
        count += 1
    return f"{md5.hexdigest()}-{count}"


def multipart_checksum(algorithm: str, checksum_type: str, parts: list[tuple[str, int]]) -> str:
    """The object checksum of a completed upload from its parts' (base64 checksum, size).

    COMPOSITE is the checksum of the concatenated part checksums, suffixed ``-N``;
    FULL_OBJECT combines CRCs as if computed over the whole object.
    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
    """
    from aerostore.auth import checksums

    if checksum_type == "FULL_OBJECT":
        return str(checksums.combine_full_object(algorithm, parts))
    return str(checksums.composite(algorithm, [value for value, _ in parts]))
