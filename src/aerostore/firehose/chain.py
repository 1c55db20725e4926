"""Tamper evidence: a hash chain over the files a stream delivers, one manifest object per link.

Link ``n`` of a stream is the object ``_manifest/<stream>/<n:012d>.json`` in the destination
bucket. It names a delivered file with its SHA-256 and holds the hash of link ``n - 1``; its own
``hash`` is the SHA-256 of its other fields. Links are only ever added, never rewritten, so the
chain works under Object Lock COMPLIANCE (no overwrite needed) and with retention of any length.
``verify`` walks a chain and reports every file that was modified, deleted or reordered, and
every link that is missing, altered or out of order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MANIFEST_PREFIX = "_manifest/"
VERSION = 1


def link_key(stream: str, seq: int) -> str:
    return f"{MANIFEST_PREFIX}{stream}/{seq:012d}.json"


def make_link(stream: str, seq: int, prev: str, file_key: str, body: bytes, **facts: Any) -> dict[str, Any]:
    """Link ``seq`` of ``stream`` for the file ``file_key`` whose bytes are ``body``."""
    link: dict[str, Any] = {
        "version": VERSION,
        "stream": stream,
        "seq": seq,
        "prev": prev,
        "key": file_key,
        "sha256": hashlib.sha256(body).hexdigest(),
        "size": len(body),
        **facts,
    }
    link["hash"] = link_hash(link)
    return link


def link_hash(link: dict[str, Any]) -> str:
    fields = {name: value for name, value in link.items() if name != "hash"}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def encode(link: dict[str, Any]) -> bytes:
    return json.dumps(link, sort_keys=True, separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class Problem:
    stream: str
    key: str
    kind: str  # modified | missing | reordered | link-modified | link-missing | unreadable
    detail: str

    def __str__(self) -> str:
        return f"{self.stream}: {self.kind}: {self.key}: {self.detail}"


@dataclass(slots=True)
class Report:
    files: int = 0
    problems: list[Problem] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def streams(s3: Any, bucket: str) -> list[str]:
    """The streams that have a chain in ``bucket``."""
    found: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=MANIFEST_PREFIX, Delimiter="/"
    ):
        found += [p["Prefix"][len(MANIFEST_PREFIX) : -1] for p in page.get("CommonPrefixes", [])]
    return found


def verify(s3: Any, bucket: str, stream: str) -> Report:
    """Walk the chain of ``stream`` in ``bucket`` through the S3 API (``s3`` is a boto3 client)."""
    report = Report(problems=[])
    assert report.problems is not None
    report.problems += _rewritten_links(s3, bucket, stream)
    expected_seq, prev = 1, ""
    for key in _link_keys(s3, bucket, stream):
        link = _read_link(s3, bucket, stream, key, report.problems)
        if link is None:
            expected_seq += 1
            continue
        seq = link.get("seq")
        if seq != expected_seq or key != link_key(stream, int(seq or 0)):
            kind = "link-missing" if isinstance(seq, int) and seq > expected_seq else "reordered"
            report.problems.append(Problem(stream, key, kind, f"expected link {expected_seq}, found {seq}"))
        elif link.get("prev") != prev:
            report.problems.append(
                Problem(
                    stream, link.get("key", key), "reordered", f"link {seq} does not follow link {seq - 1}"
                )
            )
        expected_seq, prev = int(seq or expected_seq) + 1, str(link.get("hash", ""))
        report.files += 1
        _check_file(s3, bucket, stream, link, report.problems)
    return report


def _rewritten_links(s3: Any, bucket: str, stream: str) -> list[Problem]:
    """Links with versions of different content: in a versioned (locked) bucket, a rewrite keeps the original.

    A redelivery after a crash writes a link again with the same bytes, which is no problem.
    """
    etags: dict[str, set[str]] = {}
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{MANIFEST_PREFIX}{stream}/"):
        for version in page.get("Versions", []):
            etags.setdefault(version["Key"], set()).add(version["ETag"])
    return [Problem(stream, key, "link-modified", f"{len(tags)} different versions of the link")
            for key, tags in sorted(etags.items()) if len(tags) > 1]  # fmt: skip


def _link_keys(s3: Any, bucket: str, stream: str) -> Iterator[str]:
    prefix = f"{MANIFEST_PREFIX}{stream}/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from (item["Key"] for item in page.get("Contents", []))


def _read_link(s3: Any, bucket: str, stream: str, key: str, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        link = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ValueError as exc:
        problems.append(Problem(stream, key, "link-modified", f"not JSON: {exc}"))
        return None
    if not isinstance(link, dict) or link.get("hash") != link_hash(link):
        problems.append(Problem(stream, key, "link-modified", "the link's hash does not match its content"))
        return None
    return link


def _check_file(s3: Any, bucket: str, stream: str, link: dict[str, Any], problems: list[Problem]) -> None:
    key = str(link.get("key"))
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        problems.append(Problem(stream, key, "missing", f"the file of link {link.get('seq')} is gone"))
        return
    digest = hashlib.sha256(body).hexdigest()
    if digest != link.get("sha256"):
        problems.append(Problem(stream, key, "modified", f"sha256 {digest}, chained {link.get('sha256')}"))
