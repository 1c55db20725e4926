"""Where GLACIER / DEEP_ARCHIVE bytes live: a directory (possibly another volume) or a remote S3 bucket.

A tier stores one zstd-compressed file per archived version under a reference the caller picks
(``new_ref``) before a byte is written, so the reference can be recorded as an intent first
(migration 0008): a crash then never leaves a copy nobody knows about. References are random,
never derived from keys. Every method blocks: callers run them on the blob pool.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa  # type: ignore[import-untyped]

from aerostore.storage.blobs import fsync_dir

CODEC = "zstd"
READ_CHUNK = 1024 * 1024


class ArchiveTier(Protocol):
    name: str

    def new_ref(self) -> str:
        """A fresh reference for a copy about to be written."""

    def write(self, ref: str, chunks: Iterable[bytes]) -> int:
        """Store ``chunks`` compressed under ``ref``, durably; return the stored size."""

    def read(self, ref: str) -> Iterator[bytes]:
        """The decompressed bytes of ``ref``, in chunks."""

    def delete(self, ref: str) -> None:
        """Remove ``ref``; a missing one is no error (deletion may be repeated after a crash)."""


def _compress_to(path: Path, chunks: Iterable[bytes], fsync: bool) -> None:
    """Write ``chunks`` zstd-compressed into a new file at ``path``, fsynced."""
    with pa.CompressedOutputStream(str(path), CODEC) as out:
        for chunk in chunks:
            out.write(chunk)
    if fsync:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _decompress(path: Path) -> Iterator[bytes]:
    with pa.CompressedInputStream(str(path), CODEC) as stream:
        while chunk := stream.read(READ_CHUNK):
            yield bytes(chunk)


class DirectoryTier:
    """Compressed files under ``root``: ``tmp/<uuid>``, fsync, rename to ``ab/cd/<uuid>.zst``, fsync dir."""

    def __init__(self, root: Path, *, fsync: bool = True, name: str = "directory") -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.fsync = fsync
        self.name = name

    def new_ref(self) -> str:
        name = uuid.uuid4().hex
        return f"{name[:2]}/{name[2:4]}/{name}.zst"

    def path(self, ref: str) -> Path:
        if ".." in ref.split("/") or ref.startswith("/"):
            raise ValueError(f"bad archive reference {ref!r}")
        return self.root / ref

    def write(self, ref: str, chunks: Iterable[bytes]) -> int:
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / Path(ref).name
        try:
            _compress_to(tmp, chunks, self.fsync)
            final = self.path(ref)
            if not final.parent.is_dir():
                final.parent.mkdir(parents=True, exist_ok=True)
                self._sync(final.parent.parent)
                self._sync(self.root)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._sync(final.parent)
        return final.stat().st_size

    def read(self, ref: str) -> Iterator[bytes]:
        return _decompress(self.path(ref))

    def delete(self, ref: str) -> None:
        self.path(ref).unlink(missing_ok=True)

    def sweep_tmp(self) -> None:
        """Temp files of copies a crash interrupted (never renamed, so never referenced)."""
        if self.tmp.is_dir():
            for leftover in self.tmp.iterdir():
                leftover.unlink(missing_ok=True)

    def _sync(self, directory: Path) -> None:
        if self.fsync:
            fsync_dir(directory)


class S3Tier:
    """A bucket on a remote S3 endpoint (as MinIO's ILM tiers): objects ``<prefix><ref>``.

    The compressed copy is staged in ``scratch`` and uploaded whole; a restore downloads it
    there before decompressing. A PUT that S3 acknowledged is durable by S3's own promise.
    """

    def __init__(self, name: str, client: Any, bucket: str, prefix: str, scratch: Path) -> None:
        self.name, self.client, self.bucket, self.prefix = name, client, bucket, prefix
        self.scratch = Path(scratch)

    @classmethod
    def from_settings(cls, name: str, settings: dict[str, Any], scratch: Path) -> S3Tier:
        import boto3  # type: ignore[import-untyped]  # only a remote tier needs it
        from botocore.config import Config as BotoConfig  # type: ignore[import-untyped]

        client = boto3.client(
            "s3",
            endpoint_url=settings["endpoint"],
            aws_access_key_id=settings.get("access_key"),
            aws_secret_access_key=settings.get("secret_key"),
            region_name=settings.get("region", "us-east-1"),
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 5}),
        )
        return cls(name, client, settings["bucket"], settings.get("prefix", ""), scratch)

    def new_ref(self) -> str:
        return f"{uuid.uuid4().hex}.zst"

    def write(self, ref: str, chunks: Iterable[bytes]) -> int:
        with self._staged() as staged:
            _compress_to(staged, chunks, fsync=False)  # the remote PUT is the durable step
            self.client.upload_file(str(staged), self.bucket, self.prefix + ref)
            return staged.stat().st_size

    def read(self, ref: str) -> Iterator[bytes]:
        with self._staged() as staged:
            self.client.download_file(self.bucket, self.prefix + ref, str(staged))
            yield from _decompress(staged)

    def delete(self, ref: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + ref)

    @contextlib.contextmanager
    def _staged(self) -> Iterator[Path]:
        self.scratch.mkdir(parents=True, exist_ok=True)
        path = self.scratch / f"tier-{uuid.uuid4().hex}"
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)
