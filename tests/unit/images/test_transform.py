"""What comes out: upright, sRGB, the right sizes, nothing private, and the metadata read right."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps

from aerostore.images import DEFAULT_RENDITIONS, RenditionSpec, hamming, process

from .factory import GREEN, RED, encode, exif_with, flat, marked, near, pixel, scene, with_profile

BACKENDS = ["vips", "pillow"]
FORMATS = ["JPEG", "PNG", "WEBP", "TIFF", "AVIF", "HEIF"]


def _red_corner(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        w, h = rgb.size
        corners = {"tl": (2, 2), "tr": (w - 3, 2), "bl": (2, h - 3), "br": (w - 3, h - 3)}
        red = [name for name, xy in corners.items() if near(rgb.getpixel(xy), RED, 40)]  # type: ignore[arg-type]
    assert len(red) == 1, red
    return red[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_orientation_6_comes_out_rotated(backend: str) -> None:
    # Stored 400x300 with the red block top-left; orientation 6 = display it turned 90 degrees clockwise.
    data = encode(marked((400, 300)), "JPEG", quality=95, exif=exif_with(6))
    result = process(data, backend=backend)
    assert (result.metadata.width, result.metadata.height, result.metadata.orientation) == (300, 400, 6)
    for output in result.outputs:
        assert output.height > output.width
        assert _red_corner(output.data) == "tr", output


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow_exif_transpose(backend: str, orientation: int) -> None:
    data = encode(marked((160, 90)), "JPEG", quality=95, exif=exif_with(orientation))
    with Image.open(io.BytesIO(data)) as source:
        expected = ImageOps.exif_transpose(source)
        assert expected is not None
        want = _red_corner(encode(expected, "PNG"))
    thumb = process(data, backend=backend).outputs[0]
    assert (thumb.width, thumb.height) == expected.size
    assert _red_corner(thumb.data) == want


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_orientation_in_every_format(backend: str, fmt: str) -> None:
    # Pillow writes an AVIF's EXIF orientation as the container's irot/imir, which decoders apply.
    # HEIF readers must ignore the EXIF value (ISO/IEC 23008-12): the picture stays as stored.
    result = process(encode(marked((400, 300)), fmt, exif=exif_with(6)), backend=backend)
    thumb = result.outputs[0]
    expected = ((256, 192), "tl") if fmt == "HEIF" else ((192, 256), "tr")
    assert ((thumb.width, thumb.height), _red_corner(thumb.data)) == expected


XMP = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>SECRET-XMP</x:xmpmeta>"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("JPEG", {"comment": b"owner: J. Doe", "xmp": XMP}), ("PNG", {}), ("WEBP", {"xmp": XMP}), ("TIFF", {})],
    ids=["jpeg", "png", "webp", "tiff"],
)
def test_private_metadata_absent_from_every_output(backend: str, fmt: str, extra: dict[str, bytes]) -> None:
    data = encode(scene(5, (800, 600)), fmt, exif=exif_with(1, private=True), **extra)
    result = process(data, backend=backend, keep_original=True)
    # Read for the index (Pillow's TIFF writer leaves the GPS IFD out)...
    assert result.metadata.make == "Canon" and (result.metadata.gps is not None or fmt == "TIFF")
    assert len(result.outputs) == 7
    for output in result.outputs:
        with Image.open(io.BytesIO(output.data)) as image:
            exif = image.getexif()
            assert not exif.get_ifd(0x8825) and not exif.get_ifd(0x8769) and not dict(exif), output
            assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info), output
        # ...and gone from every output
        for secret in (b"SERIAL-0123456789", b"MAKERNOTE", b"SECRET-XMP", b"J. Doe", b"Canon", b"Exif"):
            assert secret not in output.data, (output.rendition, output.ext, secret)


@pytest.mark.parametrize("backend", BACKENDS)
def test_metadata_is_read(backend: str) -> None:
    data = encode(flat((640, 480)), "JPEG", exif=exif_with(1, private=True))
    meta = process(data, backend=backend).metadata
    assert (meta.format, meta.width, meta.height, meta.size) == ("jpeg", 640, 480, len(data))
    assert (meta.make, meta.model, meta.lens) == ("Canon", "EOS R5", "RF24-105mm F4 L IS USM")
    assert meta.captured_at == "2024-05-01T12:34:56+02:00"
    assert meta.gps == pytest.approx((51.4775, -0.455))
    assert len(meta.sha256) == 64 and len(meta.phash) == 16


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3000, 2000), {"thumb": (256, 171), "preview": (1024, 683), "large": (2048, 1365)}),
        ((2000, 3000), {"thumb": (171, 256), "preview": (683, 1024), "large": (1365, 2048)}),
        ((800, 600), {"thumb": (256, 192), "preview": (800, 600), "large": (800, 600)}),
        ((100, 40), {"thumb": (100, 40), "preview": (100, 40), "large": (100, 40)}),
        ((5000, 1), {"thumb": (256, 1), "preview": (1024, 1), "large": (2048, 1)}),
    ],
    ids=["landscape", "portrait", "small", "tiny", "sliver"],
)
def test_rendition_sizes_never_upscaled(
    backend: str, size: tuple[int, int], expected: dict[str, tuple[int, int]]
) -> None:
    result = process(encode(flat(size), "PNG"), backend=backend)
    assert [(o.rendition, o.ext) for o in result.outputs] == [
        (spec.name, ext) for spec in DEFAULT_RENDITIONS for ext in ("webp", "jpg")
    ]
    for output in result.outputs:
        assert (output.width, output.height) == expected[output.rendition]
        with Image.open(io.BytesIO(output.data)) as image:
            assert image.size == expected[output.rendition]
            assert image.format == {"webp": "WEBP", "jpg": "JPEG"}[output.ext]
        assert output.content_type == {"webp": "image/webp", "jpg": "image/jpeg"}[output.ext]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_accepted_format(backend: str, fmt: str) -> None:
    result = process(encode(marked((300, 200)), fmt), backend=backend)
    assert result.metadata.format == fmt.lower()
    assert _red_corner(result.outputs[0].data) == "tl"


def test_custom_renditions_and_original() -> None:
    specs = [RenditionSpec("square", 64, ("png",)), RenditionSpec("web", 500, ("webp",))]
    result = process(encode(scene(1, (900, 600)), "JPEG"), renditions=specs, keep_original=True)
    shapes = [(o.rendition, o.ext, o.width, o.height) for o in result.outputs]
    assert shapes == [("original", "jpg", 900, 600), ("square", "png", 64, 43), ("web", "webp", 500, 333)]


def test_original_of_a_png_stays_lossless() -> None:
    result = process(encode(scene(1, (90, 60)), "PNG"), renditions=(), keep_original=True)
    (original,) = result.outputs
    assert (original.ext, original.content_type) == ("png", "image/png")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("container", ["JPEG", "PNG"])
def test_embedded_profile_converted_to_srgb(backend: str, container: str) -> None:
    # Pure sRGB green, stored as Display P3 numbers with the P3 profile embedded.
    data = with_profile(GREEN, "p3")
    stored = pixel(data, (5, 5))
    assert near(stored, (117, 251, 76), 6), stored  # what a viewer ignoring the profile would show
    if container == "PNG":
        with Image.open(io.BytesIO(data)) as image:
            data = encode(image, "PNG", icc_profile=image.info["icc_profile"])
    for output in process(data, backend=backend).outputs:
        assert near(pixel(output.data, (5, 5)), GREEN, 16), (output.ext, pixel(output.data, (5, 5)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_phash_survives_reencoding_and_tells_pictures_apart(backend: str) -> None:
    def hash_of(image: Image.Image, **options: int) -> str:
        return process(encode(image, "JPEG", **options), backend=backend, renditions=()).metadata.phash

    first = hash_of(scene(11), quality=95)
    assert hamming(first, hash_of(scene(11), quality=35)) <= 4
    assert hamming(first, hash_of(scene(11).resize((600, 450)), quality=80)) <= 4
    assert all(hamming(first, hash_of(scene(seed), quality=95)) >= 16 for seed in (12, 13, 14))


def test_phash_agrees_across_backends() -> None:
    data = encode(scene(21), "JPEG")
    hashes = [process(data, backend=backend).metadata.phash for backend in BACKENDS]
    assert hamming(*hashes) <= 4


def test_hamming() -> None:
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("8000000000000001", "0000000000000001") == 1
    with pytest.raises(ValueError):
        hamming("00", "000")


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_input_same_bytes(backend: str) -> None:
    # At-least-once delivery: processing an upload again must write the very same objects.
    data = encode(scene(8, (900, 700)), "JPEG", exif=exif_with(6, private=True))
    first, again = process(data, backend=backend), process(data, backend=backend)
    assert first == again
