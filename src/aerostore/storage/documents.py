"""Bucket sub-resource documents (rows of ``config``), parsed once per stored text.

Hot paths read a bucket's configuration on every request (notifications on every write,
lifecycle for ``x-amz-expiration`` on every GET/HEAD): one primary-key read of the row, and the
parsed value is reused for as long as the stored text is the same. Keying by the text, not by
the bucket, means no invalidation is ever needed: a changed document is a new key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_SELECT = "SELECT value FROM config WHERE bucket = ? AND name = ?"


class ParsedDocuments(Generic[T]):
    """The ``name`` document of any bucket, parsed by ``parse``; at most ``limit`` kept."""

    def __init__(self, name: str, parse: Callable[[str], T], limit: int = 1024) -> None:
        self.name = name
        self.parse = parse
        self.limit = limit
        self._parsed: dict[str, T] = {}

    def load(self, conn: sqlite3.Connection, bucket: str) -> T | None:
        """The bucket's document, None when it has none."""
        row = conn.execute(_SELECT, (bucket, self.name)).fetchone()
        if row is None:
            return None
        text = str(row[0])
        found = self._parsed.get(text)
        if found is None:
            if len(self._parsed) >= self.limit:
                self._parsed.clear()
            found = self._parsed[text] = self.parse(text)
        return found
