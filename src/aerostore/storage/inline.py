"""Small objects kept in SQLite: which bodies qualify, reading them in, reading them out.

A PUT whose client declared a length of at most ``INLINE_MAX`` bytes is read whole into
memory (verified by its reader) and committed as an ``inline_data`` row in the transaction
that installs its version (migration 0002 says why a table of its own). It costs no file,
no fsync of its own: only the WAL fsync its group commit shares with every other write.
Only such bodies are buffered, so a request holds at most ``INLINE_MAX`` bytes here.

Copies whose source is that small become inline too, wherever the source lives. Multipart
parts always stay files: completing an upload turns part files into segments without
rewriting a byte, and parts are at least 5 MiB but the last.
"""

from __future__ import annotations

from collections.abc import Iterator

from aerostore.s3 import errors
from aerostore.storage.blobs import BlobStore
from aerostore.storage.hashing import Digester
from aerostore.storage.model import BodyReader, Digests, ObjectVersion

# 64 KiB: one group commit of 16 such PUTs writes ~1 MiB of WAL, still far cheaper than 16
# file + directory fsyncs; a 64 KiB read out of SQLite stays short enough for the event loop.
INLINE_MAX = 64 * 1024


def wanted(body: BodyReader) -> bool:
    """Store this body inline? Only when its length is known, and small, before a byte is read."""
    length = body.declared_length
    return length is not None and length <= INLINE_MAX


async def read_body(body: BodyReader) -> bytes:
    """The whole body, verified once the reader is exhausted; never more than ``INLINE_MAX``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in body:
        size += len(chunk)
        if size > INLINE_MAX:  # a reader that broke its declared length; BodyReader never does
            raise errors.IncompleteBody("The request body is longer than its declared length")
        chunks.append(chunk)
    return b"".join(chunks)


def read_range(blobs: BlobStore, version: ObjectVersion, start: int, end_inclusive: int) -> Iterator[bytes]:
    """Bytes ``start..end_inclusive`` of any version, inline or in blob files."""
    if version.inline is not None:
        if start > end_inclusive:
            return iter(())
        return iter((version.inline[start : end_inclusive + 1],))
    if version.size > 0 and not version.segments:
        # Listings load versions without their bodies; reading one would silently yield nothing.
        raise RuntimeError(f"version {version.seq} was loaded without its inline body")
    return blobs.open_range(version.segments, start, end_inclusive)


async def copy_in(blobs: BlobStore, source: ObjectVersion, algorithm: str | None) -> tuple[bytes, Digests]:
    """A small source's whole body and its digests, for a copy that will be stored inline."""

    def run() -> tuple[bytes, Digests]:
        data = b"".join(read_range(blobs, source, 0, source.size - 1))
        digester = Digester(algorithm)
        digester.update(data)
        return data, digester.digests()

    if source.inline is not None:
        return run()  # at most INLINE_MAX bytes in memory: hashing them is cheaper than a thread hop
    return await blobs.run(run)
