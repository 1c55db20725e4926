"""The default architecture's lifecycle rules (docs/lifecycle.md), applied by the architecture file."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from aerostore.blueprint import apply as blueprint
from aerostore.lifecycle import rules
from aerostore.lifecycle.rules import Filter, LifecycleConfiguration, Rule, Transition
from aerostore.lifecycle.worker import LifecycleWorker
from aerostore.storage.engine import Engine

from .conftest import ATTRS, Body
from .test_blueprint import _apply

DAY = 86400.0


def _config(engine: Engine, bucket: str) -> LifecycleConfiguration:
    stored = engine.get_bucket_config(bucket, rules.CONFIG_NAME)
    assert stored is not None
    return rules.from_json(stored)


def _by_id(config: LifecycleConfiguration) -> dict[str, Rule]:
    return {rule.id: rule for rule in config.rules}


async def test_default_rules_of_the_three_buckets(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    raw = _by_id(_config(engine, "raw-uploads"))
    assert raw["expire-staged-uploads"].expiration_days == 7
    assert raw["abort-incomplete-uploads"].abort_multipart_days == 1
    audit = _by_id(_config(engine, "audit-logs"))["archive-audit-trail"]
    assert audit.transitions == (Transition("GLACIER", days=30), Transition("DEEP_ARCHIVE", days=180))
    assert audit.expiration_days == 2555  # 7 years
    assert _by_id(_config(engine, "processed-images"))["expire-replaced-versions"].noncurrent_days == 30
    for config in map(_config, [engine] * 3, ["raw-uploads", "audit-logs", "processed-images"]):
        assert all(rule.enabled and rule.filter == Filter() for rule in config.rules)


async def test_stored_document_is_what_the_api_stores(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    for bucket in ("raw-uploads", "audit-logs", "processed-images"):
        config = _config(engine, bucket)
        assert engine.get_bucket_config(bucket, rules.CONFIG_NAME) == rules.to_json(
            rules.parse_xml(rules.to_xml(config))
        )


async def test_periods_from_the_environment(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSTORE_RAW_RETENTION_DAYS", "2")
    monkeypatch.setenv("AEROSTORE_AUDIT_EXPIRATION_DAYS", "3650")
    monkeypatch.setenv("AEROSTORE_PROCESSED_NONCURRENT_DAYS", "90")
    await _apply(engine, blueprint.load())
    assert _by_id(_config(engine, "raw-uploads"))["expire-staged-uploads"].expiration_days == 2
    assert _by_id(_config(engine, "audit-logs"))["archive-audit-trail"].expiration_days == 3650
    assert _by_id(_config(engine, "processed-images"))["expire-replaced-versions"].noncurrent_days == 90


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AEROSTORE_RAW_RETENTION_DAYS", "seven"),
        ("AEROSTORE_RAW_RETENTION_DAYS", "0"),  # S3: Days must be a positive integer
        ("AEROSTORE_AUDIT_EXPIRATION_DAYS", "100"),  # before the DEEP_ARCHIVE transition
    ],
    ids=["not-a-number", "zero", "expires-before-transition"],
)
def test_invalid_periods_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=r"buckets\.\w+\.lifecycle"):
        blueprint.load()


async def test_own_configuration_is_kept_and_applying_again_changes_nothing(engine: Engine) -> None:
    await engine.create_bucket("raw-uploads", "alice", "us-east-1")
    mine = rules.to_json(
        LifecycleConfiguration((Rule("mine", True, Filter(prefix="x/"), expiration_days=1),))
    )
    await engine.set_bucket_config("raw-uploads", rules.CONFIG_NAME, mine)
    await _apply(engine, blueprint.load())
    before = {b: engine.get_bucket_config(b, rules.CONFIG_NAME) for b in ("audit-logs", "processed-images")}
    await _apply(engine, blueprint.load())
    assert engine.get_bucket_config("raw-uploads", rules.CONFIG_NAME) == mine
    assert {b: engine.get_bucket_config(b, rules.CONFIG_NAME) for b in before} == before


async def test_processed_images_noncurrent_versions_wait_for_their_retention(engine: Engine) -> None:
    """A replaced rendition under retention is skipped, then expires once the retention lapses."""
    await _apply(engine, blueprint.load())
    until = time.time() + 1.0
    short = replace(ATTRS, lock_mode="GOVERNANCE", lock_until=until)
    old = await engine.put_object("processed-images", "r.jpg", Body(b"v1"), short)
    await engine.put_object("processed-images", "r.jpg", Body(b"v2"), ATTRS)
    worker = LifecycleWorker(engine, pause_ratio=0, clock=lambda: time.time() + 31 * DAY)
    done = await worker.run_pass("processed-images")
    assert done.actions == {"expire-replaced-versions": {"skipped_locked": 1}}
    await asyncio.sleep(max(0.0, until - time.time()) + 0.05)
    done = await worker.run_pass("processed-images")
    assert done.actions == {"expire-replaced-versions": {"noncurrent_expire": 1}}
    remaining = engine.list_versions("processed-images", prefix="r.jpg").versions
    assert old.version_id not in [v.version_id for v in remaining] and len(remaining) == 1
