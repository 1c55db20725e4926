"""The values the image pipeline takes and returns, and its one exception."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """What an upload may be before any pixel is decoded (docs/images.md, "Limits")."""

    max_bytes: int = 100 * 2**20
    max_pixels: int = 100_000_000
    max_width: int = 30_000
    max_height: int = 30_000


@dataclass(frozen=True, slots=True)
class RenditionSpec:
    """One rendition: its name and the long edge it is shrunk to (never enlarged)."""

    name: str
    long_edge: int
    formats: tuple[str, ...] = ("webp", "jpeg")


DEFAULT_RENDITIONS = (
    RenditionSpec("thumb", 256),
    RenditionSpec("preview", 1024),
    RenditionSpec("large", 2048),
)


class Rejected(Exception):
    """The upload is not an image the pipeline accepts; ``reason`` is a machine code for the index.

    Codes: empty, too-large, unsupported-format, polyglot, bad-dimensions, too-many-pixels,
    truncated, corrupt.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    def __repr__(self) -> str:
        return f"Rejected(reason={self.reason!r}, detail={self.detail!r})"


@dataclass(frozen=True, slots=True)
class Output:
    """One encoded rendition, free of metadata."""

    rendition: str
    ext: str
    content_type: str
    data: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the upload says about itself. ``width``/``height`` are as displayed (after auto-orientation)."""

    sha256: str
    size: int
    format: str
    width: int
    height: int
    captured_at: str | None
    make: str | None
    model: str | None
    lens: str | None
    gps: tuple[float, float] | None
    phash: str
    orientation: int
    has_alpha: bool = False


@dataclass(frozen=True, slots=True)
class Processed:
    metadata: Metadata
    outputs: tuple[Output, ...]
