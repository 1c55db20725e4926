"""Public access block, Object Ownership and the ACL refusals, through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .access import admin, anonymous_client, new_user, policy
from .server import Server

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
ALL = dict.fromkeys(FLAGS, True)


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _public_read(bucket: str) -> str:
    return policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{bucket}/*"})  # fmt: skip


def test_put_get_delete_public_access_block(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=bucket)
    assert _code(exc) == "NoSuchPublicAccessBlockConfiguration"
    conf = {**ALL, "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=conf)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == conf
    assert s3.delete_public_access_block(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_block_public_policy_refuses_a_public_policy(s3: Any, bucket: str) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))
    assert _code(exc) == "AccessDenied"
    fixed = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}})  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=fixed)  # not public: accepted


def test_restrict_public_buckets_ignores_a_public_policy(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))
    anonymous = anonymous_client(server)
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=bucket, Key="k")
    assert _code(exc) == "AccessDenied"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_account_public_access_block_applies_to_every_bucket(server: Server, s3: Any, bucket: str) -> None:
    admin(server, "public-access-block", "--block-public-policy")
    try:
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))
        assert _code(exc) == "AccessDenied"
    finally:
        admin(server, "public-access-block", "--none")
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))


def test_ownership_controls_default_to_bucket_owner_enforced(s3: Any, bucket: str) -> None:
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]


def test_acls_answer_the_owners_full_control(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    for acl in (s3.get_bucket_acl(Bucket=bucket), s3.get_object_acl(Bucket=bucket, Key="k")):
        assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
        assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]


def test_bucket_owner_full_control_is_accepted(s3: Any, bucket: str) -> None:
    acl = "bucket-owner-full-control"
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL=acl)
    s3.put_object_acl(Bucket=bucket, Key="k", ACL=acl)
    s3.put_bucket_acl(Bucket=bucket, ACL=acl)
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    grant = {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": [grant]})


def test_deleted_ownership_controls_enable_acls(server: Server, s3: Any, bucket: str) -> None:
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert _code(exc) == "OwnershipControlsNotFoundError"
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert anonymous_client(server).list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize("acl", ["private", "public-read", "public-read-write", "authenticated-read"])
def test_other_canned_acls_are_refused_while_ownership_is_enforced(s3: Any, bucket: str, acl: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    calls = [lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"v", ACL=acl),
             lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL=acl),
             lambda: s3.put_bucket_acl(Bucket=bucket, ACL=acl)]  # fmt: skip
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == "AccessControlListNotSupported"


def test_create_bucket_with_a_public_acl_needs_acls_enabled(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket="acl-refused-bucket", ACL="public-read")
    assert _code(exc) == "InvalidBucketAclWithObjectOwnership"


def test_block_public_acls_with_acls_enabled(server: Server, s3: Any, bucket: str) -> None:
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert anonymous_client(server).list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    with pytest.raises(ClientError) as exc:
        anonymous_client(server).list_objects_v2(Bucket=bucket)
    assert _code(exc) == "AccessDenied"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert _code(exc) == "AccessDenied"


def test_default_architecture_processed_images_blocks_public_access(s3: Any) -> None:
    block = s3.get_public_access_block(Bucket="processed-images")["PublicAccessBlockConfiguration"]
    assert block == ALL
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket="processed-images", Policy=_public_read("processed-images"))
    assert _code(exc) == "AccessDenied"


def test_default_architecture_audit_logs_readable_by_auditors_and_root(server: Server, s3: Any) -> None:
    s3.put_object(Bucket="audit-logs", Key="access-test/record.json", Body=b"{}")
    _, auditor = new_user(server, role="auditor")
    _, admin_user = new_user(server, role="admin")
    assert auditor.get_object(Bucket="audit-logs", Key="access-test/record.json")["Body"].read() == b"{}"
    assert auditor.list_objects_v2(Bucket="audit-logs", Prefix="access-test/")["KeyCount"] == 1
    with pytest.raises(ClientError) as exc:
        admin_user.get_object(Bucket="audit-logs", Key="access-test/record.json")
    assert _code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        auditor.put_object(Bucket="audit-logs", Key="access-test/forged.json", Body=b"{}")
    assert _code(exc) == "AccessDenied"
    assert s3.get_object(Bucket="audit-logs", Key="access-test/record.json")["Body"].read() == b"{}"


def test_roles_uploader_and_delivery(server: Server, s3: Any) -> None:
    _, uploader = new_user(server, role="uploader")
    _, delivery = new_user(server, role="delivery")
    uploader.put_object(Bucket="raw-uploads", Key="access-test/a.bin", Body=b"a")
    with pytest.raises(ClientError):
        uploader.get_object(Bucket="raw-uploads", Key="access-test/a.bin")
    s3.put_object(Bucket="processed-images", Key="access-test/a.bin", Body=b"p")
    assert delivery.get_object(Bucket="processed-images", Key="access-test/a.bin")["Body"].read() == b"p"
    with pytest.raises(ClientError):
        delivery.put_object(Bucket="processed-images", Key="access-test/b.bin", Body=b"p")
