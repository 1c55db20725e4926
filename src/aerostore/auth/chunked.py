"""A sans-IO decoder for ``Content-Encoding: aws-chunked`` request bodies.

The wire format is ``<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n`` repeated, a zero-size
chunk, then optional trailer lines (``x-amz-checksum-crc32:...``) and an empty line. Signed
chunks chain: each signature covers the previous one, starting from the request's seed
signature, so a chunk can be neither altered, dropped nor reordered.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from typing import Any

from aerostore.auth.sigv4 import (
    EMPTY_SHA256,
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    STREAMING_UNSIGNED_TRAILER,
    AuthResult,
    sign,
)
from aerostore.s3 import errors

MODES = (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER)
TRAILER_SIGNATURE = "x-amz-trailer-signature"
MAX_LINE = 4096  # a size line is ~90 bytes; a trailer line ~100
MAX_TRAILER_BYTES = 16 * 1024
DEFAULT_MAX_CHUNK = 16 * 1024 * 1024  # signed chunks are held until verified; SDKs send 64 KiB-8 MiB

_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_SIGNATURE_EXT = b"chunk-signature="
_CRLF = b"\r\n"


class _State(enum.Enum):
    SIZE = "size"  # expecting a chunk-size line
    DATA = "data"  # inside a chunk's data
    DATA_END = "data-end"  # expecting the CRLF after a chunk's data
    TRAILER = "trailer"  # after the zero-size chunk: trailer lines until an empty line
    DONE = "done"


class AwsChunkedDecoder:
    """Feed it the body as it arrives; it returns payload pieces once they may be released.

    Signed chunks are released only after their signature is verified, so a chunk is held in
    memory until complete (at most ``max_chunk_size``). Unsigned chunks are released at once.
    ``finish()`` raises if the body stopped early and returns the trailer headers; the caller
    checks that those named by ``x-amz-trailer`` are there and match the payload.
    """

    def __init__(
        self,
        mode: str,
        *,
        seed_signature: str = "",
        signing_key: bytes = b"",
        scope: str = "",
        amz_date: str = "",
        max_chunk_size: int = DEFAULT_MAX_CHUNK,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"not an aws-chunked payload mode: {mode!r}")
        self.mode = mode
        self.signed = mode != STREAMING_UNSIGNED_TRAILER
        self.decoded_length = 0
        self._key = signing_key
        self._sts_head = f"{amz_date}\n{scope}"  # the fixed middle of every string to sign
        self._previous = seed_signature
        self._max_chunk = max_chunk_size
        self._buf = bytearray()
        self._pos = 0
        self._state = _State.SIZE
        self._remaining = 0  # data bytes left in the current chunk
        self._chunk_signature = b""
        self._trailers: dict[str, str] = {}
        self._trailer_bytes = 0
        self._trailer_verified = False

    @classmethod
    def from_auth(cls, auth: AuthResult, **options: Any) -> AwsChunkedDecoder:
        """A decoder for the request ``auth`` verified, chaining from its seed signature."""
        return cls(
            auth.payload,
            seed_signature=auth.seed_signature,
            signing_key=auth.signing_key,
            scope=auth.scope,
            amz_date=auth.amz_date,
            **options,
        )

    @property
    def done(self) -> bool:
        return self._state is _State.DONE

    def feed(self, data: bytes) -> list[bytes]:
        """Consume the next bytes of the body; return the payload pieces now safe to use."""
        self._buf += data
        out: list[bytes] = []
        while self._step(out):
            pass
        if self._pos:
            del self._buf[: self._pos]  # CPython drops a bytearray prefix without moving the rest
            self._pos = 0
        return out

    def finish(self) -> dict[str, str]:
        """End of body: raise IncompleteBody if it was cut short, else return the trailers."""
        if self._state is _State.TRAILER and self._pos == len(self._buf) and self._trailer_complete():
            self._state = _State.DONE  # some clients omit the empty line that ends the trailers
        if self._state is not _State.DONE:
            raise errors.IncompleteBody("The request body terminated unexpectedly")
        return dict(self._trailers)

    def _trailer_complete(self) -> bool:
        if self.mode == STREAMING_SIGNED_TRAILER:
            return self._trailer_verified
        return self.mode == STREAMING_SIGNED or bool(self._trailers)

    # ---- the state machine: each step consumes what it can and says whether it made progress ----

    def _step(self, out: list[bytes]) -> bool:
        if self._state is _State.SIZE:
            return self._size_line()
        if self._state is _State.DATA:
            return self._data(out)
        if self._state is _State.DATA_END:
            return self._data_end()
        if self._state is _State.TRAILER:
            return self._trailer_line()
        if self._pos < len(self._buf):
            raise errors.InvalidRequest("The aws-chunked body has data after its final chunk.")
        return False

    def _line(self) -> bytes | None:
        end = self._buf.find(_CRLF, self._pos, self._pos + MAX_LINE)
        if end < 0:
            if len(self._buf) - self._pos >= MAX_LINE:
                raise errors.IncompleteBody("An aws-chunked line is too long.")
            return None
        line = bytes(self._buf[self._pos : end])
        self._pos = end + 2
        return line

    def _size_line(self) -> bool:
        line = self._line()
        if line is None:
            return False
        size_text, _, extensions = line.partition(b";")
        if not _SIZE.fullmatch(size_text):
            raise errors.IncompleteBody("An aws-chunked chunk size is not hexadecimal.")
        size = int(size_text, 16)
        if self.signed:
            self._chunk_signature = _chunk_signature(extensions)
            if size > self._max_chunk:
                raise errors.InvalidRequest(f"Signed chunks may not exceed {self._max_chunk} bytes.")
        if size == 0:
            self._verify_chunk(b"")
            self._state = _State.TRAILER
        else:
            self._remaining = size
            self._state = _State.DATA
        return True

    def _data(self, out: list[bytes]) -> bool:
        available = len(self._buf) - self._pos
        if self.signed and available < self._remaining:
            return False  # hold the chunk until all of it is here to verify
        take = min(available, self._remaining)
        if take == 0:
            return False
        piece = bytes(self._buf[self._pos : self._pos + take])
        if self.signed:
            self._verify_chunk(piece)
        out.append(piece)
        self._pos += take
        self._remaining -= take
        self.decoded_length += take
        if self._remaining == 0:
            self._state = _State.DATA_END
        return True

    def _data_end(self) -> bool:
        if len(self._buf) - self._pos < 2:
            return False
        if self._buf[self._pos : self._pos + 2] != _CRLF:
            raise errors.IncompleteBody("An aws-chunked chunk is longer than its size says.")
        self._pos += 2
        self._state = _State.SIZE
        return True

    def _trailer_line(self) -> bool:
        line = self._line()
        if line is None:
            return False
        self._trailer_bytes += len(line) + 2
        if self._trailer_bytes > MAX_TRAILER_BYTES:
            raise errors.IncompleteBody("The aws-chunked trailer is too long.")
        if not line:
            if self.mode == STREAMING_SIGNED_TRAILER and not self._trailer_verified:
                raise errors.SignatureDoesNotMatch("The trailer has no x-amz-trailer-signature.")
            self._state = _State.DONE
            return True
        name, value = _header(line)
        if self.mode == STREAMING_SIGNED:
            raise errors.IncompleteBody(f"{STREAMING_SIGNED} bodies have no trailer.")
        if self._trailer_verified:
            raise errors.IncompleteBody("Trailer lines must come before the trailer signature.")
        if name != TRAILER_SIGNATURE:
            self._trailers[name] = value
        elif self.signed:
            self._verify_trailer(value)
            self._trailer_verified = True
        return True

    # ---- signatures ----

    def _verify_chunk(self, data: bytes) -> None:
        """Sign ``AWS4-HMAC-SHA256-PAYLOAD``, date, scope, previous signature, sha256(""), sha256(data)."""
        if not self.signed:
            return
        digest = hashlib.sha256(data).hexdigest()
        text = f"AWS4-HMAC-SHA256-PAYLOAD\n{self._sts_head}\n{self._previous}\n{EMPTY_SHA256}\n{digest}"
        self._previous = self._check([text], self._chunk_signature)

    def _verify_trailer(self, provided: str) -> None:
        """The trailer signature covers the sorted ``name:value\\n`` lines, as aws-c-auth signs them.

        SDKs label the string to sign ``AWS4-HMAC-SHA256-TRAILER``. The worked example in AWS's
        documentation labels it ``AWS4-HMAC-SHA256-PAYLOAD``; clients written from that example
        are accepted too (the two strings have different line counts, so neither can stand in
        for a chunk signature).
        """
        lines = "".join(
            f"{name}:{' '.join(value.split())}\n" for name, value in sorted(self._trailers.items())
        )
        tail = f"{self._sts_head}\n{self._previous}\n{hashlib.sha256(lines.encode()).hexdigest()}"
        texts = [f"AWS4-HMAC-SHA256-TRAILER\n{tail}", f"AWS4-HMAC-SHA256-PAYLOAD\n{tail}"]
        self._previous = self._check(texts, provided.encode())

    def _check(self, texts: list[str], provided: bytes) -> str:
        for text in texts:
            expected = sign(self._key, text)
            if hmac.compare_digest(expected.encode(), provided):
                return expected
        shown = provided.decode("ascii", "replace")
        raise errors.SignatureDoesNotMatch(StringToSign=texts[0], SignatureProvided=shown)


def _chunk_signature(extensions: bytes) -> bytes:
    for extension in extensions.split(b";"):
        if extension.startswith(_SIGNATURE_EXT):
            return extension[len(_SIGNATURE_EXT) :]
    raise errors.SignatureDoesNotMatch("A signed aws-chunked chunk has no chunk-signature.")


def _header(line: bytes) -> tuple[str, str]:
    name, colon, value = line.partition(b":")
    if not colon or not name.strip() or not line.isascii():
        raise errors.IncompleteBody("An aws-chunked trailer line is not a header.")
    return name.strip().lower().decode(), value.strip().decode()
