"""Legacy ACLs on buckets whose Object Ownership enables them (ObjectWriter, BucketOwnerPreferred)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from aerostore.s3.names import canonical_id

from .access import anonymous_client, new_user, policy
from .conftest import empty_bucket
from .server import ROOT_PASSWORD, ROOT_USER, Server, free_port

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
# Another user of the account, allowed nothing but ListBuckets: the rest must come from ACL grants.
LIST_ALL = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
LIST_ONLY = {"Version": "2012-10-17", "Statement": [LIST_ALL]}


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


@pytest.fixture
def legacy(s3: Any) -> Iterator[str]:
    """A bucket created with ObjectOwnership=ObjectWriter: ACLs enabled."""
    name = f"legacy-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    yield name
    empty_bucket(s3, name)


def _grants(response: dict[str, Any]) -> set[tuple[str, str]]:
    return {(g["Grantee"].get("ID") or g["Grantee"]["URI"], g["Permission"]) for g in response["Grants"]}


def test_public_read_bucket_lets_anonymous_list_and_public_read_object_get(server: Server, s3: Any) -> None:
    name = f"legacy-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", ACL="public-read")
    s3.put_object(Bucket=name, Key="open", Body=b"hello", ACL="public-read")
    s3.put_object(Bucket=name, Key="closed", Body=b"secret")
    anonymous = anonymous_client(server)
    assert anonymous.list_objects_v2(Bucket=name)["KeyCount"] == 2
    assert anonymous.get_object(Bucket=name, Key="open")["Body"].read() == b"hello"
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=name, Key="closed")
    assert _code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        anonymous.put_object(Bucket=name, Key="new", Body=b"x")
    assert _code(exc) == "AccessDenied"
    assert (ALL_USERS, "READ") in _grants(s3.get_bucket_acl(Bucket=name))
    empty_bucket(s3, name)


def test_public_read_write_bucket_lets_anonymous_write(server: Server, s3: Any, legacy: str) -> None:
    s3.put_bucket_acl(Bucket=legacy, ACL="public-read-write")
    anonymous_client(server).put_object(Bucket=legacy, Key="dropped", Body=b"x")
    owner = s3.get_object_acl(Bucket=legacy, Key="dropped")["Owner"]
    assert owner["ID"] == canonical_id("anonymous")  # ObjectWriter: the writer owns it


def test_grant_by_canonical_id_to_another_user(server: Server, s3: Any, legacy: str) -> None:
    name, other = new_user(server, LIST_ONLY)
    s3.put_object(Bucket=legacy, Key="k", Body=b"v")
    with pytest.raises(ClientError) as exc:
        other.get_object(Bucket=legacy, Key="k")
    assert _code(exc) == "AccessDenied"
    s3.put_object_acl(Bucket=legacy, Key="k", GrantRead=f'id="{canonical_id(name)}"')
    assert other.get_object(Bucket=legacy, Key="k")["Body"].read() == b"v"
    assert (canonical_id(name), "READ") in _grants(s3.get_object_acl(Bucket=legacy, Key="k"))
    with pytest.raises(ClientError) as exc:
        other.list_objects_v2(Bucket=legacy)
    assert _code(exc) == "AccessDenied"
    s3.put_bucket_acl(Bucket=legacy, GrantRead=f'id="{canonical_id(name)}"')
    assert other.list_objects_v2(Bucket=legacy)["KeyCount"] == 1


def test_write_grant_lets_another_user_put_objects_it_then_owns(server: Server, s3: Any, legacy: str) -> None:
    name, other = new_user(server, LIST_ONLY)
    s3.put_bucket_acl(Bucket=legacy, GrantWrite=f'id="{canonical_id(name)}"',
                      GrantFullControl=f'id="{canonical_id(ROOT_USER)}"')  # fmt: skip
    other.put_object(Bucket=legacy, Key="mine", Body=b"v")
    acl = other.get_object_acl(Bucket=legacy, Key="mine")
    assert acl["Owner"]["ID"] == canonical_id(name)
    assert _grants(acl) == {(canonical_id(name), "FULL_CONTROL")}


def test_read_acp_and_write_acp_grants(server: Server, s3: Any, legacy: str) -> None:
    name, other = new_user(server, LIST_ONLY)
    grantee = f'id="{canonical_id(name)}"'
    s3.put_object(Bucket=legacy, Key="k", Body=b"v")
    with pytest.raises(ClientError) as exc:
        other.get_object_acl(Bucket=legacy, Key="k")
    assert _code(exc) == "AccessDenied"
    s3.put_object_acl(Bucket=legacy, Key="k", GrantReadACP=grantee, GrantWriteACP=grantee)
    assert (canonical_id(name), "READ_ACP") in _grants(other.get_object_acl(Bucket=legacy, Key="k"))
    other.put_object_acl(Bucket=legacy, Key="k", ACL="public-read")
    assert anonymous_client(server).get_object(Bucket=legacy, Key="k")["Body"].read() == b"v"
    with pytest.raises(ClientError) as exc:
        other.get_object(Bucket=legacy, Key="missing-read")  # no READ grant on the bucket's objects
    assert _code(exc) == "AccessDenied"


def test_access_control_policy_body_round_trips(s3: Any, legacy: str) -> None:
    owner = {"ID": canonical_id(ROOT_USER), "DisplayName": ROOT_USER}
    body = {"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ_ACP"},
    ]}  # fmt: skip
    s3.put_bucket_acl(Bucket=legacy, AccessControlPolicy=body)
    expected = {(owner["ID"], "FULL_CONTROL"), (ALL_USERS, "READ_ACP")}
    assert _grants(s3.get_bucket_acl(Bucket=legacy)) == expected


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"GrantRead": 'emailAddress="someone@example.com"'}, "UnresolvableGrantByEmailAddress"),
        ({"GrantRead": 'id="' + "0" * 64 + '"'}, "InvalidArgument"),
        ({"GrantRead": 'uri="http://example.com/group"'}, "InvalidArgument"),
        ({"ACL": "public-read", "GrantRead": f'uri="{ALL_USERS}"'}, "InvalidRequest"),
        ({"ACL": "not-a-canned-acl"}, "InvalidArgument"),
    ],
    ids=["email", "unknown-id", "unknown-group", "canned-and-grants", "bad-canned"],
)
def test_put_bucket_acl_refusals(s3: Any, legacy: str, kwargs: dict[str, str], code: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=legacy, **kwargs)
    assert _code(exc) == code


def test_malformed_access_control_policy(s3: Any, legacy: str) -> None:
    owner = {"ID": canonical_id(ROOT_USER)}
    body = {"Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                                        "Permission": "EVERYTHING"}]}  # fmt: skip
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=legacy, AccessControlPolicy=body)
    assert _code(exc) == "MalformedACLError"


def test_block_public_acls_refuses_public_grants_and_ignore_public_acls_ignores_them(
    server: Server, s3: Any, legacy: str
) -> None:
    s3.put_object(Bucket=legacy, Key="k", Body=b"v", ACL="public-read")
    anonymous = anonymous_client(server)
    assert anonymous.get_object(Bucket=legacy, Key="k")["Body"].read() == b"v"
    s3.put_public_access_block(Bucket=legacy, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=legacy, Key="k")
    assert _code(exc) == "AccessDenied"
    s3.put_public_access_block(Bucket=legacy, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    refused = [lambda: s3.put_object(Bucket=legacy, Key="k2", Body=b"v", ACL="public-read"),
               lambda: s3.put_object_acl(Bucket=legacy, Key="k", GrantRead=f'uri="{ALL_USERS}"'),
               lambda: s3.put_bucket_acl(Bucket=legacy, ACL="authenticated-read")]  # fmt: skip
    for call in refused:
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == "AccessDenied"


def test_explicit_deny_wins_over_a_public_acl(server: Server, s3: Any, legacy: str) -> None:
    s3.put_object(Bucket=legacy, Key="k", Body=b"v", ACL="public-read")
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{legacy}/*"}  # fmt: skip
    s3.put_bucket_policy(Bucket=legacy, Policy=policy(deny))
    with pytest.raises(ClientError) as exc:
        anonymous_client(server).get_object(Bucket=legacy, Key="k")
    assert _code(exc) == "AccessDenied"
    s3.delete_bucket_policy(Bucket=legacy)


def test_copy_does_not_copy_the_source_acl(server: Server, s3: Any, legacy: str) -> None:
    s3.put_object(Bucket=legacy, Key="src", Body=b"v", ACL="public-read")
    s3.copy_object(Bucket=legacy, Key="dst", CopySource={"Bucket": legacy, "Key": "src"})
    assert _grants(s3.get_object_acl(Bucket=legacy, Key="dst")) == {(canonical_id(ROOT_USER), "FULL_CONTROL")}


def test_object_acl_is_per_version(s3: Any, legacy: str) -> None:
    s3.put_bucket_versioning(Bucket=legacy, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=legacy, Key="k", Body=b"1", ACL="public-read")["VersionId"]
    s3.put_object(Bucket=legacy, Key="k", Body=b"2")
    assert (ALL_USERS, "READ") in _grants(s3.get_object_acl(Bucket=legacy, Key="k", VersionId=first))
    assert (ALL_USERS, "READ") not in _grants(s3.get_object_acl(Bucket=legacy, Key="k"))


def test_enforced_bucket_still_refuses_acls(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v", GrantRead=f'uri="{ALL_USERS}"')
    assert _code(exc) == "AccessControlListNotSupported"
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=f"enforced-{uuid.uuid4().hex[:8]}", ObjectOwnership="BucketOwnerEnforced",
                         ACL="public-read")  # fmt: skip
    assert _code(exc) == "InvalidBucketAclWithObjectOwnership"


def test_enforcing_ownership_needs_a_private_bucket_acl(s3: Any, legacy: str) -> None:
    s3.put_bucket_acl(Bucket=legacy, ACL="public-read")
    enforced = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_ownership_controls(Bucket=legacy, OwnershipControls=enforced)
    assert _code(exc) == "InvalidBucketAclWithObjectOwnership"
    s3.put_bucket_acl(Bucket=legacy, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=legacy, OwnershipControls=enforced)


def test_server_default_object_ownership(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", free_port())
    os_env = srv.env
    srv.env = lambda: {**os_env(), "AEROSTORE_DEFAULT_OBJECT_OWNERSHIP": "ObjectWriter"}  # type: ignore[method-assign]
    srv.start()
    try:
        client = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ROOT_USER,
                              aws_secret_access_key=ROOT_PASSWORD, region_name="us-east-1")  # fmt: skip
        client.create_bucket(Bucket="pre-2023", ACL="public-read")
        with pytest.raises(ClientError) as exc:
            client.get_bucket_ownership_controls(Bucket="pre-2023")  # no controls: ObjectWriter, as AWS
        assert _code(exc) == "OwnershipControlsNotFoundError"
        assert anonymous_client(srv).list_objects_v2(Bucket="pre-2023")["KeyCount"] == 0
    finally:
        srv.stop()
