"""The policy language: parsing and validation, evaluation, conditions, public status (table-driven)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aerostore.access import policy as policies
from aerostore.access.conditions import holds
from aerostore.access.evaluate import Decision, Subject, evaluate, is_public
from aerostore.s3 import errors

BUCKET = "b"
ALICE = "arn:aws:iam::000000000000:user/alice"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def stmt(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::b/*"}  # fmt: skip
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def keys(**values: str | tuple[str, ...]) -> Any:
    table = {k.replace("_", ":", 1).lower(): (v if isinstance(v, tuple) else (v,)) for k, v in values.items()}
    return lambda name: table.get(name)


def subject(action: str = "s3:GetObject", resource: str = "arn:aws:s3:::b/k",
            principals: tuple[str, ...] = (ALICE,), **context: str | tuple[str, ...]) -> Subject:  # fmt: skip
    return Subject(principals, action, resource, keys(**context))


MALFORMED = [
    ("[1]", "first byte"),
    ("{", "invalid Json"),
    (json.dumps({"Version": "2012-10-17"}), "Statement"),
    (json.dumps({"Version": "1999", "Statement": [stmt()]}), "version"),
    (json.dumps({"Statement": [stmt()], "Extra": 1}), "Unknown field Extra"),
    (doc(stmt(Effect="Perhaps")), "Invalid effect"),
    (doc(stmt(Principal=None)), "Missing required field Principal"),
    (doc(stmt(Action=None)), "Missing required field Action"),
    (doc(stmt(Resource=None)), "Missing required field Resource"),
    (doc(stmt(Action="GetObject")), "invalid action"),
    (doc(stmt(Resource="arn:aws:s3:::other/*")), "invalid resource"),
    (doc(stmt(Principal={"Bogus": "x"})), "Invalid principal"),
    (doc(stmt(NotAction="s3:PutObject")), "both Action and NotAction"),
    (doc(stmt(Condition={"StringLikeish": {"s3:prefix": "a"}})), "Invalid Condition type"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_bucket_policy(text: str, message: str) -> None:
    with pytest.raises(errors.S3Error) as exc:
        policies.parse(text, BUCKET)
    assert exc.value.code == "MalformedPolicy"
    assert message.lower() in exc.value.text.lower()


def test_identity_policy_has_no_principal() -> None:
    with pytest.raises(errors.S3Error):
        policies.parse(doc(stmt()))
    parsed = policies.parse(doc(stmt(Principal=None)))
    assert parsed.statements[0].principals is None


CASES = [
    # (statements, subject, decision)
    ([stmt()], subject(), Decision.ALLOW),
    ([stmt()], subject(principals=()), Decision.ALLOW),  # "*" includes anonymous
    ([stmt()], subject(action="s3:PutObject"), Decision.NONE),
    ([stmt(Action="s3:Get*")], subject(action="s3:GetObjectTagging"), Decision.ALLOW),
    ([stmt(Action="S3:getobject")], subject(), Decision.ALLOW),  # actions fold case
    ([stmt(Action="*")], subject(action="s3:DeleteObject"), Decision.ALLOW),
    ([stmt(Action=None, NotAction="s3:Delete*")], subject(), Decision.ALLOW),
    ([stmt(Action=None, NotAction="s3:Get*")], subject(), Decision.NONE),
    ([stmt(Resource="arn:aws:s3:::b/public/*")], subject(resource="arn:aws:s3:::b/private/k"), Decision.NONE),
    ([stmt(Resource="arn:aws:s3:::b/p?/k")], subject(resource="arn:aws:s3:::b/p1/k"), Decision.ALLOW),
    ([stmt(Resource="arn:aws:s3:::b/K")], subject(), Decision.NONE),  # resources do not fold case
    ([stmt(Resource=None, NotResource="arn:aws:s3:::b/secret/*")], subject(), Decision.ALLOW),
    ([stmt(Principal={"AWS": ALICE})], subject(), Decision.ALLOW),
    ([stmt(Principal={"AWS": [ALICE]})], subject(principals=()), Decision.NONE),
    ([stmt(Principal={"AWS": "arn:aws:iam::000000000000:user/bob"})], subject(), Decision.NONE),
    ([stmt(Principal=None, NotPrincipal={"AWS": ALICE})], subject(), Decision.NONE),
    ([stmt(Principal=None, NotPrincipal={"AWS": ALICE})], subject(principals=()), Decision.ALLOW),
    ([stmt(), stmt(Effect="Deny")], subject(), Decision.DENY),  # explicit deny wins
    ([stmt(Effect="Deny", Resource="arn:aws:s3:::b/x/*"), stmt()], subject(), Decision.ALLOW),
    ([stmt(Resource="arn:aws:s3:::b/home/${aws:username}/*")],
     subject(resource="arn:aws:s3:::b/home/alice/k", aws_username="alice"), Decision.ALLOW),
    ([stmt(Resource="arn:aws:s3:::b/home/${aws:username}/*")],
     subject(resource="arn:aws:s3:::b/home/bob/k", aws_username="alice"), Decision.NONE),
]  # fmt: skip


@pytest.mark.parametrize(("statements", "subj", "decision"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_evaluate(statements: list[dict[str, Any]], subj: Subject, decision: Decision) -> None:
    assert evaluate([policies.parse(doc(*statements), BUCKET)], subj) is decision


CONDITIONS = [
    # (operator, key, wanted, request values, holds)
    ("StringEquals", "s3:prefix", ("home/",), ("home/",), True),
    ("StringEquals", "s3:prefix", ("home/",), None, False),
    ("StringNotEquals", "s3:prefix", ("home/",), None, True),
    ("StringNotEquals", "s3:prefix", ("a", "b"), ("b",), False),
    ("StringEqualsIgnoreCase", "aws:useragent", ("BOTO",), ("boto",), True),
    ("StringLike", "s3:prefix", ("home/*",), ("home/x",), True),
    ("StringNotLike", "aws:referer", ("http://good/*",), ("http://evil/x",), True),
    ("StringLikeIfExists", "s3:prefix", ("home/*",), None, True),
    ("StringLikeIfExists", "s3:prefix", ("home/*",), ("other",), False),
    ("NumericLessThanEquals", "s3:max-keys", ("10",), ("10",), True),
    ("NumericGreaterThan", "s3:max-keys", ("10",), ("5",), False),
    ("NumericEquals", "s3:max-keys", ("10",), ("ten",), False),
    ("DateLessThan", "aws:currenttime", ("2030-01-01T00:00:00Z",), ("2026-11-25T00:00:00Z",), True),
    ("DateGreaterThan", "aws:currenttime", ("2030-01-01T00:00:00Z",), ("2026-11-25T00:00:00Z",), False),
    ("Bool", "aws:securetransport", ("false",), ("false",), True),
    ("Bool", "aws:securetransport", ("true",), ("false",), False),
    ("IpAddress", "aws:sourceip", ("10.0.0.0/8",), ("10.1.2.3",), True),
    ("IpAddress", "aws:sourceip", ("10.0.0.0/8",), ("192.168.0.1",), False),
    ("NotIpAddress", "aws:sourceip", ("10.0.0.0/8",), ("192.168.0.1",), True),
    ("IpAddress", "aws:sourceip", ("::1/128",), ("::1",), True),
    ("Null", "s3:x-amz-acl", ("true",), None, True),
    ("Null", "s3:x-amz-acl", ("false",), None, False),
    ("Null", "s3:x-amz-acl", ("false",), ("private",), True),
    ("ArnLike", "aws:principalarn", ("arn:aws:iam::*:user/a*",), (ALICE,), True),
    ("ArnEquals", "aws:principalarn", ("arn:aws:iam::000000000000:root",), (ALICE,), False),
    ("ForAnyValue:StringEquals", "s3:requestobjecttagkeys", ("a", "b"), ("c", "b"), True),
    ("ForAllValues:StringEquals", "s3:requestobjecttagkeys", ("a", "b"), ("c", "b"), False),
    ("ForAllValues:StringEquals", "s3:requestobjecttagkeys", ("a", "b"), ("a", "b"), True),
    ("ForAllValues:StringEquals", "s3:requestobjecttagkeys", ("a",), None, True),
    ("ForAnyValue:StringEquals", "s3:requestobjecttagkeys", ("a",), None, False),
]  # fmt: skip


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), CONDITIONS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONDITIONS)])  # fmt: skip
def test_condition(operator: str, key: str, wanted: tuple[str, ...], values: tuple[str, ...] | None,
                   expected: bool) -> None:  # fmt: skip
    assert holds(operator, key, wanted, lambda name: values if name == key else None) is expected


PUBLIC = [
    (stmt(), True),
    (stmt(Effect="Deny"), False),
    (stmt(Principal={"AWS": ALICE}), False),
    (stmt(Principal={"AWS": "*"}), True),
    (stmt(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), False),
    (stmt(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True),
    (stmt(Condition={"StringEquals": {"aws:SourceAccount": "000000000000"}}), False),
    (stmt(Condition={"StringLike": {"aws:SourceAccount": "*"}}), True),
    (stmt(Condition={"StringLike": {"s3:prefix": "home/"}}), True),
    (stmt(Principal=None, NotPrincipal={"AWS": ALICE}), True),
]  # fmt: skip


@pytest.mark.parametrize(("statement", "public"), PUBLIC, ids=[str(i) for i in range(len(PUBLIC))])
def test_public_policy(statement: dict[str, Any], public: bool) -> None:
    assert is_public(policies.parse(doc(statement), BUCKET)) is public
