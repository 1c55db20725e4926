from __future__ import annotations

from pathlib import Path

from aerostore.http.asgi import error_result
from aerostore.http.context import RequestContext
from aerostore.s3 import errors

DOCS = Path(__file__).resolve().parents[3] / "docs" / "errors.md"


def context(method: str = "GET") -> RequestContext:
    return RequestContext(
        request_id="0123456789ABCDEF",
        started=0.0,
        remote="127.0.0.1",
        host="h",
        method=method,
        raw_path="/bucket/key?x=1",
        query_string="x=1",
        headers={},
    )


def test_docs_errors_md_matches_catalog() -> None:
    assert DOCS.read_text() == errors.catalog_markdown(), (
        "regenerate: python -m aerostore.s3.errors > docs/errors.md"
    )


def test_error_xml_golden() -> None:
    result = error_result(context(), errors.NoSuchKey(Key="key"))
    assert result.status == 404
    assert result.body == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
        b"<Message>The specified key does not exist.</Message><Key>key</Key><Resource>/bucket/key</Resource>"
        b"<RequestId>0123456789ABCDEF</RequestId><HostId></HostId></Error>"
    )


def test_invalid_range_carries_content_range() -> None:
    exc = errors.InvalidRange()
    exc.extra_headers = {"content-range": "bytes */10"}
    result = error_result(context(), exc)
    assert (result.status, result.headers["content-range"]) == (416, "bytes */10")


def test_head_errors_have_no_body() -> None:
    result = error_result(context("HEAD"), errors.NoSuchKey())
    assert (result.status, result.body) == (404, b"")


def test_every_code_is_unique() -> None:
    codes = [cls.code for cls in errors.all_errors()]
    assert len(codes) == len(set(codes))
