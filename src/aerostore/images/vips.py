"""The libvips backend (pyvips + the pyvips-binary wheel): JPEG, PNG, WebP, TIFF and AVIF.

libvips is fast but permissive by default, so every call here opts into the safe behaviour:
the loader is the one the sniffed format names (never libvips' own guess, which includes SVG and
GIF), ``fail_on="error"`` (else a truncated JPEG decodes to grey without complaint), pixels are
forced into memory inside the pipeline's error boundary (libvips is lazy and would otherwise
report decode errors at save time), and every save passes ``keep=NONE`` (a default save keeps
EXIF with GPS, XMP and IPTC). The dimension checks happen in the pipeline on the header, before
any of this, since libvips has no pixel limit of its own.
"""

from __future__ import annotations

from typing import Any

import pyvips  # type: ignore[import-untyped]

from aerostore.images import exif

# The operation cache would keep the last uploads (and their pixels) alive between calls.
pyvips.cache_set_max(0)
# Loaders libvips marks as unfit for untrusted input (ImageMagick, MATLAB, FITS...) stay unreachable.
pyvips.block_untrusted_set(True)

_LOADERS = {
    "jpeg": pyvips.Image.jpegload_buffer,
    "png": pyvips.Image.pngload_buffer,
    "webp": pyvips.Image.webpload_buffer,
    "tiff": pyvips.Image.tiffload_buffer,
    "avif": pyvips.Image.heifload_buffer,
}
FORMATS = frozenset(_LOADERS)
_NONE = pyvips.enums.ForeignKeep.NONE
# Orientation (EXIF 2.32 tag 0x0112) -> how to undo it: rotation first, then a left-right flip.
_UNDO = {2: (None, True), 3: ("d180", False), 4: ("d180", True), 5: ("d90", True), 6: ("d90", False),
         7: ("d270", True), 8: ("d270", False)}  # fmt: skip


class VipsSource:
    """An upload opened for its header only: no pixel has been decoded yet."""

    def __init__(self, data: bytes, fmt: str) -> None:
        self._data, self._fmt = data, fmt
        head = _LOADERS[fmt](data, fail_on="error")
        fields = set(head.get_fields())
        self.width: int = head.width
        self.height: int = head.height
        self.has_alpha = bool(head.hasalpha())
        if fmt == "tiff":
            self.exif = exif.read_tiff(data)
        else:
            self.exif = exif.read(head.get("exif-data") if "exif-data" in fields else None)
        stored = head.get("orientation") if "orientation" in fields else 1
        # libheif applies the container's rotation itself; HEIF/AVIF EXIF orientation is informative only.
        self.orientation: int = stored if fmt != "avif" and stored in _UNDO else 1

    def decode(self, width: int, height: int) -> VipsPicture:
        """All pixels, shrunk to ``width`` x ``height`` (stored orientation), then oriented and in sRGB."""
        options: dict[str, Any] = {"access": "sequential", "fail_on": "error"}
        if self._fmt == "jpeg":
            options["shrink"] = _jpeg_shrink(max(self.width, self.height), max(width, height))
        image = _LOADERS[self._fmt](self._data, **options)
        image = _fit(image, width, height).copy_memory()
        upright = _orient(_to_srgb(image), self.orientation)
        return VipsPicture(upright if upright is image else upright.copy_memory())


class VipsPicture:
    """Decoded 8-bit sRGB pixels (three bands, four with alpha), upright."""

    def __init__(self, image: Any) -> None:
        self._image = image
        self.width: int = image.width
        self.height: int = image.height

    def resized(self, width: int, height: int) -> VipsPicture:
        if (width, height) == (self.width, self.height):
            return self
        return VipsPicture(_fit(self._image, width, height).copy_memory())

    def encode(self, fmt: str, quality: int, effort: int) -> bytes:
        image = self._image
        if fmt == "webp":
            return bytes(image.webpsave_buffer(Q=quality, effort=effort, keep=_NONE))
        if image.hasalpha():  # JPEG has no alpha channel: composite onto white
            image = image.flatten(background=[255, 255, 255])
        if fmt == "png":
            return bytes(image.pngsave_buffer(compression=6, keep=_NONE))
        return bytes(image.jpegsave_buffer(Q=quality, optimize_coding=True, keep=_NONE))

    def square(self, side: int) -> bytes:
        image = self._image.flatten(background=[255, 255, 255]) if self._image.hasalpha() else self._image
        small = image.resize(side / self.width, vscale=side / self.height).cast("uchar")
        return bytes(small.write_to_memory())


def _jpeg_shrink(long_edge: int, wanted: int) -> int:
    """The largest DCT scaling (1/2, 1/4, 1/8) whose output still covers ``wanted``."""
    for shrink in (8, 4, 2):
        if -(-long_edge // shrink) >= wanted:
            return shrink
    return 1


def _fit(image: Any, width: int, height: int) -> Any:
    if (image.width, image.height) == (width, height):
        return image
    if not image.hasalpha():
        return image.resize(width / image.width, vscale=height / image.height)
    # Resampling straight alpha bleeds the colour of transparent pixels into the edges.
    form = image.format
    image = image.premultiply().resize(width / image.width, vscale=height / image.height)
    return image.unpremultiply().cast(form)


def _to_srgb(image: Any) -> Any:
    if "icc-profile-data" in image.get_fields():
        image = image.icc_transform("srgb", embedded=True, intent="perceptual", depth=8)
    elif image.interpretation == "cmyk":
        image = image.icc_transform("srgb", input_profile="cmyk", intent="perceptual", depth=8)
    if image.interpretation != "srgb" or image.format != "uchar":
        image = image.colourspace("srgb")
    return image.cast("uchar") if image.format != "uchar" else image


def _orient(image: Any, orientation: int) -> Any:
    angle, flip = _UNDO.get(orientation, (None, False))
    if angle:
        image = image.rot(angle)
    return image.fliphor() if flip else image
