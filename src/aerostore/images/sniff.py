"""What an upload is, from its bytes: never from the key's extension or the Content-Type.

Magic numbers: JPEG (ITU T.81 SOI + a marker), PNG (RFC 2083 signature), WebP (RIFF "WEBP"),
TIFF (classic, both byte orders), HEIF/AVIF (ISO/IEC 14496-12 ``ftyp`` box with an image brand).
"""

from __future__ import annotations

from aerostore.images.model import Rejected

HEAD_BYTES = 64
ACCEPTED = ("jpeg", "png", "webp", "tiff", "heif", "avif")

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_GENERIC_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
# Only to name what was refused in the rejection's detail; anything not listed is refused all the same.
_OTHERS = (
    (b"GIF87a", "a GIF image (GIF is not accepted)"),
    (b"GIF89a", "a GIF image (GIF is not accepted)"),
    (b"PK\x03\x04", "a ZIP archive (or a ZIP-based document)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"%PDF-", "a PDF document"),
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows (PE/DOS) executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    (b"#!", "a script"),
    (b"\x1f\x8b", "a gzip stream"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BM", "a BMP image (BMP is not accepted)"),
    (b"8BPS", "a Photoshop document"),
    (b"II+\x00", "a BigTIFF file (BigTIFF is not accepted)"),
    (b"MM\x00+", "a BigTIFF file (BigTIFF is not accepted)"),
    (b"\xff\x0a", "a JPEG XL codestream (JPEG XL is not accepted)"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL file (JPEG XL is not accepted)"),
)


def sniff(head: bytes) -> str:
    """The format of an upload from its first bytes (``HEAD_BYTES`` are enough): one of ``ACCEPTED``.

    Raises ``Rejected("unsupported-format")`` for everything else, ``Rejected("empty")`` for no bytes.
    """
    if not head:
        raise Rejected("empty", "the upload has no bytes")
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    raise Rejected("unsupported-format", f"the content is {_describe(head)}, not an accepted image")


def _iso_media(head: bytes) -> str:
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(size, len(head)) if size >= 16 else 16
    brands = {major} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _AVIF_BRANDS:
        return "avif"
    if major in _HEIF_BRANDS:
        return "heif"
    if major in _GENERIC_BRANDS:
        if brands & _AVIF_BRANDS:
            return "avif"
        return "heif"
    brand = major.decode("latin-1").strip()
    raise Rejected("unsupported-format", f"the content is ISO media of brand {brand!r}, not HEIF or AVIF")


def _describe(head: bytes) -> str:
    for magic, what in _OTHERS:
        if head.startswith(magic):
            return what
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "markup text (SVG, XML or HTML)"
    return f"of unknown type (first bytes {head[:8].hex(' ')})"


def check_polyglot(data: bytes) -> None:
    """Refuse an image that is also another file: a PDF header early on, or a ZIP directory at the end.

    PDF readers look for ``%PDF-`` in the first 1024 bytes; ZIP readers start from the end-of-central-
    directory record, which must end the file exactly (APPNOTE.TXT 4.3.16), so a stray match is unlikely.
    """
    if b"%PDF-" in data[:1024]:
        raise Rejected("polyglot", "a PDF header is hidden in the first 1 KiB")
    tail_start = max(0, len(data) - 22 - 0xFFFF)
    pos = data.rfind(b"PK\x05\x06", tail_start)
    while pos >= 0:
        comment = int.from_bytes(data[pos + 20 : pos + 22], "little")
        if pos + 22 + comment == len(data):
            raise Rejected("polyglot", "a ZIP archive directory ends the file")
        pos = data.rfind(b"PK\x05\x06", tail_start, pos)
