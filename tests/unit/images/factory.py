"""Inputs for the image tests, generated on the spot: no binary fixture is committed."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pyvips  # type: ignore[import-untyped]
from PIL import Image, ImageDraw

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def encode(image: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def flat(size: tuple[int, int], colour: tuple[int, ...] = (120, 120, 120), mode: str = "RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def marked(size: tuple[int, int]) -> Image.Image:
    """Grey, with a red block in the top-left corner: where it ends up shows the orientation applied."""
    image = flat(size)
    ImageDraw.Draw(image).rectangle([0, 0, size[0] // 4, size[1] // 4], fill=RED)
    return image


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """Overlapping ellipses on a sky blue: enough structure for a perceptual hash."""
    import random

    rng = random.Random(seed)
    image = flat(size, (90, 140, 200))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(size[0] // 16, size[0] // 2), rng.randrange(size[1] // 16, size[1] // 2)
        draw.ellipse([x, y, x + w, y + h], fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def exif_with(orientation: int | None = None, *, private: bool = False) -> Image.Exif:
    """EXIF with camera fields; ``private`` adds GPS, a serial number and a maker note."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS R5"
    if orientation is not None:
        exif[0x0112] = orientation
    if private:
        sub = exif.get_ifd(0x8769)
        sub[0x9003], sub[0x9011] = "2024:05:01 12:34:56", "+02:00"
        sub[0xA434], sub[0xA431] = "RF24-105mm F4 L IS USM", "SERIAL-0123456789"
        sub[0x927C] = b"MAKERNOTE-SECRET-PAYLOAD"
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", (51.0, 28.0, 39.0)
        gps[3], gps[4] = "W", (0.0, 27.0, 18.0)
    return exif


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, depth: int, colour_type: int, idat: bytes) -> bytes:
    """A PNG written byte by byte, so the header can claim anything."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pixel_flood(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` grey pixels (its zero rows compress away)."""
    row = b"\x00" * (1 + width)
    stream = zlib.compressobj(9)
    idat = stream.compress(row * 4) + stream.flush(zlib.Z_SYNC_FLUSH)
    return png(width, height, 8, 0, idat)


def png16_rgba(width: int, height: int) -> bytes:
    """16 bits per sample RGBA: an opaque red left half, a fully transparent right half."""
    opaque, clear = struct.pack(">4H", 65535, 0, 0, 65535), struct.pack(">4H", 0, 0, 65535, 0)
    row = b"\x00" + opaque * (width // 2) + clear * (width - width // 2)
    return png(width, height, 16, 6, zlib.compress(row * height))


def with_profile(colour: tuple[int, ...], profile: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG whose pixels were converted from sRGB ``colour`` into libvips' built-in ``profile`` (p3, cmyk),
    the profile embedded."""
    image = pyvips.Image.black(*size).new_from_image(list(colour)).copy(interpretation="srgb").cast("uchar")
    converted = image.icc_transform(profile, input_profile="srgb")
    return bytes(converted.jpegsave_buffer(Q=95))


def cmyk_jpeg(cmyk: tuple[int, int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    """A CMYK JPEG without any profile (Pillow writes Adobe-style inverted CMYK)."""
    return encode(flat(size, cmyk, "CMYK"), "JPEG", quality=95)


def pixel(data: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as image:
        value = image.convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))
