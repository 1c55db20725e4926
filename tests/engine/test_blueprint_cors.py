"""raw-uploads' default CORS rule (docs/browser-uploads.md), applied by the architecture file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aerostore.blueprint import apply as blueprint
from aerostore.s3 import cors
from aerostore.storage.engine import Engine

from .test_blueprint import _apply


def _rules(engine: Engine) -> list[cors.CorsRule]:
    stored = engine.get_bucket_config("raw-uploads", "cors")
    assert stored is not None
    return cors.loads(stored)


async def test_default_raw_uploads_cors(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    [rule] = _rules(engine)
    assert rule.allowed_origins == ("http://localhost:*", "http://127.0.0.1:*")
    assert {"PUT", "POST"} <= set(rule.allowed_methods)
    assert "ETag" in rule.expose_headers and "x-amz-request-id" in rule.expose_headers
    assert cors.preflight([rule], "http://localhost:5173", "PUT", ["content-type"]) is not None
    assert cors.preflight([rule], "https://evil.example", "PUT", []) is None
    for name in ("processed-images", "audit-logs"):
        assert engine.get_bucket_config(name, "cors") is None


async def test_cors_origins_from_environment(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSTORE_RAW_CORS_ORIGINS", "https://ops.example.com, https://*.ops.example.com")
    await _apply(engine, blueprint.load())
    assert _rules(engine)[0].allowed_origins == ("https://ops.example.com", "https://*.ops.example.com")


async def test_existing_cors_configuration_is_kept(engine: Engine) -> None:
    await engine.create_bucket("raw-uploads", "alice", "us-east-1")
    mine = [cors.CorsRule(allowed_origins=("https://mine.example",), allowed_methods=("GET",))]
    await engine.set_bucket_config("raw-uploads", "cors", cors.dumps(mine))
    await _apply(engine, blueprint.load())
    assert _rules(engine) == mine


def test_invalid_cors_origins_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSTORE_RAW_CORS_ORIGINS", "http://*.*.example")
    with pytest.raises(ValueError, match="buckets.raw.cors"):
        blueprint.load()
