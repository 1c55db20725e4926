"""Civil aircraft registrations: checked against each state's shapes and written the canonical way."""

from __future__ import annotations

import pytest

from aerostore.images import parse_registration, registration_from_key

VALID = [
    ("N123AB", "N123AB"),
    ("N1", "N1"),
    ("N12345", "N12345"),
    ("N1234Z", "N1234Z"),
    ("n 123ab", "N123AB"),
    ("N-123AB", "N123AB"),
    ("G-ABCD", "G-ABCD"),
    ("gabcd", "G-ABCD"),
    (" g-abcd ", "G-ABCD"),
    ("D-AIMA", "D-AIMA"),
    ("D-1234", "D-1234"),
    ("VH-OQA", "VH-OQA"),
    ("F-GKXA", "F-GKXA"),
    ("C-FABC", "C-FABC"),
    ("C-GXYZ", "C-GXYZ"),
    ("JA8089", "JA8089"),
    ("JA737A", "JA737A"),
    ("ja-01xj", "JA01XJ"),
    ("HB-JNA", "HB-JNA"),
    ("9V-SKA", "9V-SKA"),
    ("9vska", "9V-SKA"),
    ("EI-ABC", "EI-ABC"),
    ("I-ADJK", "I-ADJK"),
    ("ZK-OKA", "ZK-OKA"),
    ("A6-EDA", "A6-EDA"),
    ("B-HNR", "B-HNR"),
    ("B-1234", "B-1234"),
    ("B-18918", "B-18918"),
    ("HL7700", "HL7700"),
    ("RA-89001", "RA-89001"),
    ("VP-BAB", "VP-BAB"),
    ("VPBAB", "VP-BAB"),
    ("PR-XBA", "PR-XBA"),
    ("XA-BCD", "XA-BCD"),
    ("VT-ANA", "VT-ANA"),
]
INVALID = [
    "",
    "N",
    "N0123",  # first digit never 0
    "N123IO",  # I and O are not used
    "N123456",  # at most five characters after N
    "N12ABC",  # at most two letters
    "NABC",
    "G-ABC",  # UK marks have four letters
    "G-ABCDE",
    "X-ABCD",  # a hyphen that is given must follow a real nationality mark
    "CF-ABC",
    "C-ABCD",  # Canada: C-F..., C-G..., C-I...
    "JA-80890",
    "ZZ-ABC",  # no such mark in the table
    "G-AB CD!",
    "G-ÄBCD",
    "../etc",
]


@pytest.mark.parametrize(("text", "canonical"), VALID, ids=[text for text, _ in VALID])
def test_valid_registrations(text: str, canonical: str) -> None:
    assert parse_registration(text) == canonical


@pytest.mark.parametrize("text", INVALID, ids=lambda text: text or "empty")
def test_invalid_registrations(text: str) -> None:
    assert parse_registration(text) is None


@pytest.mark.parametrize(
    ("key", "registration"),
    [
        ("aircraft/G-ABCD/2024/ramp.jpg", "G-ABCD"),
        ("aircraft/n123ab/a.heic", "N123AB"),
        ("fleet/aircraft/D-AIMA/a.jpg", "D-AIMA"),
        ("aircraft/G-ABCD", None),  # the registration must be a folder
        ("aircraft/not-a-reg/a.jpg", None),
        ("uploads/a.jpg", None),
        ("Aircraft/G-ABCD/a.jpg", None),
        ("", None),
    ],
)
def test_registration_from_key(key: str, registration: str | None) -> None:
    assert registration_from_key(key) == registration
