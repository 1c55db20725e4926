"""The architecture file applied to an engine: buckets, and processed-images' Object Lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from aerostore.blueprint import apply as blueprint
from aerostore.events import filters
from aerostore.features.object_lock import DefaultRetention
from aerostore.sqs.service import QueueService
from aerostore.storage.engine import Engine

PROCESSED_DEFAULT = DefaultRetention("GOVERNANCE", days=365)


async def _apply(engine: Engine, specs: list[blueprint.BucketSpec]) -> list[str]:
    """The whole file, as ``aerostore serve`` applies it: queues first, then buckets."""
    queues = QueueService(engine.db, region="us-east-1")
    await queues.start()
    try:
        arns = await blueprint.apply_queues(queues.ensure_queue, blueprint.load_queues())
        return await blueprint.apply(engine, specs, "alice", "us-east-1", arns)
    finally:
        await queues.close()


async def test_default_file_locks_processed_images(engine: Engine) -> None:
    specs = blueprint.load()
    assert [s.object_lock for s in specs if s.name == "processed-images"] == [PROCESSED_DEFAULT]
    created = await _apply(engine, specs)
    assert created == ["raw-uploads", "processed-images", "audit-logs"]
    processed = engine.get_bucket("processed-images")
    assert (processed.object_lock, processed.versioning) == (True, "Enabled")
    assert engine.get_object_lock_configuration("processed-images") == PROCESSED_DEFAULT
    assert not engine.get_bucket("raw-uploads").object_lock
    assert await _apply(engine, specs) == []


async def test_existing_lock_bucket_gets_a_missing_default_only(engine: Engine) -> None:
    specs = blueprint.load()
    await engine.create_bucket("processed-images", "alice", object_lock=True)
    await _apply(engine, specs)
    assert engine.get_object_lock_configuration("processed-images") == PROCESSED_DEFAULT
    changed = DefaultRetention("COMPLIANCE", days=7)
    await engine.put_object_lock_configuration("processed-images", changed)
    await _apply(engine, specs)
    assert engine.get_object_lock_configuration("processed-images") == changed


@pytest.mark.parametrize("versioning", ["", "Suspended"])
async def test_existing_bucket_without_lock_is_locked(engine: Engine, versioning: str) -> None:
    await engine.create_bucket("processed-images", "alice")
    if versioning:
        await engine.set_versioning("processed-images", versioning)
    await _apply(engine, blueprint.load())
    bucket = engine.get_bucket("processed-images")
    assert (bucket.object_lock, bucket.versioning) == (True, "Enabled")
    assert engine.get_object_lock_configuration("processed-images") == PROCESSED_DEFAULT


async def test_default_file_sends_raw_uploads_to_image_processing(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    [queue] = engine.notifier.get_configuration("raw-uploads").queues
    assert queue.queue_arn == "arn:aws:sqs:us-east-1:000000000000:image-processing"
    assert queue.events == ("s3:ObjectCreated:*",)
    sql = "SELECT attributes FROM sqs_queues WHERE name = 'image-processing'"
    row = engine.db.reader().execute(sql).fetchone()
    assert row is not None and "image-processing-dlq" in row[0]
    assert engine.db.reader().execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # no test event
    # A configuration changed through the API survives the next start.
    changed = filters.validate({"QueueConfigurations": [
        {"Id": "mine", "QueueArn": queue.queue_arn, "Events": ["s3:ObjectCreated:Put"]}]})  # fmt: skip
    await engine.notifier.put_configuration("raw-uploads", changed, test_event=False)
    await _apply(engine, blueprint.load())
    assert [q.id for q in engine.notifier.get_configuration("raw-uploads").queues] == ["mine"]


def test_queue_roles_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[queues.a]\nname = "a"\ndead_letter = "nope"\n')
    with pytest.raises(ValueError, match="nope"):
        blueprint.load_queues(path)


def test_retention_period_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSTORE_PROCESSED_RETENTION_DAYS", "30")
    [spec] = [s for s in blueprint.load() if s.role == "processed"]
    assert spec.object_lock == DefaultRetention("GOVERNANCE", days=30)


@pytest.mark.parametrize(
    "table",
    ['mode = "governance"\ndays = 1', 'mode = "GOVERNANCE"', 'mode = "GOVERNANCE"\ndays = 1\nyears = 1',
     'mode = "COMPLIANCE"\ndays = 0', 'mode = "COMPLIANCE"\nyears = 101'],
    ids=["mode", "no-period", "both-periods", "zero", "too-long"],
)  # fmt: skip
def test_bad_object_lock_table(tmp_path: Path, table: str) -> None:
    path = tmp_path / "arch.toml"
    path.write_text(f'[buckets.x]\nname = "x-bucket"\n[buckets.x.object_lock]\n{table}\n')
    with pytest.raises(ValueError, match="buckets.x.object_lock"):
        blueprint.load(path)
