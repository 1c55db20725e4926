"""Hostile and broken uploads: each is rejected with a reason, or processed correctly, never a crash."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from PIL import Image

from aerostore.images import Limits, Processed, Rejected, process

from .factory import (
    RED,
    WHITE,
    cmyk_jpeg,
    encode,
    exif_with,
    flat,
    near,
    pixel,
    pixel_flood,
    png16_rgba,
    scene,
    with_profile,
)

BACKENDS = ["vips", "pillow"]


def _rejected(data: bytes, backend: str = "vips", limits: Limits | None = None) -> Rejected:
    with pytest.raises(Rejected) as caught:
        process(data, backend=backend, limits=limits or Limits())
    return caught.value


@pytest.mark.parametrize("backend", BACKENDS)
def test_pixel_flood_png_beyond_max_dimensions(backend: str) -> None:
    data = pixel_flood(100_000, 100_000)
    assert len(data) < 2000
    # Pillow's own bomb check (2 x Image.MAX_IMAGE_PIXELS) fires while opening, before ours.
    expected = "bad-dimensions" if backend == "vips" else "too-many-pixels"
    assert _rejected(data, backend).reason == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_pixel_flood_png_beyond_max_pixels(backend: str) -> None:
    rejection = _rejected(pixel_flood(20_000, 20_000), backend)
    assert rejection.reason == "too-many-pixels"
    assert "400000000" in rejection.detail


def test_pixel_limit_is_configurable() -> None:
    data = encode(flat((200, 100)), "PNG")
    assert _rejected(data, limits=Limits(max_pixels=10_000)).reason == "too-many-pixels"
    assert _rejected(data, limits=Limits(max_width=100)).reason == "bad-dimensions"
    assert _rejected(data, limits=Limits(max_bytes=len(data) - 1)).reason == "too-large"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("keep", [0.3, 0.9], ids=["30%", "90%"])
def test_truncated_jpeg(backend: str, keep: float) -> None:
    data = encode(scene(1), "JPEG", quality=90)
    assert _rejected(data[: int(len(data) * keep)], backend).reason == "truncated"


@pytest.mark.parametrize("backend", BACKENDS)
def test_truncated_png(backend: str) -> None:
    data = encode(scene(2), "PNG")
    assert _rejected(data[: len(data) // 2], backend).reason in ("truncated", "corrupt")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("orientation", [0, 9, 255])
def test_bogus_orientation_is_ignored(backend: str, orientation: int) -> None:
    data = encode(flat((300, 200)), "JPEG", exif=exif_with(orientation))
    result = process(data, backend=backend)
    assert result.metadata.orientation == 1
    assert (result.metadata.width, result.metadata.height) == (300, 200)
    assert {(o.width, o.height) for o in result.outputs} == {(256, 171), (300, 200)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_zip_renamed_jpg(backend: str) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", encode(flat((8, 8))))
    assert _rejected(out.getvalue(), backend).reason == "unsupported-format"


def test_svg() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect/></svg>'
    assert _rejected(svg).reason == "unsupported-format"


def test_empty_file() -> None:
    assert _rejected(b"").reason == "empty"


@pytest.mark.parametrize(
    "head", [b"\x7fELF\x02\x01\x01\x00", b"MZ\x90\x00\x03\x00\x00\x00"], ids=["elf", "pe"]
)
def test_executables(head: bytes) -> None:
    assert _rejected(head + bytes(4096)).reason == "unsupported-format"


def test_gif_is_not_accepted() -> None:
    rejection = _rejected(encode(flat((16, 16)), "GIF"))
    assert rejection.reason == "unsupported-format"
    assert "GIF" in rejection.detail


def test_jpeg_zip_polyglot() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.js", "alert(1)")
    assert _rejected(encode(flat((64, 64))) + out.getvalue()).reason == "polyglot"


@pytest.mark.parametrize("backend", BACKENDS)
def test_cmyk_jpeg_without_profile(backend: str) -> None:
    result = process(cmyk_jpeg((0, 255, 255, 0)), backend=backend)  # full magenta + yellow = red
    for output in result.outputs:
        red, green, blue = pixel(output.data, (10, 10))
        assert red > 180 and green < 90 and blue < 90, (output.rendition, output.ext, (red, green, blue))


@pytest.mark.parametrize("backend", BACKENDS)
def test_cmyk_jpeg_with_profile(backend: str) -> None:
    data = with_profile(RED, "cmyk")
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "CMYK" and image.info.get("icc_profile")
    for output in process(data, backend=backend).outputs:
        assert near(pixel(output.data, (10, 10)), RED, 40), (output.ext, pixel(output.data, (10, 10)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_png_16_bit_with_alpha(backend: str) -> None:
    result = process(png16_rgba(64, 32), backend=backend)
    assert result.metadata.has_alpha
    by_ext = {o.ext: o for o in result.outputs if o.rendition == "thumb"}
    with Image.open(io.BytesIO(by_ext["webp"].data)) as webp:
        assert webp.mode == "RGBA"
        opaque, clear = webp.getpixel((5, 16)), webp.getpixel((60, 16))
    assert isinstance(opaque, tuple) and isinstance(clear, tuple)
    assert near(opaque[:3], RED) and opaque[3] == 255
    assert clear[3] == 0
    assert near(pixel(by_ext["jpg"].data, (5, 16)), RED)
    assert near(pixel(by_ext["jpg"].data, (60, 16)), WHITE)  # JPEG: transparency composited onto white


@pytest.mark.parametrize("backend", BACKENDS)
def test_garbage_after_a_jpeg_header(backend: str) -> None:
    data = b"\xff\xd8\xff\xe0" + random.Random(1).randbytes(5000)
    assert _rejected(data, backend).reason in ("corrupt", "truncated")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_mangled_files_never_raise_anything_but_rejected(backend: str, fmt: str) -> None:
    original = encode(scene(3, (160, 120)), fmt)
    rng = random.Random(fmt)
    for _ in range(15):
        data = bytearray(original)
        for _ in range(rng.randrange(1, 12)):
            data[rng.randrange(8, len(data))] = rng.randrange(256)
        cut = rng.choice([len(data), rng.randrange(16, len(data) + 1)])
        try:
            result = process(bytes(data[:cut]), backend=backend)
        except Rejected as rejection:
            assert rejection.reason in ("corrupt", "truncated", "bad-dimensions", "too-many-pixels")
        else:
            assert isinstance(result, Processed) and result.outputs
