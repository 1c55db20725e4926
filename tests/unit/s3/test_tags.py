from __future__ import annotations

import pytest

from aerostore.s3 import errors, tags
from aerostore.s3.tags import Scope


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, {}), ("", {}), ("a=1", {"a": "1"}), ("b=2&a=1", {"a": "1", "b": "2"}), ("bare", {"bare": ""}),
     ("k=", {"k": ""}), ("a=1&&&b", {"a": "1", "b": ""}), ("sp=a+b%20c", {"sp": "a b c"}),
     ("%C3%A9=%E6%97%A5", {"é": "日"}), ("eq=%3D", {"eq": "="})],
    ids=["absent", "empty", "one", "key-order", "bare-key", "empty-value", "empty-pairs", "spaces", "utf8",
         "encoded-equals"],
)  # fmt: skip
def test_parse_header(header: str | None, expected: dict[str, str]) -> None:
    parsed = tags.parse_header(header)
    assert (parsed, list(parsed)) == (expected, sorted(expected))


@pytest.mark.parametrize(
    ("header", "error"),
    [("a=1&a=2", errors.InvalidArgument), ("a=1=2", errors.InvalidArgument), ("=1", errors.InvalidArgument),
     ("a=%ff", errors.InvalidArgument), ("a=%2C", errors.InvalidTag), ("aws%3Ax=1", errors.InvalidTag),
     ("&".join(f"k{i}" for i in range(11)), errors.BadRequest)],
    ids=["duplicate", "two-equals", "empty-key", "not-utf8", "bad-char", "reserved", "eleven"],
)  # fmt: skip
def test_parse_header_refused(header: str, error: type[errors.S3Error]) -> None:
    with pytest.raises(error):
        tags.parse_header(header)


def test_header_refusal_names_the_header() -> None:
    with pytest.raises(errors.InvalidArgument) as exc:
        tags.parse_header("a=1&a=2")
    assert exc.value.fields == {"ArgumentName": "x-amz-tagging", "ArgumentValue": "a=1&a=2"}


def test_parse_document_keeps_order() -> None:
    body = (b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
            b"<Tag><Key>z</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value></Value></Tag>"
            b"</TagSet></Tagging>")  # fmt: skip
    assert list(tags.parse_document(body, Scope.OBJECT).items()) == [("z", "1"), ("a", "")]


@pytest.mark.parametrize(
    "body",
    [b"", b"<Tagging>", b"<TagSet/>", b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>"],
    ids=["empty", "unclosed", "wrong-root", "no-value"],
)
def test_parse_document_malformed(body: bytes) -> None:
    with pytest.raises(errors.MalformedXML):
        tags.parse_document(body, Scope.OBJECT)


@pytest.mark.parametrize(("scope", "limit"), [(Scope.OBJECT, 10), (Scope.BUCKET, 50)],
                         ids=["object", "bucket"])  # fmt: skip
def test_count_limits(scope: Scope, limit: int) -> None:
    assert len(tags.check([(f"k{i}", "v") for i in range(limit)], scope)) == limit
    with pytest.raises(errors.BadRequest):
        tags.check([(f"k{i}", "v") for i in range(limit + 1)], scope)


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [("k" * 128, "v" * 256, True), ("k" * 129, "v", False), ("k", "v" * 257, False),
     ("é" * 128, "日" * 256, True), ("Key With Spaces", "a+b=c:d/e@f_g.h-i", True), ("", "v", False),
     ("k", "", True), ("k#", "v", False), ("k", "v,w", False), ("tab\t", "v", False)],
    ids=["max", "key-129", "value-257", "unicode-max", "symbols", "empty-key", "empty-value", "hash", "comma",
         "tab"],
)  # fmt: skip
def test_check_one_tag(key: str, value: str, ok: bool) -> None:
    if ok:
        assert tags.check([(key, value)], Scope.OBJECT) == {key: value}
    else:
        with pytest.raises(errors.InvalidTag):
            tags.check([(key, value)], Scope.OBJECT)


@pytest.mark.parametrize(
    ("scope", "message"),
    [(Scope.OBJECT, "Your TagKey cannot be prefixed with aws:"),
     (Scope.BUCKET, "System tags cannot be added/updated by requester")],
    ids=["object", "bucket"],
)  # fmt: skip
def test_reserved_prefix(scope: Scope, message: str) -> None:
    with pytest.raises(errors.InvalidTag) as exc:
        tags.check([("aws:x", "v")], scope)
    assert (exc.value.text, exc.value.fields) == (message, {"TagKey": "aws:x"})


def test_document_renders_in_order_and_escapes() -> None:
    body = tags.document({"b": "<&>", "a": ""})
    assert body.endswith(
        b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>b</Key><Value>&lt;&amp;&gt;'
        b"</Value></Tag><Tag><Key>a</Key><Value></Value></Tag></TagSet></Tagging>"
    )
