"""Image processing for the media pipeline: pure, synchronous, no S3 and no queue (docs/images.md)."""

from aerostore.images.model import (
    DEFAULT_RENDITIONS,
    Limits,
    Metadata,
    Output,
    Processed,
    Rejected,
    RenditionSpec,
)
from aerostore.images.phash import hamming
from aerostore.images.pipeline import process
from aerostore.images.registration import parse_registration, registration_from_key
from aerostore.images.sniff import sniff

__all__ = [
    "DEFAULT_RENDITIONS",
    "Limits",
    "Metadata",
    "Output",
    "Processed",
    "Rejected",
    "RenditionSpec",
    "hamming",
    "parse_registration",
    "process",
    "registration_from_key",
    "sniff",
]
