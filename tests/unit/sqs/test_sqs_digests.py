"""MD5OfMessageBody and MD5OfMessageAttributes, bit-exact with what SDKs recompute."""

from __future__ import annotations

import base64

import pytest

from aerostore.sqs.digests import md5_of_attributes, md5_of_body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_md5_of_body_is_md5_of_utf8() -> None:
    assert md5_of_body("hello") == "5d41402abc4b2a76b9719d911017c592"
    assert md5_of_body("héllo") == "be50e8478cf24ff3595bc7307fb91b50"


# Expected values agree with moto's independent implementation (checked when written).
@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (
            {"SOME_Valid.attribute-Name": {"DataType": "Number", "StringValue": "1493147359900"}},
            "36655e7e9d7c0e8479fa3f3f42247ae7",
        ),
        (
            {
                "a": {"DataType": "String", "StringValue": "x"},
                "b": {"DataType": "Binary", "BinaryValue": b64(b"\0\1")},
            },
            "fa20e2def088daf7b14bc51e836c5547",
        ),
    ],
    ids=["number", "string-and-binary"],
)
def test_md5_of_attributes_known_vectors(attributes: dict[str, dict[str, str]], expected: str) -> None:
    assert md5_of_attributes(attributes) == expected


def test_md5_of_attributes_sorts_by_name() -> None:
    a = {"DataType": "String", "StringValue": "1"}
    b = {"DataType": "String.custom", "StringValue": "2"}
    assert md5_of_attributes({"x": a, "y": b}) == md5_of_attributes({"y": b, "x": a})


def test_md5_of_attributes_distinguishes_binary_from_string_transport() -> None:
    as_string = {"k": {"DataType": "String", "StringValue": "AAE="}}
    as_binary = {"k": {"DataType": "Binary", "BinaryValue": "AAE="}}
    assert md5_of_attributes(as_string) != md5_of_attributes(as_binary)
