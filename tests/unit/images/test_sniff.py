"""Content sniffing: the accepted magic numbers, and everything else refused with a reason."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from aerostore.images import Rejected, sniff
from aerostore.images.sniff import check_polyglot

from .factory import encode, flat


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00" * 32


@pytest.mark.parametrize(
    ("fmt", "head"),
    [
        ("jpeg", encode(flat((8, 8)), "JPEG")),
        ("png", encode(flat((8, 8)), "PNG")),
        ("webp", encode(flat((8, 8)), "WEBP")),
        ("tiff", encode(flat((8, 8)), "TIFF")),
        ("tiff", b"MM\x00*" + b"\x00" * 60),
        ("avif", encode(flat((8, 8)), "AVIF")),
        ("heif", _ftyp(b"heic", b"mif1", b"heic")),
        ("heif", _ftyp(b"mif1", b"heic")),
        ("avif", _ftyp(b"mif1", b"miaf", b"avif")),
    ],
    ids=["jpeg", "png", "webp", "tiff-ii", "tiff-mm", "avif", "heic", "heif-mif1", "avif-mif1"],
)
def test_sniff_accepts(fmt: str, head: bytes) -> None:
    assert sniff(head[:64]) == fmt


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (_zip(), "ZIP"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "markup"),
        (b'\xef\xbb\xbf  <svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', "markup"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "markup"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, "ELF"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50, "Windows"),
        (encode(flat((8, 8)), "GIF"), "GIF"),
        (encode(flat((8, 8)), "BMP"), "BMP"),
        (b"II+\x00\x08\x00\x00\x00" + b"\x00" * 56, "BigTIFF"),
        (_ftyp(b"isom", b"isom", b"mp42"), "ISO media"),
        (b"\x00" * 64, "unknown"),
        (b"\xff\xd8", "unknown"),  # a JPEG SOI alone is not a JPEG
    ],
    ids="zip svg svg-bom html pdf elf pe gif bmp bigtiff mp4 zeros soi-only".split(),
)
def test_sniff_refuses(head: bytes, named: str) -> None:
    with pytest.raises(Rejected) as caught:
        sniff(head[:64])
    assert caught.value.reason == "unsupported-format"
    assert named in caught.value.detail


def test_sniff_refuses_no_bytes() -> None:
    with pytest.raises(Rejected) as caught:
        sniff(b"")
    assert caught.value.reason == "empty"


def test_polyglot_jpeg_with_zip_appended() -> None:
    data = encode(flat((32, 32)), "JPEG") + _zip()
    assert sniff(data[:64]) == "jpeg"
    with pytest.raises(Rejected) as caught:
        check_polyglot(data)
    assert caught.value.reason == "polyglot"


def test_polyglot_zip_with_comment() -> None:
    archive = bytearray(_zip())
    archive[-2:] = (7).to_bytes(2, "little")  # the EOCD comment length
    with pytest.raises(Rejected):
        check_polyglot(encode(flat((32, 32)), "JPEG") + bytes(archive) + b"comment")


def test_polyglot_pdf_header_in_jpeg_comment() -> None:
    image = flat((32, 32))
    with pytest.raises(Rejected) as caught:
        check_polyglot(encode(image, "JPEG", comment=b"%PDF-1.4 1 0 obj"))
    assert caught.value.reason == "polyglot"


def test_polyglot_stray_signature_is_not_a_zip() -> None:
    # The EOCD signature in a comment, but not ending the file where its own length says.
    data = encode(flat((32, 32)), "JPEG", comment=b"PK\x05\x06" + b"\x00" * 30)
    check_polyglot(data)
    check_polyglot(encode(Image.new("RGB", (4, 4)), "PNG"))
