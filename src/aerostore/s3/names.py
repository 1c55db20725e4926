"""Bucket-name rules and owner identities.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from aerostore.s3 import errors

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def validate_bucket_name(name: str) -> None:
    """Raise InvalidBucketName unless ``name`` follows the general-purpose bucket rules."""
    if not _BUCKET_RE.match(name) or ".." in name or ".-" in name or "-." in name:
        raise errors.InvalidBucketName(BucketName=name)
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        raise errors.InvalidBucketName(BucketName=name)
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return
    raise errors.InvalidBucketName(BucketName=name)


def canonical_id(user: str) -> str:
    """A stable 64-hex canonical user id, the shape AWS uses for owners."""
    return hashlib.sha256(b"aerostore-user:" + user.encode()).hexdigest()


def owner_xml(user: str) -> list[tuple[str, str]]:
    return [("ID", canonical_id(user)), ("DisplayName", user)]
