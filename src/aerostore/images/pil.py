"""The Pillow backend (+ pillow-heif): every accepted format, and the only one for HEIC/HEIF.

Pillow is strict by default where libvips is not (a truncated file raises, ``LOAD_TRUNCATED_IMAGES``
stays off), but it carries metadata along: a resized image keeps ``info`` (EXIF, XMP, ICC, comment)
and some savers write it back, so ``info`` is emptied before every save.
"""

from __future__ import annotations

import io

import pillow_heif
from PIL import Image, ImageCms

from aerostore.images import exif
from aerostore.images.exif import ExifFields

pillow_heif.register_heif_opener()

_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF", "heif": "HEIF", "avif": "AVIF"}
FORMATS = frozenset(_FORMATS)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_T = Image.Transpose
_UNDO = {2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM, 5: _T.TRANSPOSE, 6: _T.ROTATE_270,
         7: _T.TRANSVERSE, 8: _T.ROTATE_90}  # fmt: skip
_LANCZOS = Image.Resampling.LANCZOS
_ORIENTATION = 0x0112


class PilSource:
    """An upload opened for its header only: no pixel has been decoded yet."""

    def __init__(self, data: bytes, fmt: str) -> None:
        self._image = Image.open(io.BytesIO(data), formats=[_FORMATS[fmt]])
        self._fmt = fmt
        self.width, self.height = _stored_size(self._image, fmt)
        self.has_alpha = self._image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
            "transparency" in self._image.info
        )
        self.exif: ExifFields = exif.read(self._image.getexif())
        # pillow-heif lets libheif apply the container's irot/imir; Pillow's AVIF plugin instead reports
        # them as the EXIF orientation (and ignores the file's own EXIF value, as HEIF readers must).
        self.orientation = 1 if fmt == "heif" else self.exif.orientation

    def decode(self, width: int, height: int) -> PilPicture:
        """All pixels, shrunk to ``width`` x ``height`` (stored orientation), then oriented and in sRGB."""
        self._image.draft(None, (width, height))  # JPEG DCT scaling; a no-op for the other formats
        self._image.load()
        image: Image.Image = self._image
        # Recent Pillow turns a TIFF upright while loading it, and then drops the orientation tag.
        oriented = self._fmt == "tiff" and _ORIENTATION not in self._image.tag_v2  # type: ignore[attr-defined]
        if oriented and self.orientation in (5, 6, 7, 8):
            width, height = height, width
        icc = image.info.get("icc_profile")
        image = _eight_bit(image)
        if image.size != (width, height):
            image = image.resize((width, height), _LANCZOS)
        image = _to_srgb(image, icc)
        if self.orientation in _UNDO and not oriented:
            image = image.transpose(_UNDO[self.orientation])
        return PilPicture(image)


class PilPicture:
    """Decoded 8-bit sRGB pixels (RGB, or RGBA), upright."""

    def __init__(self, image: Image.Image) -> None:
        self._image = image
        self.width, self.height = image.size

    def resized(self, width: int, height: int) -> PilPicture:
        if (width, height) == self._image.size:
            return self
        return PilPicture(self._image.resize((width, height), _LANCZOS))

    def encode(self, fmt: str, quality: int, effort: int) -> bytes:
        image = self._image
        if fmt != "webp":  # JPEG has no alpha channel: composite onto white
            image = _opaque(image)
        image.info = {}
        out = io.BytesIO()
        if fmt == "webp":
            image.save(out, "WEBP", quality=quality, method=effort)
        elif fmt == "png":
            image.save(out, "PNG", compress_level=6)
        else:
            image.save(out, "JPEG", quality=quality, optimize=True)
        return out.getvalue()

    def square(self, side: int) -> bytes:
        return _opaque(self._image).resize((side, side), _LANCZOS).tobytes()


def _stored_size(image: Image.Image, fmt: str) -> tuple[int, int]:
    """Width and height as stored in the file (Pillow reports a TIFF's upright size)."""
    if fmt == "tiff":
        tags = image.tag_v2  # type: ignore[attr-defined]
        width, height = tags.get(256), tags.get(257)
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    return image.size


def _opaque(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")


def _eight_bit(image: Image.Image) -> Image.Image:
    """RGB, RGBA, L or CMYK with 8 bits per sample, whatever the file held."""
    if image.mode in ("RGB", "RGBA", "L", "CMYK"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if image.mode in ("LA", "La", "PA", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a profile that does not fit the pixels is ignored, as libvips does
        if converted is not None:
            return converted
    return image.convert(mode) if image.mode != mode else image
