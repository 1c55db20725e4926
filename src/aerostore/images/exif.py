"""The EXIF fields the media index keeps, read with Pillow's parser from the raw EXIF block.

Tag numbers are EXIF 2.32 (CIPA DC-008): IFD0 Make/Model/Orientation/DateTime, the Exif IFD's
DateTimeOriginal/OffsetTimeOriginal/LensMake/LensModel, the GPS IFD's latitude/longitude.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_ORIGINAL, _DIGITIZED, _OFFSET_ORIGINAL = 0x9003, 0x9004, 0x9011
_LENS_MAKE, _LENS_MODEL = 0xA433, 0xA434
_OFFSET = re.compile(r"[+-]\d\d:\d\d")


@dataclass(frozen=True, slots=True)
class ExifFields:
    captured_at: str | None = None
    make: str | None = None
    model: str | None = None
    lens: str | None = None
    gps: tuple[float, float] | None = None
    orientation: int = 1


def read(source: bytes | Image.Exif | None) -> ExifFields:
    """The fields from a raw EXIF block (with or without the ``Exif\\0\\0`` header) or a parsed one.

    A broken block loses the metadata, never the image: any parse error gives the empty fields.
    """
    if source is None or source == b"":
        return ExifFields()
    try:
        exif = source if isinstance(source, Image.Exif) else _load(source)
        return _fields(exif)
    except Exception:  # Pillow's TIFF-tag parser raises many types on hostile blocks
        return ExifFields()


def read_tiff(data: bytes) -> ExifFields:
    """The fields of a TIFF's first directory (libvips exposes no EXIF block for TIFF)."""
    try:
        with Image.open(io.BytesIO(data), formats=["TIFF"]) as image:
            return _fields(image.getexif())
    except Exception:  # as above: no metadata rather than no image
        return ExifFields()


def _load(raw: bytes) -> Image.Exif:
    exif = Image.Exif()
    exif.load(raw)
    return exif


def _fields(exif: Image.Exif) -> ExifFields:
    sub = exif.get_ifd(_EXIF_IFD)
    taken = _text(sub.get(_ORIGINAL)) or _text(sub.get(_DIGITIZED)) or _text(exif.get(_DATETIME))
    lens = " ".join(t for t in (_text(sub.get(_LENS_MAKE)), _text(sub.get(_LENS_MODEL))) if t)
    orientation = exif.get(_ORIENTATION)
    return ExifFields(
        captured_at=_timestamp(taken, _text(sub.get(_OFFSET_ORIGINAL))),
        make=_text(exif.get(_MAKE)),
        model=_text(exif.get(_MODEL)),
        lens=lens or None,
        gps=_position(exif.get_ifd(_GPS_IFD)),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
    )


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned[:200] or None


def _timestamp(taken: str | None, offset: str | None) -> str | None:
    if taken is None:
        return None
    try:
        moment = datetime.strptime(taken[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = offset if offset and _OFFSET.fullmatch(offset) else ""
    return moment.isoformat() + zone


def _position(gps: dict[int, Any]) -> tuple[float, float] | None:
    lat = _degrees(gps.get(2), _text(gps.get(1)), "S")
    lon = _degrees(gps.get(4), _text(gps.get(3)), "W")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return round(lat, 7), round(lon, 7)


def _degrees(dms: Any, ref: str | None, negative: str) -> float | None:
    if not isinstance(dms, tuple) or len(dms) != 3:
        return None
    value = float(dms[0]) + float(dms[1]) / 60 + float(dms[2]) / 3600
    if not math.isfinite(value):
        return None
    return -value if ref == negative else value
