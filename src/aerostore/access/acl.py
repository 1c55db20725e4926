"""Legacy access control lists (pure): the stored form, canned ACLs, grant headers, the XML body.

An ACL is an owner (a user name; its canonical id is ``s3.names.canonical_id``) and grants to
canonical users (by id) or to the groups AllUsers, AuthenticatedUsers and LogDelivery. Stored as
JSON in the bucket's ``acl`` config row and in ``versions.acl``; grants apply only while the
bucket's Object Ownership enables ACLs.
See https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aerostore.s3 import errors, xml
from aerostore.s3.names import canonical_id

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
PUBLIC_GROUPS = (ALL_USERS, AUTHENTICATED_USERS)
PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
CANONICAL_USER = "CanonicalUser"
GROUP = "Group"
X_AMZ_ACL = "x-amz-acl"
GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}
_XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_GRANTEE_RE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*', re.IGNORECASE)
# Resolves a canonical user id to its user name, None when no user has it.
Resolver = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Grant:
    kind: str  # CANONICAL_USER (value: the user name) or GROUP (value: the group URI)
    value: str
    permission: str


@dataclass(frozen=True, slots=True)
class Acl:
    owner: str
    grants: tuple[Grant, ...]

    def to_json(self) -> str:
        grants = [[g.kind, g.value, g.permission] for g in self.grants]
        return json.dumps({"owner": self.owner, "grants": grants})

    @classmethod
    def from_json(cls, text: str, owner: str) -> Acl:
        """A stored ACL; a bare canned name (older bucket rows) is expanded for ``owner``."""
        if not text.startswith("{"):
            return canned(text, owner, owner)
        found = json.loads(text)
        return cls(found["owner"], tuple(Grant(*g) for g in found["grants"]))

    @property
    def owner_only(self) -> bool:
        """Grants to no one but the owner (what BucketOwnerEnforced requires of a bucket ACL)."""
        return all(g.kind == CANONICAL_USER and g.value == self.owner for g in self.grants)

    @property
    def is_public(self) -> bool:
        """Grants to AllUsers or AuthenticatedUsers (what BlockPublicAcls refuses)."""
        return any(g.kind == GROUP and g.value in PUBLIC_GROUPS for g in self.grants)

    def allows(self, user: str | None, permission: str, *, ignore_public: bool = False) -> bool:
        """Whether ``user`` (None: anonymous) holds ``permission`` (or FULL_CONTROL) by a grant.

        The owner may always read and write the ACL itself, as on AWS."""
        if user == self.owner and permission in ("READ_ACP", "WRITE_ACP"):
            return True
        for grant in self.grants:
            if grant.permission not in (permission, "FULL_CONTROL"):
                continue
            if grant.kind == CANONICAL_USER and user is not None and grant.value == user:
                return True
            if grant.kind == GROUP and not ignore_public:
                if grant.value == ALL_USERS or (grant.value == AUTHENTICATED_USERS and user is not None):
                    return True
        return False


def owner_of(stored: str | None, bucket_owner: str) -> str:
    """The owner of an object whose ``versions.acl`` is ``stored``: its writer, or the bucket owner."""
    return bucket_owner if stored is None else Acl.from_json(stored, bucket_owner).owner


def private(owner: str) -> Acl:
    return Acl(owner, (Grant(CANONICAL_USER, owner, "FULL_CONTROL"),))


def canned(name: str, owner: str, bucket_owner: str) -> Acl:
    """A canned ACL expanded as AWS does.

    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
    """
    base = private(owner).grants
    extra: tuple[Grant, ...] = ()
    if name == "public-read":
        extra = (Grant(GROUP, ALL_USERS, "READ"),)
    elif name == "public-read-write":
        extra = (Grant(GROUP, ALL_USERS, "READ"), Grant(GROUP, ALL_USERS, "WRITE"))
    elif name == "authenticated-read":
        extra = (Grant(GROUP, AUTHENTICATED_USERS, "READ"),)
    elif name == "log-delivery-write":
        extra = (Grant(GROUP, LOG_DELIVERY, "WRITE"), Grant(GROUP, LOG_DELIVERY, "READ_ACP"))
    elif name in ("bucket-owner-read", "bucket-owner-full-control") and bucket_owner != owner:
        permission = "READ" if name == "bucket-owner-read" else "FULL_CONTROL"
        extra = (Grant(CANONICAL_USER, bucket_owner, permission),)
    return Acl(owner, base + extra)


def has_grant_headers(headers: Mapping[str, str]) -> bool:
    return any(name in headers for name in GRANT_HEADERS)


def from_headers(headers: Mapping[str, str], owner: str, resolve: Resolver) -> Acl:
    """``x-amz-grant-*: id="...", uri="..."``; an e-mail grantee cannot be resolved here."""
    grants = []
    for name, permission in GRANT_HEADERS.items():
        if name not in headers:
            continue
        for item in headers[name].split(","):
            match = _GRANTEE_RE.fullmatch(item)
            if match is None:
                raise errors.InvalidArgument(ArgumentName=name, ArgumentValue=headers[name])
            grants.append(_grant(match.group(1).lower(), match.group(2), permission, resolve))
    return Acl(owner, tuple(grants))


def _grant(kind: str, value: str, permission: str, resolve: Resolver) -> Grant:
    if kind == "emailaddress":
        raise errors.UnresolvableGrantByEmailAddress()
    if kind == "uri":
        if value not in GROUPS:
            raise errors.InvalidArgument("Invalid group uri", ArgumentName="uri", ArgumentValue=value)
        return Grant(GROUP, value, permission)
    user = resolve(value)
    if user is None:
        raise errors.InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=value)
    return Grant(CANONICAL_USER, user, permission)


def from_xml(body: bytes, owner: str, resolve: Resolver) -> Acl:
    """An AccessControlPolicy document; anything not following the schema is MalformedACLError."""
    try:
        root = xml.parse(body, "AccessControlPolicy")
    except errors.MalformedXML as exc:
        raise errors.MalformedACLError() from exc
    grants = []
    for element in root.findall("AccessControlList/Grant"):
        grantee, permission = element.find("Grantee"), xml.text(element, "Permission")
        if grantee is None or permission not in PERMISSIONS:
            raise errors.MalformedACLError()
        kind = grantee.get(_XSI_TYPE) or ""
        if kind == CANONICAL_USER and xml.text(grantee, "ID"):
            grants.append(_grant("id", str(xml.text(grantee, "ID")), str(permission), resolve))
        elif kind == GROUP and xml.text(grantee, "URI"):
            grants.append(_grant("uri", str(xml.text(grantee, "URI")), str(permission), resolve))
        elif kind == "AmazonCustomerByEmail":
            raise errors.UnresolvableGrantByEmailAddress()
        else:
            raise errors.MalformedACLError()
    return Acl(owner, tuple(grants))


def to_xml(acl: Acl) -> bytes:
    """The AccessControlPolicy document of GetBucketAcl / GetObjectAcl."""
    esc = xml.escape
    items = []
    # Group grants first (a stable sort): the order RGW answers, which ceph/s3-tests index into.
    for grant in sorted(acl.grants, key=lambda g: g.kind != GROUP):
        if grant.kind == CANONICAL_USER:
            who = f"<ID>{canonical_id(grant.value)}</ID><DisplayName>{esc(grant.value)}</DisplayName>"
        else:
            who = f"<URI>{esc(grant.value)}</URI>"
        items.append(f'<Grant><Grantee {_XSI} xsi:type="{grant.kind}">{who}</Grantee>'
                     f"<Permission>{grant.permission}</Permission></Grant>")  # fmt: skip
    owner = f"<ID>{canonical_id(acl.owner)}</ID><DisplayName>{esc(acl.owner)}</DisplayName>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="{xml.S3_NS}">'
        f"<Owner>{owner}</Owner><AccessControlList>{''.join(items)}</AccessControlList>"
        "</AccessControlPolicy>"
    ).encode()
