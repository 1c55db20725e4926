from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

KEYS = ["a", "a/b", "a/c/d", "a0", "b/x", "b/y", "c", "z", "\u00e9", "\U0001F600", "\uff41"]


@pytest.fixture
def filled(s3, bucket: str) -> str:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), KEYS))
    return bucket


def utf8_sorted(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def test_list_v2_utf8_byte_order(s3, filled: str) -> None:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=filled)["Contents"]]
    assert keys == utf8_sorted(KEYS)


def test_list_v1_and_v2_delimiter_common_prefixes(s3, filled: str) -> None:
    for listing in (s3.list_objects(Bucket=filled, Delimiter="/"),
                    s3.list_objects_v2(Bucket=filled, Delimiter="/")):  # fmt: skip
        assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["a/", "b/"]
        assert "a/b" not in [o["Key"] for o in listing["Contents"]]


def test_list_prefix_and_delimiter(s3, filled: str) -> None:
    listing = s3.list_objects_v2(Bucket=filled, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in listing["Contents"]] == ["a/b"]
    assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["a/c/"]


@pytest.mark.parametrize("page_size", [1, 2, 3, 5])
def test_list_v2_pagination_is_complete(s3, filled: str, page_size: int) -> None:
    paginator = s3.get_paginator("list_objects_v2")
    pages = paginator.paginate(Bucket=filled, PaginationConfig={"PageSize": page_size})
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert keys == utf8_sorted(KEYS)


def test_list_v1_marker_pagination(s3, filled: str) -> None:
    pages = s3.get_paginator("list_objects").paginate(Bucket=filled, PaginationConfig={"PageSize": 2})
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert keys == utf8_sorted(KEYS)


def test_list_delimiter_pagination_counts_prefixes(s3, filled: str) -> None:
    paginator = s3.get_paginator("list_objects_v2")
    pages = paginator.paginate(Bucket=filled, Delimiter="/", PaginationConfig={"PageSize": 1})
    seen = []
    for page in pages:
        seen += [o["Key"] for o in page.get("Contents", [])]
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    assert seen == utf8_sorted(["a", "a/", "a0", "b/", "c", "z", "\u00e9", "\U0001F600", "\uff41"])


def test_list_start_after_and_fetch_owner(s3, filled: str) -> None:
    listing = s3.list_objects_v2(Bucket=filled, StartAfter="b/x", FetchOwner=True)
    assert listing["Contents"][0]["Key"] == "b/y"
    assert listing["Contents"][0]["Owner"]["ID"]
    assert listing["StartAfter"] == "b/x"


def test_list_max_keys_zero_and_invalid(s3, filled: str) -> None:
    assert s3.list_objects_v2(Bucket=filled, MaxKeys=0)["KeyCount"] == 0
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=filled, MaxKeys=-1)
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"


def test_list_encoding_type_url(s3, bucket: str) -> None:
    key = "with space+plus/and\u00e9"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    listing = s3.list_objects_v2(Bucket=bucket)  # botocore adds encoding-type=url and decodes
    assert listing["Contents"][0]["Key"] == key
    raw = s3.list_objects_v2(Bucket=bucket, EncodingType="url")  # asked for explicitly: left encoded
    assert raw["Contents"][0]["Key"] == "with%20space%2Bplus/and%C3%A9"


def test_list_object_versions_unversioned_bucket(s3, filled: str) -> None:
    versions = s3.list_object_versions(Bucket=filled)["Versions"]
    assert [v["Key"] for v in versions] == utf8_sorted(KEYS)
    assert {v["VersionId"] for v in versions} == {"null"}
    assert all(v["IsLatest"] for v in versions)


def test_list_invalid_continuation_token(s3, filled: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=filled, ContinuationToken="!!!not-a-token")
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"
