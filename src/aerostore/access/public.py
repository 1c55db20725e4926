"""Public access block and object ownership: the documents and the rules they impose (pure).

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
and https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from aerostore.s3 import errors, xml

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
OBJECT_WRITER = "ObjectWriter"
OWNERSHIPS = (BUCKET_OWNER_ENFORCED, "BucketOwnerPreferred", OBJECT_WRITER)
# Canned ACLs that grant to someone besides the owner (AWS: "public" ones grant to AllUsers or
# AuthenticatedUsers).
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
CANNED_ACLS = {
    "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
    "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
}  # fmt: skip
# With BucketOwnerEnforced only this changes nothing and is accepted, as AWS does; even "private" is
# AccessControlListNotSupported there (ceph/s3-tests object_ownership, checked against AWS).
ENFORCED_ACLS = {"bucket-owner-full-control"}


@dataclass(frozen=True, slots=True)
class PublicAccessBlock:
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    def __or__(self, other: PublicAccessBlock) -> PublicAccessBlock:
        return PublicAccessBlock(*(a or b for a, b in zip(self.flags(), other.flags(), strict=True)))

    def flags(self) -> tuple[bool, bool, bool, bool]:
        return (self.block_public_acls, self.ignore_public_acls, self.block_public_policy,
                self.restrict_public_buckets)  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> PublicAccessBlock:
        return cls(**json.loads(text)) if text else NONE

    @classmethod
    def from_xml(cls, body: bytes) -> PublicAccessBlock:
        root = xml.parse(body, "PublicAccessBlockConfiguration")
        values = []
        for name in FLAGS:
            text = (xml.text(root, name) or "false").strip().lower()
            if text not in ("true", "false"):
                raise errors.MalformedXML()
            values.append(text == "true")
        return cls(*values)

    def to_xml(self) -> bytes:
        return xml.document("PublicAccessBlockConfiguration", list(zip(FLAGS, self.flags(), strict=True)))

    @classmethod
    def all(cls) -> PublicAccessBlock:
        return cls(True, True, True, True)


NONE = PublicAccessBlock()


def parse_ownership(body: bytes) -> str:
    root = xml.parse(body, "OwnershipControls")
    values = [xml.text(rule, "ObjectOwnership") for rule in root.findall("Rule")]
    if len(values) != 1 or values[0] not in OWNERSHIPS:
        raise errors.MalformedXML()
    return str(values[0])


def check_canned_acl(acl: str | None, ownership: str, block: PublicAccessBlock) -> None:
    """The x-amz-acl of a write or ACL request, against ownership and BlockPublicAcls."""
    if acl is None:
        return
    if acl not in CANNED_ACLS:
        raise errors.InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=acl)
    if ownership == BUCKET_OWNER_ENFORCED and acl not in ENFORCED_ACLS:
        raise errors.AccessControlListNotSupported()
    if block.block_public_acls and acl in PUBLIC_ACLS:
        raise errors.AccessDenied()
