"""The lifecycle configuration: XML parsing and AWS's validation, the XML and JSON round trips, filters."""

from __future__ import annotations

import pytest

from aerostore.lifecycle import rules
from aerostore.lifecycle.rules import Filter, LifecycleConfiguration, NoncurrentTransition, Rule, Transition
from aerostore.s3 import errors


def _doc(*rule_bodies: str) -> bytes:
    inner = "".join(f"<Rule>{body}</Rule>" for body in rule_bodies)
    return f'<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</LifecycleConfiguration>'.encode()


def _rule(
    actions: str, *, filter_xml: str = "<Filter><Prefix>p/</Prefix></Filter>", rule_id: str = "r"
) -> str:
    return f"<ID>{rule_id}</ID>{filter_xml}<Status>Enabled</Status>{actions}"


EXPIRE = "<Expiration><Days>1</Days></Expiration>"
TAG = "<Tag><Key>k</Key><Value>v</Value></Tag>"


def _refused(body: bytes, *, minimums: bool = True) -> str:
    with pytest.raises(errors.S3Error) as excinfo:
        rules.parse_xml(body, minimums=minimums)
    return excinfo.value.code


# ---- accepted forms ----


def test_parse_legacy_prefix() -> None:
    body = _doc("<ID>a</ID><Prefix>logs/</Prefix><Status>Enabled</Status>" + EXPIRE)
    (rule,) = rules.parse_xml(body).rules
    assert rule == Rule("a", True, Filter(prefix="logs/"), expiration_days=1)
    assert rule.filter.legacy


def test_parse_every_action() -> None:
    body = _doc(
        _rule(
            "<Expiration><Days>400</Days></Expiration>"
            "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
            "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
            "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER_IR"
            "</StorageClass><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionTransition>"
            "<NoncurrentVersionExpiration><NoncurrentDays>60</NoncurrentDays>"
            "<NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
            "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation>"
            "</AbortIncompleteMultipartUpload>"
        )
    )
    (rule,) = rules.parse_xml(body).rules
    assert rule == Rule(
        "r",
        True,
        Filter(prefix="p/"),
        expiration_days=400,
        transitions=(Transition("STANDARD_IA", days=30), Transition("GLACIER", days=90)),
        noncurrent_transitions=(NoncurrentTransition("GLACIER_IR", 30, newer_versions=2),),
        noncurrent_days=60,
        newer_noncurrent_versions=5,
        abort_multipart_days=2,
    )


@pytest.mark.parametrize(
    ("filter_xml", "expected"),
    [
        pytest.param("<Filter></Filter>", Filter(), id="empty"),
        pytest.param("<Filter/>", Filter(), id="empty-short"),
        pytest.param("<Filter><Prefix></Prefix></Filter>", Filter(), id="empty-prefix"),
        pytest.param(f"<Filter>{TAG}</Filter>", Filter(tags=(("k", "v"),)), id="tag"),
        pytest.param(
            "<Filter><ObjectSizeLessThan>9</ObjectSizeLessThan></Filter>", Filter(size_lt=9), id="lt"
        ),
        pytest.param(
            f"<Filter><And><Prefix>a/</Prefix>{TAG}<ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></And></Filter>",
            Filter(prefix="a/", tags=(("k", "v"),), size_gt=0),
            id="and",
        ),
    ],
)
def test_parse_filter(filter_xml: str, expected: Filter) -> None:
    (rule,) = rules.parse_xml(_doc(_rule(EXPIRE, filter_xml=filter_xml))).rules
    assert rule.filter == expected


@pytest.mark.parametrize(
    "date", ["2030-01-01", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00+00:00"]
)
def test_parse_date_forms(date: str) -> None:
    (rule,) = rules.parse_xml(_doc(_rule(f"<Expiration><Date>{date}</Date></Expiration>"))).rules
    assert rule.expiration_date == 1893456000.0


def test_parse_generates_missing_ids() -> None:
    config = rules.parse_xml(_doc(_rule(EXPIRE, rule_id=""), _rule(EXPIRE, rule_id="x")))
    assert config.rules[0].id and config.rules[0].id != "x"


def test_parse_accelerated_day_skips_minimums() -> None:
    body = _doc(_rule("<Transition><Days>1</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"))
    assert rules.parse_xml(body, minimums=False).rules[0].transitions == (Transition("STANDARD_IA", days=1),)
    assert _refused(body) == "InvalidArgument"


# ---- refusals ----


def _transition(days: int | str, storage_class: str) -> str:
    return f"<Transition><Days>{days}</Days><StorageClass>{storage_class}</StorageClass></Transition>"


REFUSED = [
    pytest.param(b"not xml", "MalformedXML", id="not-xml"),
    pytest.param(b"<LifecycleConfiguration></LifecycleConfiguration>", "MalformedXML", id="no-rule"),
    pytest.param(b"<Other><Rule/></Other>", "MalformedXML", id="wrong-root"),
    pytest.param(_doc(_rule(EXPIRE, rule_id="a" * 256)), "InvalidArgument", id="id-too-long"),
    pytest.param(_doc(_rule(EXPIRE), _rule(EXPIRE)), "InvalidArgument", id="duplicate-id"),
    pytest.param(_doc(_rule(EXPIRE).replace("Enabled", "enabled")), "MalformedXML", id="status-lowercase"),
    pytest.param(_doc("<ID>r</ID><Prefix/>" + EXPIRE), "MalformedXML", id="status-missing"),
    pytest.param(_doc(_rule(EXPIRE) + "<Unknown/>"), "MalformedXML", id="unknown-element"),
    pytest.param(_doc(_rule(EXPIRE + EXPIRE)), "MalformedXML", id="two-expirations"),
    pytest.param(_doc("<ID>r</ID><Status>Enabled</Status>" + EXPIRE), "MalformedXML", id="no-filter"),
    pytest.param(_doc(_rule(EXPIRE) + "<Prefix>x</Prefix>"), "MalformedXML", id="prefix-and-filter"),
    pytest.param(_doc(_rule("")), "InvalidRequest", id="no-action"),
    pytest.param(_doc(_rule("<Expiration><Days>0</Days></Expiration>")), "InvalidArgument", id="days-0"),
    pytest.param(_doc(_rule("<Expiration><Days>-1</Days></Expiration>")), "InvalidArgument", id="days-neg"),
    pytest.param(_doc(_rule("<Expiration><Days>1.5</Days></Expiration>")), "MalformedXML", id="days-float"),
    pytest.param(_doc(_rule("<Expiration></Expiration>")), "MalformedXML", id="expiration-empty"),
    pytest.param(
        _doc(_rule("<Expiration><Days>1</Days><Date>2030-01-01</Date></Expiration>")),
        "MalformedXML",
        id="days-and-date",
    ),
    pytest.param(
        _doc(
            _rule(
                "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"
            )
        ),
        "MalformedXML",
        id="days-and-delete-marker",
    ),
    pytest.param(
        _doc(_rule("<Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>")),
        "MalformedXML",
        id="delete-marker-not-boolean",
    ),
    pytest.param(
        _doc(_rule("<Expiration><Date>20200101</Date></Expiration>")), "InvalidArgument", id="date-bad"
    ),
    pytest.param(
        _doc(_rule("<Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration>")),
        "InvalidArgument",
        id="date-not-midnight",
    ),
    pytest.param(
        _doc(
            _rule(
                "<Transition><Date>1970-08-23T03:28:21Z</Date><StorageClass>GLACIER</StorageClass></Transition>"
            )
        ),
        "InvalidArgument",
        id="transition-date-not-midnight",
    ),
    pytest.param(
        _doc(
            _rule(
                "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
                filter_xml=f"<Filter>{TAG}</Filter>",
            )
        ),
        "InvalidRequest",
        id="delete-marker-with-tag",
    ),
    pytest.param(
        _doc(
            _rule(
                "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
                "</AbortIncompleteMultipartUpload>",
                filter_xml=f"<Filter><And><Prefix>a</Prefix>{TAG}</And></Filter>",
            )
        ),
        "InvalidRequest",
        id="abort-with-tag",
    ),
    pytest.param(
        _doc(
            _rule(
                "<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation>"
                "</AbortIncompleteMultipartUpload>"
            )
        ),
        "InvalidArgument",
        id="abort-days-0",
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml=f"<Filter><Prefix>a</Prefix>{TAG}</Filter>")),
        "MalformedXML",
        id="filter-prefix-and-tag",
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml=f"<Filter>{TAG}{TAG.replace('k', 'j')}</Filter>")),
        "MalformedXML",
        id="filter-two-tags",
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml=f"<Filter><And>{TAG}{TAG}</And></Filter>")),
        "InvalidRequest",
        id="and-duplicate-tag-keys",
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml="<Filter><And></And></Filter>")), "MalformedXML", id="and-empty"
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml="<Filter><Tag><Key>k</Key></Tag></Filter>")),
        "MalformedXML",
        id="tag-without-value",
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml=f"<Filter><Prefix>{'a' * 1025}</Prefix></Filter>")),
        "InvalidRequest",
        id="prefix-too-long",
    ),
    pytest.param(
        _doc(_rule(EXPIRE, filter_xml="<Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter>")),
        "InvalidArgument",
        id="size-gt-negative",
    ),
    pytest.param(
        _doc(
            _rule(
                EXPIRE,
                filter_xml="<Filter><And><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan>"
                "<ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter>",
            )
        ),
        "InvalidArgument",
        id="size-range-empty",
    ),
    pytest.param(
        _doc(
            _rule(
                "<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>"
            )
        ),
        "InvalidArgument",
        id="noncurrent-days-0",
    ),
    pytest.param(
        _doc(
            _rule(
                "<NoncurrentVersionExpiration><NewerNoncurrentVersions>1</NewerNoncurrentVersions>"
                "</NoncurrentVersionExpiration>"
            )
        ),
        "MalformedXML",
        id="noncurrent-days-missing",
    ),
    pytest.param(
        _doc(
            _rule(
                "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
                "<NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
            )
        ),
        "InvalidArgument",
        id="newer-versions-101",
    ),
    pytest.param(
        _doc(
            _rule(
                "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
                "<NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
            )
        ),
        "InvalidArgument",
        id="newer-versions-0",
    ),
    pytest.param(_doc(_rule(_transition(1, "STANDARD"))), "MalformedXML", id="transition-to-standard"),
    pytest.param(_doc(_rule(_transition(-1, "GLACIER"))), "InvalidArgument", id="transition-days-negative"),
    pytest.param(
        _doc(_rule("<Transition><StorageClass>GLACIER</StorageClass></Transition>")),
        "MalformedXML",
        id="transition-without-time",
    ),
    pytest.param(
        _doc(
            _rule(
                "<Transition><Days>1</Days><Date>2030-01-01</Date><StorageClass>GLACIER</StorageClass></Transition>"
            )
        ),
        "MalformedXML",
        id="transition-days-and-date",
    ),
    pytest.param(_doc(_rule(_transition(29, "STANDARD_IA"))), "InvalidArgument", id="standard-ia-29-days"),
    pytest.param(_doc(_rule(_transition(0, "ONEZONE_IA"))), "InvalidArgument", id="onezone-ia-0-days"),
    pytest.param(
        _doc(
            _rule(
                "<NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays>"
                "<StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition>"
            )
        ),
        "InvalidArgument",
        id="noncurrent-standard-ia-10-days",
    ),
    pytest.param(
        _doc(_rule(_transition(30, "GLACIER") + _transition(60, "STANDARD_IA"))),
        "InvalidArgument",
        id="transitions-warmer-later",
    ),
    pytest.param(
        _doc(_rule(_transition(30, "GLACIER") + _transition(60, "GLACIER"))),
        "InvalidRequest",
        id="transitions-same-class",
    ),
    pytest.param(
        _doc(
            _rule(
                _transition(30, "GLACIER")
                + "<Transition><Date>2030-01-01</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>"
            )
        ),
        "InvalidRequest",
        id="transitions-mixed",
    ),
    pytest.param(
        _doc(_rule("<Expiration><Date>2030-01-01</Date></Expiration>" + _transition(30, "GLACIER"))),
        "InvalidRequest",
        id="expiration-date-transition-days",
    ),
    pytest.param(
        _doc(_rule("<Expiration><Days>30</Days></Expiration>" + _transition(30, "GLACIER"))),
        "InvalidArgument",
        id="expiration-not-after-transition",
    ),
    pytest.param(
        _doc(
            _rule(
                "<NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays><StorageClass>GLACIER"
                "</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>5"
                "</NoncurrentDays></NoncurrentVersionExpiration>"
            )
        ),
        "InvalidArgument",
        id="noncurrent-expiration-before-transition",
    ),
    pytest.param(
        _doc(*(_rule(EXPIRE, rule_id=f"r{i}") for i in range(1001))), "InvalidRequest", id="1001-rules"
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY e "x">]><LifecycleConfiguration><Rule><ID>&e;</ID>'
        b"<Prefix/><Status>Enabled</Status>" + EXPIRE.encode() + b"</Rule></LifecycleConfiguration>",
        "MalformedXML",
        id="entity",
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY e SYSTEM "file:///etc/passwd">]><LifecycleConfiguration>'
        b"<Rule><ID>&e;</ID><Prefix/><Status>Enabled</Status></Rule></LifecycleConfiguration>",
        "MalformedXML",
        id="external-entity",
    ),
    pytest.param(b" " * (1024 * 1024 + 1), "MaxMessageLengthExceeded", id="too-big"),
]


@pytest.mark.parametrize(("body", "code"), REFUSED)
def test_parse_refused(body: bytes, code: str) -> None:
    assert _refused(body) == code


# ---- round trips ----

CONFIG = LifecycleConfiguration(
    (
        Rule("legacy", True, Filter(prefix="a/", legacy=True), expiration_days=3),
        Rule(
            "and",
            False,
            Filter(prefix="b/", tags=(("k", "v"), ("j", "")), size_gt=1, size_lt=99, conjunction=True),
            expiration_date=1893456000.0,
            transitions=(Transition("GLACIER", date=1861920000.0),),
        ),
        Rule(
            "markers",
            True,
            Filter(),
            expired_object_delete_marker=True,
            noncurrent_days=4,
            abort_multipart_days=7,
        ),
        Rule(
            "sized",
            True,
            Filter(size_lt=10),
            noncurrent_transitions=(NoncurrentTransition("DEEP_ARCHIVE", 1, newer_versions=3),),
            newer_noncurrent_versions=2,
            noncurrent_days=9,
        ),
        Rule("tag", True, Filter(tags=(("t", "1"),)), transitions=(Transition("STANDARD_IA", days=30),)),
    )
)


def test_xml_round_trip() -> None:
    again = rules.parse_xml(rules.to_xml(CONFIG))
    assert again == CONFIG
    assert [r.filter.legacy for r in again.rules] == [True, False, False, False, False]
    assert [r.filter.conjunction for r in again.rules] == [False, True, False, False, False]


def test_json_round_trip() -> None:
    again = rules.from_json(rules.to_json(CONFIG))
    assert again == CONFIG
    assert rules.to_xml(again) == rules.to_xml(CONFIG)


def test_to_xml_forms() -> None:
    text = rules.to_xml(CONFIG).decode()
    assert "<Rule><ID>legacy</ID><Prefix>a/</Prefix><Status>Enabled</Status>" in text
    assert "<Filter><And><Prefix>b/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>" in text
    assert "<Filter><Prefix></Prefix></Filter>" in text
    assert "<Date>2030-01-01T00:00:00.000Z</Date>" in text
    assert "<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>" in text


# ---- filters ----


@pytest.mark.parametrize(
    ("flt", "key", "size", "tags", "expected"),
    [
        pytest.param(Filter(), "any", 0, {}, True, id="empty"),
        pytest.param(Filter(prefix="a/"), "a/b", 0, {}, True, id="prefix"),
        pytest.param(Filter(prefix="a/"), "b/a/", 0, {}, False, id="prefix-elsewhere"),
        pytest.param(Filter(tags=(("k", "v"),)), "x", 0, {"k": "v", "o": "1"}, True, id="tag-subset"),
        pytest.param(Filter(tags=(("k", "v"),)), "x", 0, {"k": "w"}, False, id="tag-other-value"),
        pytest.param(Filter(tags=(("k", "v"), ("j", "1"))), "x", 0, {"k": "v"}, False, id="tags-missing-one"),
        pytest.param(Filter(size_gt=10), "x", 10, {}, False, id="size-gt-equal"),
        pytest.param(Filter(size_gt=10), "x", 11, {}, True, id="size-gt-above"),
        pytest.param(Filter(size_lt=10), "x", 10, {}, False, id="size-lt-equal"),
        pytest.param(Filter(size_lt=10), "x", 9, {}, True, id="size-lt-below"),
        pytest.param(
            Filter(prefix="p", tags=(("k", "v"),), size_gt=1, size_lt=5), "pq", 3, {"k": "v"}, True, id="and"
        ),
        pytest.param(
            Filter(prefix="p", tags=(("k", "v"),), size_gt=1), "q", 3, {"k": "v"}, False, id="and-prefix"
        ),
    ],
)
def test_filter_matches(flt: Filter, key: str, size: int, tags: dict[str, str], expected: bool) -> None:
    assert flt.matches(key, size, tags) is expected


def test_parse_keeps_spaces_in_prefix_and_tags() -> None:
    body = _doc(
        _rule(
            EXPIRE,
            filter_xml="<Filter><And><Prefix> a </Prefix>"
            "<Tag><Key> k</Key><Value>v </Value></Tag></And></Filter>",
        )
    )
    assert rules.parse_xml(body).rules[0].filter == Filter(prefix=" a ", tags=((" k", "v "),))
