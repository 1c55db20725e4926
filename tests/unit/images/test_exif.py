"""EXIF fields for the index; a broken EXIF block costs the metadata, never the image."""

from __future__ import annotations

import pytest
from PIL import Image

from aerostore.images.exif import ExifFields, read

from .factory import exif_with


def test_fields_from_a_full_block() -> None:
    fields = read(exif_with(8, private=True).tobytes())
    assert fields == ExifFields(
        captured_at="2024-05-01T12:34:56+02:00",
        make="Canon",
        model="EOS R5",
        lens="RF24-105mm F4 L IS USM",
        gps=pytest.approx((51.4775, -0.455)),  # type: ignore[arg-type]
        orientation=8,
    )


def test_with_the_app1_header() -> None:
    assert read(b"Exif\x00\x00" + exif_with(3).tobytes()).orientation == 3


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"",
        b"Exif\x00\x00",
        b"garbage",
        b"II*\x00\xff\xff\xff\x7f",
        b"MM\x00*\x00\x00\x00\x08\xff\xff" + bytes(40),
    ],
    ids=["none", "empty", "header-only", "garbage", "bad-offset", "huge-count"],
)
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_broken_blocks_give_no_fields(raw: bytes | None) -> None:
    assert read(raw) == ExifFields()


def test_implausible_values_are_dropped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "\x00\x00  "
    exif[0x0112] = 0
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (91.0, 0.0, 0.0), "E", (10.0, 0.0, 0.0)
    assert read(exif.tobytes()) == ExifFields()


def test_southern_and_western_positions_are_negative() -> None:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "S", (33.0, 56.0, 0.0), "W", (151.0, 10.0, 30.0)
    assert read(exif.tobytes()).gps == pytest.approx((-33.9333333, -151.175))


def test_time_without_offset_and_digitized_fallback() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9004] = "2023:12:31 23:59:59"
    assert read(exif.tobytes()).captured_at == "2023-12-31T23:59:59"
