"""Request body readers: aws-chunked decoding, hashing and verification while streaming.

The reader raises an S3 error as soon as it knows the body is bad, and only finishes
iterating once every digest the client sent has been checked, so a caller that stores
what it iterates never commits a body that failed verification.

Hashing a big body on the event loop would cap a PUT at the speed of MD5 alone and stall
every other request meanwhile. The reader gathers the payload into batches of
``HASH_BATCH`` bytes, hands each batch to worker threads, one per digest (hashlib releases
the GIL), and receives the next batch meanwhile; each digest sees the batches in order
because a batch starts only after the previous one finished. One buffer per batch means
one GIL round trip per digest and one write call per batch, not one per network read.
A body smaller than a batch is hashed on the loop: a thread hop would cost more.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from aerostore.auth import checksums, sigv4
from aerostore.auth.chunked import AwsChunkedDecoder
from aerostore.s3 import errors
from aerostore.storage.model import Digests

Receive = Callable[[], Awaitable[dict[str, Any]]]

X_AMZ_DECODED_LENGTH = "x-amz-decoded-content-length"
X_AMZ_TRAILER = "x-amz-trailer"
X_AMZ_SDK_CHECKSUM_ALGORITHM = "x-amz-sdk-checksum-algorithm"
STREAMING_MODES = {sigv4.STREAMING_SIGNED, sigv4.STREAMING_SIGNED_TRAILER, sigv4.STREAMING_UNSIGNED_TRAILER}

_CHECKSUM_HEADERS = {checksums.header_name(alg): alg for alg in checksums.ALGORITHMS}
HASH_BATCH = 1024 * 1024  # bytes per yielded chunk and per thread hop of each digest
_HASH_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="aerostore-hash")


class _Updatable(Protocol):
    def update(self, data: bytes, /) -> None: ...


def expected_checksums(headers: Mapping[str, str]) -> dict[str, str]:
    """The x-amz-checksum-<alg> values sent as headers, by algorithm."""
    found = {alg: headers[name] for name, alg in _CHECKSUM_HEADERS.items() if name in headers}
    if len(found) > 1:
        raise errors.InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    return found


def trailer_algorithm(headers: Mapping[str, str]) -> str | None:
    """The algorithm announced by x-amz-trailer (e.g. "x-amz-checksum-crc32")."""
    trailer = headers.get(X_AMZ_TRAILER, "").strip().lower()
    if not trailer:
        return None
    alg = _CHECKSUM_HEADERS.get(trailer)
    if alg is None:
        raise errors.InvalidRequest("The value specified in the x-amz-trailer header is not supported")
    return alg


def content_md5(headers: Mapping[str, str]) -> bytes | None:
    value = headers.get("content-md5")
    if value is None:
        return None
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidDigest() from None
    if len(digest) != 16:
        raise errors.InvalidDigest()
    return digest


class BodyReader:
    """Streams a request body once, decoding aws-chunked and verifying every digest.

    ``extra_algorithm`` asks for a checksum to be computed even if the client sent none
    (e.g. the upload's algorithm for a part).
    """

    def __init__(
        self,
        receive: Receive,
        headers: Mapping[str, str],
        auth: sigv4.AuthResult,
        *,
        extra_algorithm: str | None = None,
        max_size: int = 5 * 1024**4,
    ) -> None:
        self._receive = receive
        self._auth = auth
        self._md5_expected = content_md5(headers)
        self._expected = expected_checksums(headers)
        self._trailer_alg = trailer_algorithm(headers)
        self._decoder: AwsChunkedDecoder | None = None
        self._declared = self._declared_length(headers)
        if auth.payload in STREAMING_MODES:
            self._decoder = AwsChunkedDecoder(
                mode=auth.payload,
                seed_signature=auth.seed_signature,
                signing_key=auth.signing_key,
                scope=auth.scope,
                amz_date=auth.amz_date,
            )
        if self._declared is not None and self._declared > max_size:
            raise errors.EntityTooLarge()
        algs = set(self._expected) | ({self._trailer_alg} if self._trailer_alg else set())
        alg = headers.get(X_AMZ_SDK_CHECKSUM_ALGORITHM, "").upper() or extra_algorithm
        if alg:
            if alg not in checksums.ALGORITHMS:
                raise errors.InvalidRequest(f"Checksum algorithm provided is unsupported: {alg}")
            algs.add(alg)
        self._hashers = {a: checksums.new_hasher(a) for a in algs}
        self._md5 = hashlib.md5()
        self._sha256 = hashlib.sha256() if self._payload_hash_required() else None
        self._all: list[_Updatable] = [self._md5, *self._hashers.values()]
        if self._sha256 is not None:
            self._all.append(self._sha256)
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._hashing: list[asyncio.Future[None]] = []
        self._size = 0
        self._digests: Digests | None = None
        self._wire_length = self._content_length(headers)

    @staticmethod
    def _content_length(headers: Mapping[str, str]) -> int | None:
        value = headers.get("content-length")
        if value is None:
            return None
        if not value.isdigit():
            raise errors.InvalidArgument("Content-Length is not a number")
        return int(value)

    def _declared_length(self, headers: Mapping[str, str]) -> int | None:
        """The payload size the client promised (decoded length for aws-chunked)."""
        if self._auth.payload in STREAMING_MODES:
            value = headers.get(X_AMZ_DECODED_LENGTH)
            if value is None or not value.isdigit():
                raise errors.MissingContentLength()
            return int(value)
        value = headers.get("content-length")
        if value is None:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                return None
            raise errors.MissingContentLength()
        if not value.isdigit():
            raise errors.InvalidArgument("Content-Length is not a number")
        return int(value)

    def _payload_hash_required(self) -> bool:
        payload = self._auth.payload
        return payload not in STREAMING_MODES and payload != sigv4.UNSIGNED_PAYLOAD

    @property
    def declared_length(self) -> int | None:
        return self._declared

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        """Yield the payload in batches of ``HASH_BATCH`` bytes; the tail only once verified."""
        wire = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise errors.IncompleteBody()
            data: bytes = message.get("body", b"")
            wire += len(data)
            for piece in self._decoder.feed(data) if self._decoder else (data,):
                self._consume(piece)
            if self._batch_size >= HASH_BATCH:
                yield await self._hash_batch()
            if not message.get("more_body", False):
                break
        if self._wire_length is not None and wire < self._wire_length:
            raise errors.IncompleteBody()
        trailers = self._decoder.finish() if self._decoder else {}
        tail = await self._hash_tail()
        self._verify(trailers)
        if tail:
            yield tail

    def _consume(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._declared is not None and self._size > self._declared:
            raise errors.IncompleteBody("The request body is longer than its declared length")
        if piece:
            self._batch.append(piece)
            self._batch_size += len(piece)

    def _take_batch(self) -> bytes:
        batch, self._batch, self._batch_size = self._batch, [], 0
        return b"".join(batch)  # one buffer: each digest and the file write then take one call

    async def _hash_batch(self) -> bytes:
        """Wait for the previous batch, then start hashing this one in threads, a digest each."""
        await self._settle()
        chunk = self._take_batch()
        loop = asyncio.get_running_loop()
        self._hashing = [loop.run_in_executor(_HASH_POOL, h.update, chunk) for h in self._all]
        return chunk

    async def _settle(self) -> None:
        hashing, self._hashing = self._hashing, []
        if hashing:
            await asyncio.gather(*hashing)

    async def _hash_tail(self) -> bytes:
        if self._hashing:  # a big body: its tail goes the same way
            chunk = await self._hash_batch()
            await self._settle()
            return chunk
        chunk = self._take_batch()
        for hasher in self._all:
            hasher.update(chunk)
        return chunk

    def _verify(self, trailers: Mapping[str, str]) -> None:
        if self._declared is not None and self._size != self._declared:
            raise errors.IncompleteBody()
        if self._sha256 is not None and self._sha256.hexdigest() != self._auth.payload.lower():
            raise errors.XAmzContentSHA256Mismatch(
                ClientComputedContentSHA256=self._auth.payload,
                S3ComputedContentSHA256=self._sha256.hexdigest(),
            )
        md5 = self._md5.digest()
        if self._md5_expected is not None and md5 != self._md5_expected:
            raise errors.BadDigest(
                ExpectedDigest=base64.b64encode(self._md5_expected).decode(),
                CalculatedDigest=base64.b64encode(md5).decode(),
            )
        computed = {alg: h.digest_b64() for alg, h in self._hashers.items()}
        expected = dict(self._expected)
        if self._trailer_alg:
            value = trailers.get(checksums.header_name(self._trailer_alg))
            if value is None:
                raise errors.InvalidRequest("The trailing checksum was not received")
            expected[self._trailer_alg] = value
        for alg, value in expected.items():
            if computed[alg] != value:
                raise errors.BadDigest(f"The {alg} you specified did not match the calculated checksum.")
        self._digests = Digests(md5_hex=md5.hex(), size=self._size, checksums=computed)

    def digests(self) -> Digests:
        if self._digests is None:
            raise RuntimeError("digests() called before the body was fully read")
        return self._digests


async def read_small_body(
    receive: Receive, headers: Mapping[str, str], auth: sigv4.AuthResult, limit: int
) -> bytes:
    """Read a whole (XML) request body, verified, refusing anything over ``limit`` bytes."""
    reader = BodyReader(receive, headers, auth)
    if reader.declared_length is not None and reader.declared_length > limit:
        raise errors.MaxMessageLengthExceeded()
    buf = bytearray()
    async for piece in reader:
        buf += piece
        if len(buf) > limit:
            raise errors.MaxMessageLengthExceeded()
    return bytes(buf)


async def read_capped(receive: Receive, limit: int, too_large: Callable[[str], Exception]) -> bytes:
    """A whole small request body (the JSON and form APIs); ``too_large(message)`` past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
