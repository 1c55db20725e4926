"""Bucket policies through boto3: allow, deny, conditions, anonymous access, MalformedPolicy."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .access import anonymous_client, new_user, policy, user_arn
from .server import Server


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _denied(call: Any, **kwargs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    assert _code(exc) == "AccessDenied"


def test_put_get_delete_bucket_policy(s3: Any, bucket: str) -> None:
    doc = policy({"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                  "Resource": f"arn:aws:s3:::{bucket}/*"})  # fmt: skip
    assert s3.put_bucket_policy(Bucket=bucket, Policy=doc)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(doc)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert _code(exc) == "NoSuchBucketPolicy"


@pytest.mark.parametrize(
    "doc",
    [
        "not json",
        '{"Statement": []}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*", '
        '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}]}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
        '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::another-bucket/*"}]}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
        '"Action": "s3:GetObject", "Resource": "*", "Condition": {"StringSort": {"a": "b"}}}]}',
    ],
    ids=["not-json", "empty", "no-principal", "bad-effect", "other-bucket", "bad-operator"],
)
def test_malformed_policy(s3: Any, bucket: str, doc: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    assert _code(exc) == "MalformedPolicy"
    assert exc.value.response["Error"]["Message"]


def test_bucket_policy_allows_a_user(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    name, client = new_user(server)
    _denied(client.get_object, Bucket=bucket, Key="k")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": [user_arn(name)]}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))  # fmt: skip
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_explicit_deny_beats_allow(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="secret/k", Body=b"v")
    s3.put_object(Bucket=bucket, Key="open/k", Body=b"v")
    name, client = new_user(server, role="admin")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Deny", "Principal": {"AWS": user_arn(name)}, "Action": "s3:*",
         "Resource": f"arn:aws:s3:::{bucket}/secret/*"}))  # fmt: skip
    _denied(client.get_object, Bucket=bucket, Key="secret/k")
    assert client.get_object(Bucket=bucket, Key="open/k")["Body"].read() == b"v"
    assert s3.get_object(Bucket=bucket, Key="secret/k")["Body"].read() == b"v"  # root: not the principal


def test_anonymous_public_read_of_a_prefix(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b", Body=b"b")
    anonymous = anonymous_client(server)
    _denied(anonymous.get_object, Bucket=bucket, Key="public/a")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/public/*"}))  # fmt: skip
    assert anonymous.get_object(Bucket=bucket, Key="public/a")["Body"].read() == b"a"
    _denied(anonymous.get_object, Bucket=bucket, Key="private/b")
    _denied(anonymous.put_object, Bucket=bucket, Key="public/c", Body=b"c")
    _denied(anonymous.list_objects_v2, Bucket=bucket)


def test_condition_source_ip(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    anonymous = anonymous_client(server)
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*"}  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {**statement, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))  # fmt: skip
    _denied(anonymous.get_object, Bucket=bucket, Key="k")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {**statement, "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.0/8"]}}}
    ))  # fmt: skip
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False


def test_condition_prefix_on_list_bucket(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="home/a", Body=b"a")
    name, client = new_user(server)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": user_arn(name)}, "Action": "s3:ListBucket",
         "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringLike": {"s3:prefix": "home/*"}}}))  # fmt: skip
    assert client.list_objects_v2(Bucket=bucket, Prefix="home/")["KeyCount"] == 1
    _denied(client.list_objects_v2, Bucket=bucket)
    _denied(client.list_objects_v2, Bucket=bucket, Prefix="other/")


def test_condition_secure_transport(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    name, client = new_user(server, role="admin")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))  # fmt: skip
    _denied(client.get_object, Bucket=bucket, Key="k")  # plain HTTP
    _denied(s3.get_object, Bucket=bucket, Key="k")  # an explicit Deny binds root too, as on AWS
    s3.delete_bucket_policy(Bucket=bucket)  # ...which can always remove the policy
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_condition_secure_transport_over_tls(tls_server: Server, s3_tls: Any, bucket_tls: str) -> None:
    s3_tls.put_object(Bucket=bucket_tls, Key="k", Body=b"v")
    name, client = new_user(tls_server, role="admin")
    s3_tls.put_bucket_policy(Bucket=bucket_tls, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket_tls}/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))  # fmt: skip
    assert client.get_object(Bucket=bucket_tls, Key="k")["Body"].read() == b"v"


@pytest.fixture
def bucket_tls(s3_tls: Any) -> str:
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3_tls.create_bucket(Bucket=name)
    return name


def test_copy_needs_read_access_to_its_source(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b", Body=b"b")
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/copies/*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/public/*"},
        ],
    }
    _, client = new_user(server, doc)
    client.copy_object(Bucket=bucket, Key="copies/a", CopySource={"Bucket": bucket, "Key": "public/a"})
    private = {"Bucket": bucket, "Key": "private/b"}
    _denied(client.copy_object, Bucket=bucket, Key="copies/b", CopySource=private)


def test_delete_objects_is_authorized_per_key(server: Server, s3: Any, bucket: str) -> None:
    for key in ("tmp/a", "keep/b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/keep/*"},
        ],
    }
    _, client = new_user(server, doc)
    result = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "tmp/a"}, {"Key": "keep/b"}]})
    assert [d["Key"] for d in result.get("Deleted", [])] == ["tmp/a"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("keep/b", "AccessDenied")]
    assert s3.head_object(Bucket=bucket, Key="keep/b")["ContentLength"] == 1
