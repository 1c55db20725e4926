"""The aws-chunked decoder against AWS's worked examples, botocore's encoder and a signing encoder."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum, CrtCrc32cChecksum

from aerostore.auth import sigv4
from aerostore.auth.chunked import AwsChunkedDecoder
from aerostore.auth.sigv4 import STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER
from aerostore.s3 import errors

DATE, SCOPE = "20240101T000000Z", "20240101/us-east-1/s3/aws4_request"
KEY = sigv4.signing_key("secret", "20240101", "us-east-1", "s3")
SEED = hashlib.sha256(b"seed").hexdigest()


def chunk_signature(previous: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return sigv4.sign(
        KEY, f"AWS4-HMAC-SHA256-PAYLOAD\n{DATE}\n{SCOPE}\n{previous}\n{sigv4.EMPTY_SHA256}\n{digest}"
    )


def trailer_signature(previous: str, trailers: dict[str, str]) -> str:
    canonical = "".join(f"{name}:{value}\n" for name, value in sorted(trailers.items()))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return sigv4.sign(KEY, f"AWS4-HMAC-SHA256-TRAILER\n{DATE}\n{SCOPE}\n{previous}\n{digest}")


def encode(
    payload: bytes, chunk_size: int, mode: str = STREAMING_SIGNED, trailers: dict[str, str] | None = None
) -> bytes:
    """Frame ``payload`` as the AWS SDKs do: signed chunks chain from the seed signature."""
    body, previous = bytearray(), SEED
    pieces = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)] + [b""]
    for piece in pieces:
        extension = ""
        if mode != STREAMING_UNSIGNED_TRAILER:
            previous = chunk_signature(previous, piece)
            extension = f";chunk-signature={previous}"
        body += f"{len(piece):x}{extension}\r\n".encode() + piece + (b"\r\n" if piece else b"")
    for name, value in (trailers or {}).items():
        body += f"{name}:{value}\r\n".encode()
    if mode == STREAMING_SIGNED_TRAILER:
        body += f"x-amz-trailer-signature:{trailer_signature(previous, trailers or {})}\r\n".encode()
    return bytes(body + b"\r\n")


def decoder(mode: str = STREAMING_SIGNED, **options: int) -> AwsChunkedDecoder:
    return AwsChunkedDecoder(
        mode, seed_signature=SEED, signing_key=KEY, scope=SCOPE, amz_date=DATE, **options
    )


def decode(body: bytes, mode: str = STREAMING_SIGNED, piece: int = 8192) -> tuple[bytes, dict[str, str]]:
    dec = decoder(mode)
    out = [data for i in range(0, len(body), piece) for data in dec.feed(body[i : i + piece])]
    trailers = dec.finish()
    assert dec.decoded_length == sum(map(len, out))
    return b"".join(out), trailers


# ---- AWS's worked examples (sigv4-streaming.html, sigv4-streaming-trailers.html) ----

DOC_KEY = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3")


def doc_decoder(mode: str, seed: str) -> AwsChunkedDecoder:
    scope, date = "20130524/us-east-1/s3/aws4_request", "20130524T000000Z"
    return AwsChunkedDecoder(mode, seed_signature=seed, signing_key=DOC_KEY, scope=scope, amz_date=date)


def doc_body(signatures: list[str], tail: bytes = b"\r\n") -> bytes:
    sizes = [(0x10000, b"a" * 65536), (0x400, b"a" * 1024)]
    body = b"".join(
        f"{size:x};chunk-signature={sig}\r\n".encode() + data + b"\r\n"
        for (size, data), sig in zip(sizes, signatures[:2], strict=True)
    )
    return body + f"0;chunk-signature={signatures[2]}\r\n".encode() + tail


@pytest.mark.parametrize("piece", [1, 7, 1000, 70000])
def test_docs_signed_example(piece: int) -> None:
    body = doc_body([
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ])  # fmt: skip
    assert len(body) == 66824  # the example's Content-Length
    dec = doc_decoder(STREAMING_SIGNED, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
    out = b"".join(data for i in range(0, len(body), piece) for data in dec.feed(body[i : i + piece]))
    assert (out, dec.finish(), dec.decoded_length) == (b"a" * 66560, {}, 66560)


TRAILER_SIGNATURES = [
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
]


@pytest.mark.parametrize(
    "trailer_sig",
    [
        # As aws-c-auth (the SDKs' signer) computes it, labelled AWS4-HMAC-SHA256-TRAILER.
        "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435",
        # As printed in the AWS docs example, which labels the string to sign AWS4-HMAC-SHA256-PAYLOAD.
        "63bddb248ad2590c92712055f51b8e78ab024eead08276b24f010b0efd74843f",
    ],
    ids=["sdk", "docs"],
)
def test_docs_signed_trailer_example(trailer_sig: str) -> None:
    tail = f"x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:{trailer_sig}\r\n\r\n".encode()
    body = doc_body(TRAILER_SIGNATURES, tail)
    dec = doc_decoder(
        STREAMING_SIGNED_TRAILER, "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
    )
    assert b"".join(dec.feed(body)) == b"a" * 66560
    assert dec.finish() == {"x-amz-checksum-crc32c": "sOO8/Q=="}


def test_docs_trailer_with_a_wrong_signature_is_rejected() -> None:
    tail = f"x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:{'0' * 64}\r\n\r\n".encode()
    dec = doc_decoder(
        STREAMING_SIGNED_TRAILER, "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
    )
    with pytest.raises(errors.SignatureDoesNotMatch):
        dec.feed(doc_body(TRAILER_SIGNATURES, tail))


# ---- round trips ----


@pytest.mark.parametrize("checksum", [Crc32Checksum, CrtCrc32cChecksum])
def test_botocore_unsigned_trailer_body(checksum: type) -> None:
    payload = os.urandom(300_000)
    name = "x-amz-checksum-crc32" if checksum is Crc32Checksum else "x-amz-checksum-crc32c"
    body = AwsChunkedWrapper(io.BytesIO(payload), checksum, name, chunk_size=65536).read()
    expected = checksum()
    expected.update(payload)
    assert decode(body, STREAMING_UNSIGNED_TRAILER, piece=5000) == (payload, {name: expected.b64digest()})


@pytest.mark.parametrize("mode", [STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER])
@pytest.mark.parametrize("size", [0, 1, 8191, 8192, 8193, 100_000])
def test_round_trip(mode: str, size: int) -> None:
    payload = os.urandom(size)
    trailers = {} if mode == STREAMING_SIGNED else {"x-amz-checksum-sha256": "abc="}
    assert decode(encode(payload, 8192, mode, trailers), mode, piece=3000) == (payload, trailers)


def test_ten_mebibytes_in_64_kib_chunks() -> None:
    payload = os.urandom(10 * 1024 * 1024)
    body = encode(payload, 65536, STREAMING_SIGNED_TRAILER, {"x-amz-checksum-crc32": "AAAAAA=="})
    started = time.perf_counter()
    out, trailers = decode(body, STREAMING_SIGNED_TRAILER, piece=65536 + 13)
    assert time.perf_counter() - started < 2.0
    assert out == payload and trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_signed_chunk_is_held_until_complete_and_verified() -> None:
    body = encode(b"x" * 1000, 1000)
    dec = decoder()
    assert dec.feed(body[:500]) == []
    assert b"".join(dec.feed(body[500:])) == b"x" * 1000


def test_unsigned_chunk_is_released_as_it_arrives() -> None:
    body = encode(b"x" * 1000, 1000, STREAMING_UNSIGNED_TRAILER)
    dec = decoder(STREAMING_UNSIGNED_TRAILER)
    assert b"".join(dec.feed(body[:500])) == b"x" * (500 - len("3e8\r\n"))


def test_from_auth() -> None:
    auth = sigv4.AuthResult(sigv4.Principal.ANONYMOUS, STREAMING_SIGNED, SEED, KEY, SCOPE, DATE, "header")
    dec = AwsChunkedDecoder.from_auth(auth)
    assert b"".join(dec.feed(encode(b"hello", 10))) == b"hello" and dec.finish() == {}


def test_non_streaming_payload_is_not_a_mode() -> None:
    with pytest.raises(ValueError):
        AwsChunkedDecoder(sigv4.UNSIGNED_PAYLOAD)


# ---- truncation ----


@pytest.mark.parametrize("mode", [STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER])
def test_every_truncation_is_an_incomplete_body(mode: str) -> None:
    """Cut mid size line, mid chunk, before a data CRLF, before the final chunk, mid trailer..."""
    trailers = {} if mode == STREAMING_SIGNED else {"x-amz-checksum-crc32": "AAAAAA=="}
    body = encode(b"0123456789" * 3, 10, mode, trailers)
    for cut in [*range(len(body) - 2), len(body) - 1]:
        dec = decoder(mode)
        dec.feed(body[:cut])
        with pytest.raises(errors.IncompleteBody):
            dec.finish()


@pytest.mark.parametrize("mode", [STREAMING_SIGNED, STREAMING_SIGNED_TRAILER])
def test_missing_final_empty_line_is_tolerated(mode: str) -> None:
    trailers = {} if mode == STREAMING_SIGNED else {"x-amz-checksum-crc32": "AAAAAA=="}
    dec = decoder(mode)
    assert b"".join(dec.feed(encode(b"abc", 10, mode, trailers)[:-2])) == b"abc"
    assert dec.finish() == trailers


def test_truncated_before_the_trailer_signature_is_incomplete() -> None:
    body = encode(b"abc", 10, STREAMING_SIGNED_TRAILER, {"x-amz-checksum-crc32": "AAAAAA=="})
    dec = decoder(STREAMING_SIGNED_TRAILER)
    dec.feed(body[: body.index(b"x-amz-trailer-signature")])
    with pytest.raises(errors.IncompleteBody):
        dec.finish()


# ---- tampering ----


def feed_all(dec: AwsChunkedDecoder, body: bytes, piece: int = 100) -> list[bytes]:
    released: list[bytes] = []
    for i in range(0, len(body), piece):
        released += dec.feed(body[i : i + piece])
    return released


def test_tampered_chunk_is_rejected_and_never_released() -> None:
    body = bytearray(encode(b"A" * 100 + b"B" * 100 + b"C" * 100, 100))
    body[body.index(b"B") + 50] ^= 1
    dec, released = decoder(), []
    with pytest.raises(errors.SignatureDoesNotMatch):
        for i in range(0, len(body), 10):
            released += dec.feed(bytes(body[i : i + 10]))
    assert b"".join(released) == b"A" * 100


@pytest.mark.parametrize("change", ["chunk-signature", "dropped-chunk", "swapped-chunks", "seed"])
def test_broken_signature_chain_is_rejected(change: str) -> None:
    body = encode(b"A" * 100 + b"B" * 100, 100)
    lines = body.split(b"\r\n")  # size, data, size, data, size(0), "", ""
    if change == "chunk-signature":
        lines[2] = lines[2][:-1] + (b"0" if lines[2][-1:] != b"0" else b"1")
    elif change == "dropped-chunk":
        del lines[0:2]
    elif change == "swapped-chunks":
        lines[0:4] = lines[2:4] + lines[0:2]
    dec = (
        decoder()
        if change != "seed"
        else AwsChunkedDecoder(STREAMING_SIGNED, seed_signature="0" * 64, signing_key=KEY)
    )
    with pytest.raises(errors.SignatureDoesNotMatch):
        feed_all(dec, b"\r\n".join(lines))


def flip_trailer_signature(body: bytes) -> bytes:
    at = body.index(b"x-amz-trailer-signature:") + 30
    return body[:at] + (b"0" if body[at : at + 1] != b"0" else b"1") + body[at + 1 :]


TRAILER_TAMPERING = {
    "value": lambda body: body.replace(b"AAAAAA==", b"AAAAAB=="),
    "name": lambda body: body.replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc64:"),
    "added-line": lambda body: body.replace(
        b"x-amz-trailer-signature", b"x-amz-meta-a:1\r\nx-amz-trailer-signature"
    ),
    "signature": flip_trailer_signature,
}


@pytest.mark.parametrize("tamper", TRAILER_TAMPERING.values(), ids=list(TRAILER_TAMPERING))
def test_tampered_trailer_is_rejected(tamper: Callable[[bytes], bytes]) -> None:
    body = encode(b"abc", 10, STREAMING_SIGNED_TRAILER, {"x-amz-checksum-crc32": "AAAAAA=="})
    with pytest.raises(errors.SignatureDoesNotMatch):
        feed_all(decoder(STREAMING_SIGNED_TRAILER), tamper(body))


def test_missing_trailer_signature_is_rejected() -> None:
    body = encode(b"abc", 10)[:-2] + b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    with pytest.raises(errors.SignatureDoesNotMatch):
        feed_all(decoder(STREAMING_SIGNED_TRAILER), body)


def test_missing_chunk_signature_is_rejected() -> None:
    with pytest.raises(errors.SignatureDoesNotMatch):
        feed_all(decoder(), b"3\r\nabc\r\n0\r\n\r\n")


# ---- malformed framing ----


@pytest.mark.parametrize("size", [b"zz", b"0x3", b" 3", b"+3", b"3 ", b"", b"1_0", b"12345678901234567"])
def test_bad_chunk_size(size: bytes) -> None:
    with pytest.raises(errors.IncompleteBody):
        decoder(STREAMING_UNSIGNED_TRAILER).feed(size + b"\r\nabc\r\n0\r\n\r\n")


def test_chunk_longer_than_its_size() -> None:
    with pytest.raises(errors.IncompleteBody):
        decoder(STREAMING_UNSIGNED_TRAILER).feed(b"3\r\nabcd\r\n0\r\n\r\n")


def test_size_line_too_long() -> None:
    with pytest.raises(errors.IncompleteBody):
        decoder(STREAMING_UNSIGNED_TRAILER).feed(b"3;" + b"x" * 5000)


def test_data_after_the_final_chunk() -> None:
    with pytest.raises(errors.InvalidRequest):
        feed_all(decoder(), encode(b"abc", 10) + b"3\r\nabc\r\n")


def test_signed_chunk_over_the_limit() -> None:
    with pytest.raises(errors.InvalidRequest):
        decoder(max_chunk_size=1024).feed(encode(b"x" * 2048, 2048)[:200])


def test_trailer_in_a_signed_body_without_trailer_mode() -> None:
    body = encode(b"abc", 10)[:-2] + b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    with pytest.raises(errors.IncompleteBody):
        feed_all(decoder(), body)


@pytest.mark.parametrize("line", [b"no colon here", b":value", "x-amz-meta-\u00e9:1".encode()])
def test_malformed_trailer_line(line: bytes) -> None:
    with pytest.raises(errors.IncompleteBody):
        decoder(STREAMING_UNSIGNED_TRAILER).feed(b"0\r\n" + line + b"\r\n\r\n")


def test_oversized_trailer() -> None:
    lines = b"".join(b"x-amz-meta-%d:%s\r\n" % (i, b"v" * 3000) for i in range(6))
    with pytest.raises(errors.IncompleteBody):
        decoder(STREAMING_UNSIGNED_TRAILER).feed(b"0\r\n" + lines)


def test_unsigned_trailer_cut_right_after_the_final_chunk_is_incomplete() -> None:
    dec = decoder(STREAMING_UNSIGNED_TRAILER)
    dec.feed(b"3\r\nabc\r\n0\r\n")
    with pytest.raises(errors.IncompleteBody):
        dec.finish()
