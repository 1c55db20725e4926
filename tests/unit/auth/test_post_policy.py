"""POST policies (auth/post_policy.py): parsing, conditions, signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from aerostore.auth import post_policy, sigv4
from aerostore.auth.keys import RootKeys
from aerostore.s3 import errors

NOW = 1_800_000_000.0
KEYS = RootKeys("AKIDEXAMPLE", "secret-key-example")


def _b64(document: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def _policy(*conditions: Any, expiration: str = "2030-01-01T00:00:00.000Z") -> post_policy.Policy:
    return post_policy.parse(_b64({"expiration": expiration, "conditions": list(conditions)}))


@pytest.mark.parametrize(
    "document",
    [{"conditions": []}, {"expiration": "2030-01-01T00:00:00Z"}, {"expiration": "tomorrow", "conditions": []},
     {"expiration": "2030-01-01T00:00:00Z", "conditions": [{}]},
     {"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 0]]},
     {"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 0]]},
     {"EXPIRATION": "2030-01-01T00:00:00Z", "conditions": []}],
    ids=["no-expiration", "no-conditions", "bad-date", "empty-condition", "range-arity", "range-negative",
         "case-sensitive"],
)  # fmt: skip
def test_parse_invalid(document: dict[str, Any]) -> None:
    with pytest.raises(errors.InvalidPolicyDocument):
        post_policy.parse(_b64(document))


def test_check_passes_and_names_extra_fields() -> None:
    policy = _policy({"bucket": "b"}, ["starts-with", "$key", "up/"], ["eq", "$Content-Type", "image/png"])
    fields = {"key": "up/a.png", "content-type": "image/png", "x-ignore-me": "1", "policy": "p"}
    post_policy.check(policy, fields, "b", NOW)
    with pytest.raises(errors.AccessDenied, match="Extra input fields: x-amz-meta-a"):
        post_policy.check(policy, {**fields, "x-amz-meta-a": "1"}, "b", NOW)


def test_check_condition_failed_message() -> None:
    policy = _policy(["starts-with", "$key", "up/"])
    with pytest.raises(errors.AccessDenied) as excinfo:
        post_policy.check(policy, {"key": "down/a"}, "b", NOW)
    failed = 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "up/"]'
    assert excinfo.value.text == failed


def test_check_expired() -> None:
    with pytest.raises(errors.AccessDenied, match="Policy expired"):
        post_policy.check(_policy(expiration="2020-01-01T00:00:00Z"), {}, "b", NOW)


def test_check_length() -> None:
    policy = _policy(["content-length-range", 2, 4])
    post_policy.check_length(policy, 3, final=True)
    with pytest.raises(errors.EntityTooLarge):
        post_policy.check_length(policy, 5, final=False)
    with pytest.raises(errors.EntityTooSmall):
        post_policy.check_length(policy, 1, final=True)


def test_verify_signature_v4() -> None:
    policy = _b64({"expiration": "2030-01-01T00:00:00Z", "conditions": []})
    key = sigv4.signing_key("secret-key-example", "20300101", "us-east-1", "s3")
    fields = {"policy": policy, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-date": "20300101T000000Z",
              "x-amz-credential": "AKIDEXAMPLE/20300101/us-east-1/s3/aws4_request",
              "x-amz-signature": sigv4.sign(key, policy)}  # fmt: skip
    assert post_policy.verify_signature(fields, KEYS).is_root
    with pytest.raises(errors.SignatureDoesNotMatch):
        post_policy.verify_signature({**fields, "x-amz-signature": "00"}, KEYS)


def test_verify_signature_v2() -> None:
    policy = _b64({"expiration": "2030-01-01T00:00:00Z", "conditions": []})
    digest = hmac.new(b"secret-key-example", policy.encode(), hashlib.sha1).digest()
    signature = base64.b64encode(digest).decode()
    fields = {"policy": policy, "awsaccesskeyid": "AKIDEXAMPLE", "signature": signature}
    assert post_policy.verify_signature(fields, KEYS).is_root
    with pytest.raises(errors.InvalidAccessKeyId):
        post_policy.verify_signature({**fields, "awsaccesskeyid": "OTHER"}, KEYS)
    with pytest.raises(errors.InvalidArgument):
        post_policy.verify_signature({"policy": policy, "awsaccesskeyid": "AKIDEXAMPLE"}, KEYS)
