"""access/acl.py: canned expansion, grant headers, the XML body, and who a grant allows."""

from __future__ import annotations

import pytest

from aerostore.access import acl
from aerostore.s3 import errors
from aerostore.s3.names import canonical_id

USERS = {canonical_id(name): name for name in ("root", "alice")}


def resolve(cid: str) -> str | None:
    return USERS.get(cid)


def _pairs(found: acl.Acl) -> set[tuple[str, str]]:
    return {(g.value, g.permission) for g in found.grants}


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("private", set()),
        ("public-read", {(acl.ALL_USERS, "READ")}),
        ("public-read-write", {(acl.ALL_USERS, "READ"), (acl.ALL_USERS, "WRITE")}),
        ("authenticated-read", {(acl.AUTHENTICATED_USERS, "READ")}),
        ("log-delivery-write", {(acl.LOG_DELIVERY, "WRITE"), (acl.LOG_DELIVERY, "READ_ACP")}),
        ("bucket-owner-read", {("root", "READ")}),
        ("bucket-owner-full-control", {("root", "FULL_CONTROL")}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_canned_acls_expand_as_aws(name: str, extra: set[tuple[str, str]]) -> None:
    assert _pairs(acl.canned(name, "alice", "root")) == {("alice", "FULL_CONTROL")} | extra


def test_bucket_owner_canned_acls_add_nothing_for_the_bucket_owner() -> None:
    assert _pairs(acl.canned("bucket-owner-full-control", "root", "root")) == {("root", "FULL_CONTROL")}


def test_grant_headers_resolve_ids_and_groups() -> None:
    headers = {"x-amz-grant-read": f'id="{canonical_id("alice")}", uri="{acl.ALL_USERS}"',
               "x-amz-grant-write-acp": f"id={canonical_id('root')}"}  # fmt: skip
    found = acl.from_headers(headers, "root", resolve)
    assert _pairs(found) == {("alice", "READ"), (acl.ALL_USERS, "READ"), ("root", "WRITE_ACP")}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ('emailAddress="a@example.com"', errors.UnresolvableGrantByEmailAddress),
        ('id="' + "f" * 64 + '"', errors.InvalidArgument),
        ('uri="http://example.com/"', errors.InvalidArgument),
        ("nonsense", errors.InvalidArgument),
    ],
    ids=["email", "unknown-id", "unknown-group", "shape"],
)
def test_grant_header_refusals(value: str, error: type[errors.S3Error]) -> None:
    with pytest.raises(error):
        acl.from_headers({"x-amz-grant-read": value}, "root", resolve)


def test_xml_round_trip() -> None:
    original = acl.canned("public-read", "alice", "root")
    grants = (acl.Grant(acl.GROUP, acl.ALL_USERS, "READ"),
              acl.Grant(acl.CANONICAL_USER, "alice", "FULL_CONTROL"))  # fmt: skip
    assert acl.from_xml(acl.to_xml(original), "alice", resolve) == acl.Acl("alice", grants)


@pytest.mark.parametrize(
    "body",
    [b"<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission></Grant>"
     b"</AccessControlList></AccessControlPolicy>", b"not xml"],
    ids=["no-grantee", "not-xml"],
)  # fmt: skip
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(errors.MalformedACLError):
        acl.from_xml(body, "root", resolve)


def test_stored_form_round_trips_and_reads_a_bare_canned_name() -> None:
    found = acl.canned("authenticated-read", "alice", "root")
    assert acl.Acl.from_json(found.to_json(), "root") == found
    assert acl.Acl.from_json("public-read", "root") == acl.canned("public-read", "root", "root")


@pytest.mark.parametrize(
    ("user", "permission", "allowed"),
    [
        (None, "READ", True),  # AllUsers
        (None, "WRITE", False),
        ("bob", "WRITE", True),  # AuthenticatedUsers
        ("alice", "WRITE", True),  # FULL_CONTROL
        ("bob", "READ_ACP", False),
        ("root", "WRITE_ACP", True),  # the owner always manages the ACL
    ],
)
def test_allows(user: str | None, permission: str, allowed: bool) -> None:
    found = acl.Acl("root", (acl.Grant(acl.GROUP, acl.ALL_USERS, "READ"),
                             acl.Grant(acl.GROUP, acl.AUTHENTICATED_USERS, "WRITE"),
                             acl.Grant(acl.CANONICAL_USER, "alice", "FULL_CONTROL")))  # fmt: skip
    assert found.allows(user, permission) is allowed


def test_ignore_public_acls_drops_group_grants_only() -> None:
    found = acl.canned("public-read", "root", "root")
    assert found.is_public
    assert not found.allows(None, "READ", ignore_public=True)
    assert found.allows("root", "READ", ignore_public=True)
