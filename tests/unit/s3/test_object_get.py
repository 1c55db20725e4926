from __future__ import annotations

import pytest

from aerostore.s3 import errors
from aerostore.s3.handlers.object_get import check_preconditions, parse_range
from aerostore.storage.model import ObjectAttrs, ObjectVersion


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=3-", 10, (3, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=5-100", 10, (5, 9)),
        ("bytes=5-2", 10, None),
        ("bytes=a-b", 10, None),
        ("items=0-1", 10, None),
        ("bytes=0-1,3-4", 10, None),
        (None, 10, None),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_unsatisfiable_range(header: str, size: int) -> None:
    with pytest.raises(errors.InvalidRange) as exc:
        parse_range(header, size)
    assert exc.value.headers() == {"content-range": f"bytes */{size}"}


VERSION = ObjectVersion(
    bucket="b",
    key="k",
    version_id="null",
    seq=1,
    is_latest=True,
    delete_marker=False,
    size=1,
    etag="abc",
    last_modified=1_700_000_000.5,
    attrs=ObjectAttrs(),
    checksums={},
    segments=(),
)
BEFORE, AFTER = "Tue, 14 Nov 2023 22:00:00 GMT", "Wed, 15 Nov 2023 00:00:00 GMT"


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"if-match": '"abc"'}, None),
        ({"if-match": '"xyz"'}, errors.PreconditionFailed),
        ({"if-match": "*"}, None),
        ({"if-none-match": '"abc"'}, errors.NotModified),
        ({"if-none-match": '"xyz"'}, None),
        ({"if-modified-since": AFTER}, errors.NotModified),
        ({"if-modified-since": BEFORE}, None),
        ({"if-unmodified-since": BEFORE}, errors.PreconditionFailed),
        ({"if-match": '"abc"', "if-unmodified-since": BEFORE}, None),
        ({"if-none-match": '"xyz"', "if-modified-since": AFTER}, None),
    ],
)
def test_preconditions(headers: dict[str, str], error: type[errors.S3Error] | None) -> None:
    if error is None:
        check_preconditions(headers, VERSION)
    else:
        with pytest.raises(error):
            check_preconditions(headers, VERSION)
