"""Output keys, metadata, tags and the manifest: derived from content, never from a clock."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from aerostore.images import Metadata
from aerostore.worker import layout
from aerostore.worker.identity import identify
from aerostore.worker.layout import Source, Written

SHA = "ab" * 32
SOURCE = Source("raw-uploads", "aircraft/N123AB/red flower ü.jpg", "v1", "etag1")
META = Metadata(
    SHA,
    1000,
    "jpeg",
    4000,
    3000,
    "2024-05-01T10:00:00",
    "Canon",
    "EOS R5",
    None,
    (48.1, 11.5),
    "f0f0f0f0f0f0f0f0",
    1,
)


def test_keys_are_content_derived() -> None:
    prefix = layout.prefix_for("N123AB", SHA)
    assert prefix == "aircraft/N123AB/abababababababab/"
    assert layout.output_key(prefix, "thumb", "webp") == prefix + "thumb.webp"
    assert layout.manifest_key(prefix) == prefix + "manifest.json"


def test_metadata_is_ascii_and_names_the_source() -> None:
    meta = layout.object_metadata(SOURCE, SHA, "cd" * 32, "N123AB", "thumb")
    assert all(value.isascii() for value in meta.values())
    assert meta["source-key"] == "aircraft/N123AB/red%20flower%20%C3%BC.jpg"
    assert meta["sha256"] == SHA and meta["rendition"] == "thumb" and meta["source-version"] == "v1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a/b c.jpg", "a/b c.jpg"), ("a&b?c#d", "a_b_c_d"), ("x" * 300, "x" * 256)],
    ids=["allowed", "replaced", "cut"],
)
def test_tag_values_are_made_valid(text: str, expected: str) -> None:
    assert layout.tag_value(text) == expected


def test_tagging_is_a_query_string() -> None:
    tags = dict(parse_qsl(layout.tagging(layout.object_tags(SOURCE, SHA, "N123AB", "large"))))
    assert tags == {
        "aircraft": "N123AB",
        "rendition": "large",
        "sha256": SHA,
        "source-bucket": "raw-uploads",
        "source-key": "aircraft/N123AB/red flower ü.jpg",
    }


def test_manifest_is_deterministic_and_has_no_gps() -> None:
    outputs = [Written("k/thumb.webp", "thumb", "webp", "image/webp", 256, 192, 100, "11" * 32)]
    first = layout.manifest(SOURCE, META, "N123AB", None, outputs)
    assert first == layout.manifest(SOURCE, META, "N123AB", None, list(outputs))
    doc = json.loads(first)
    assert doc["source"] == {"bucket": "raw-uploads", "key": SOURCE.key, "versionId": "v1", "etag": "etag1"}
    assert doc["outputs"][0]["key"] == "k/thumb.webp" and doc["metadata"]["make"] == "Canon"
    assert "gps" not in first.decode().lower()


@pytest.mark.parametrize(
    ("key", "metadata", "aircraft", "noted"),
    [
        ("aircraft/n123ab/x.jpg", {}, "N123AB", False),
        ("aircraft/gabcd/x.jpg", {}, "G-ABCD", False),
        ("uploads/x.jpg", {"aircraft-registration": "vh-oqa"}, "VH-OQA", False),
        ("aircraft/D-AIMA/x.jpg", {"aircraft-registration": "nonsense!"}, "D-AIMA", True),
        ("aircraft/NOPE/x.jpg", {}, "unassigned", True),
        ("uploads/x.jpg", {}, "unassigned", True),
    ],
    ids=["key-us", "key-hyphen-added", "metadata", "bad-metadata-key-wins", "bad-key", "nothing"],
)
def test_aircraft_identity(key: str, metadata: dict[str, str], aircraft: str, noted: bool) -> None:
    found, note = identify(key, metadata)
    assert found == aircraft
    assert bool(note) is noted
