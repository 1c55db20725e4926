"""Object Lock on the wire: lock headers and the lock documents, with S3's refusals."""

from __future__ import annotations

import pytest

from aerostore.features.object_lock import DefaultRetention, Retention
from aerostore.s3 import errors, retention

NOW = 1_800_000_000.0  # 2027-01-15
FUTURE = "2030-01-01T00:00:00Z"
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def test_timestamps_round_trip_to_the_millisecond() -> None:
    assert retention.parse_timestamp(FUTURE) == 1893456000.0
    assert retention.parse_timestamp("2030-01-01T01:00:00+01:00") == 1893456000.0
    assert retention.parse_timestamp("2030-01-01T00:00:00") == 1893456000.0
    assert retention.parse_timestamp("tomorrow") is None
    assert retention.timestamp(1893456000.0) == "2030-01-01T00:00:00.000Z"
    assert retention.timestamp(1700000000.123) == "2023-11-14T22:13:20.123Z"


def test_lock_headers_parse() -> None:
    headers = {
        "x-amz-object-lock-mode": "COMPLIANCE",
        "x-amz-object-lock-retain-until-date": FUTURE,
        "x-amz-object-lock-legal-hold": "ON",
    }
    assert retention.lock_from_headers(headers, NOW) == {
        "lock_mode": "COMPLIANCE",
        "lock_until": 1893456000.0,
        "lock_legal_hold": "ON",
    }
    assert retention.lock_from_headers({}, NOW) == {
        "lock_mode": None,
        "lock_until": None,
        "lock_legal_hold": None,
    }


BAD_HEADERS = [
    (
        {"x-amz-object-lock-mode": "GOVERNANCE"},
        "x-amz-object-lock-retain-until-date",
        "must both be supplied",
    ),
    ({"x-amz-object-lock-retain-until-date": FUTURE}, "x-amz-object-lock-mode", "must both be supplied"),
    (
        {"x-amz-object-lock-mode": "BAD", "x-amz-object-lock-retain-until-date": FUTURE},
        "x-amz-object-lock-mode",
        "Unknown wormMode directive.",
    ),
    (
        {"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "abc"},
        "x-amz-object-lock-retain-until-date",
        "ISO 8601",
    ),
    (
        {
            "x-amz-object-lock-mode": "GOVERNANCE",
            "x-amz-object-lock-retain-until-date": "2020-01-01T00:00:00Z",
        },
        "x-amz-object-lock-retain-until-date",
        "must be in the future!",
    ),
    ({"x-amz-object-lock-legal-hold": "on"}, "x-amz-object-lock-legal-hold", "either of 'ON' or 'OFF'"),
]


@pytest.mark.parametrize(("headers", "argument", "message"), BAD_HEADERS, ids=[b[2] for b in BAD_HEADERS])
def test_bad_lock_headers_are_invalid_argument(headers: dict[str, str], argument: str, message: str) -> None:
    with pytest.raises(errors.InvalidArgument) as caught:
        retention.lock_from_headers(headers, NOW)
    assert caught.value.fields["ArgumentName"] == argument
    assert message in caught.value.text


def _lock_config(rule: str, enabled: str = "<ObjectLockEnabled>Enabled</ObjectLockEnabled>") -> bytes:
    return f"<ObjectLockConfiguration {NS}>{enabled}{rule}</ObjectLockConfiguration>".encode()


def test_lock_configuration_round_trip() -> None:
    default = DefaultRetention("GOVERNANCE", days=365)
    body = retention.lock_configuration_document(default)
    assert (
        b"<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>365</Days></DefaultRetention></Rule>" in body
    )
    assert retention.parse_lock_configuration(body) == default
    assert retention.parse_lock_configuration(_lock_config("")) is None


MALFORMED_CONFIGS = {
    "no ObjectLockEnabled": _lock_config("", enabled=""),
    "Disabled": _lock_config("", enabled="<ObjectLockEnabled>Disabled</ObjectLockEnabled>"),
    "empty Rule": _lock_config("<Rule/>"),
    "empty DefaultRetention": _lock_config("<Rule><DefaultRetention/></Rule>"),
    "no period": _lock_config("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode></DefaultRetention></Rule>"),
    "lower-case mode": _lock_config(
        "<Rule><DefaultRetention><Mode>governance</Mode><Days>1</Days></DefaultRetention></Rule>"
    ),
    "days and years": _lock_config(
        "<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule>"
    ),
}


@pytest.mark.parametrize("body", MALFORMED_CONFIGS.values(), ids=MALFORMED_CONFIGS.keys())
def test_malformed_lock_configuration(body: bytes) -> None:
    with pytest.raises(errors.MalformedXML):
        retention.parse_lock_configuration(body)


@pytest.mark.parametrize(
    ("period", "message"),
    [("<Days>0</Days>", "positive"), ("<Years>-1</Years>", "positive"), ("<Days>36501</Days>", "too large")],
)
def test_retention_period_out_of_range(period: str, message: str) -> None:
    rule = f"<Rule><DefaultRetention><Mode>COMPLIANCE</Mode>{period}</DefaultRetention></Rule>"
    with pytest.raises(errors.InvalidArgument) as caught:
        retention.parse_lock_configuration(_lock_config(rule))
    assert message in caught.value.text


def test_retention_document_round_trip() -> None:
    body = retention.retention_document(Retention("COMPLIANCE", 1893456000.0))
    assert b"<Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z</RetainUntilDate>" in body
    assert retention.parse_retention(body) == Retention("COMPLIANCE", 1893456000.0)
    assert retention.parse_retention(f"<Retention {NS} />".encode()) is None


@pytest.mark.parametrize(
    "inner",
    [
        "<Mode>GOVERNANCE</Mode>",
        f"<RetainUntilDate>{FUTURE}</RetainUntilDate>",
        f"<Mode>governance</Mode><RetainUntilDate>{FUTURE}</RetainUntilDate>",
        "<Mode>GOVERNANCE</Mode><RetainUntilDate>soon</RetainUntilDate>",
    ],
)
def test_malformed_retention(inner: str) -> None:
    with pytest.raises(errors.MalformedXML):
        retention.parse_retention(f"<Retention>{inner}</Retention>".encode())


def test_past_retention_is_named_as_s3_names_it() -> None:
    error = retention.past_retention(1577836800.0)  # 2020-01-01T00:00:00Z
    assert error.fields == {
        "ArgumentName": "RetainUntilDate",
        "ArgumentValue": "Tue Dec 31 16:00:00 PST 2019",
    }


def test_legal_hold_documents() -> None:
    assert retention.parse_legal_hold(retention.legal_hold_document("OFF")) == "OFF"
    for body in (b"", b"<LegalHold><Status>abc</Status></LegalHold>", b"<LegalHold/>"):
        with pytest.raises(errors.MalformedXML):
            retention.parse_legal_hold(body)
