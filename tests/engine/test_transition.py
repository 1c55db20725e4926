"""Engine.transition: hot classes change a column; archive classes move the bytes and free the hot copy."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from aerostore.events import filters
from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import ObjectAttrs, ObjectVersion
from aerostore.tiering import settings
from aerostore.tiering.restore import RestoreProcessor
from aerostore.tiering.tiers import DirectoryTier

from .conftest import Body, files, inline_seqs, put

MiB = 1024 * 1024
BIG = os.urandom(64 * 1024) * 48  # 3 MiB that zstd can shrink


def archive_files(engine: Engine) -> list[Path]:
    root = engine.data_dir / "archive"
    return [p for p in files(root) if "tmp" not in p.relative_to(root).parts] if root.exists() else []


@pytest.mark.parametrize("storage_class", ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"])
async def test_transition_to_hot_class_changes_only_the_column(engine: Engine, storage_class: str) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    moved = await engine.transition(v, storage_class)
    assert moved is not None and moved.attrs.storage_class == storage_class
    assert moved.segments == v.segments and not moved.archived
    got = engine.get_version("b", "k")
    assert got.attrs.storage_class == storage_class
    assert b"".join(engine.open_range(got, 0, got.size - 1)) == BIG
    assert archive_files(engine) == []


@pytest.mark.parametrize("blob", [True, False], ids=["blob", "inline"])
async def test_transition_to_glacier_moves_the_bytes(engine: Engine, blob: bool) -> None:
    await engine.create_bucket("b", "alice")
    data = BIG if blob else b"small body"
    v = await put(engine, "b", "k", data, blob=blob)
    moved = await engine.transition(v, "GLACIER")
    assert moved is not None and moved.archived and moved.attrs.storage_class == "GLACIER"
    assert (moved.size, moved.etag, moved.checksums) == (v.size, v.etag, v.checksums)
    await engine.collect_garbage(grace=0)
    assert files(engine.data_dir / "blobs") == [] and inline_seqs(engine) == []
    [archived] = archive_files(engine)
    row = engine.db.reader().execute("SELECT archive, segments FROM versions").fetchone()
    locator = json.loads(row["archive"])
    assert row["segments"] == "[]" and locator["codec"] == "zstd" and locator["parts"] == [len(data)]
    assert locator["stored"] == archived.stat().st_size
    assert archived.stat().st_size < len(data) / 4 or not blob
    assert b"".join(engine.archiver.tier.read(locator["ref"])) == data


async def test_glacier_to_deep_archive_only_changes_the_class(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    glacier = await engine.transition(v, "GLACIER")
    assert glacier is not None
    before = archive_files(engine)
    deep = await engine.transition(glacier, "DEEP_ARCHIVE")
    assert deep is not None and deep.attrs.storage_class == "DEEP_ARCHIVE"
    assert archive_files(engine) == before
    assert await engine.transition(deep, "STANDARD_IA") is None  # never out of an archive class


async def test_transition_of_a_replaced_version_does_nothing(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    await put(engine, "b", "k", b"newer")  # unversioned: v's row is gone
    assert await engine.transition(v, "GLACIER") is None
    assert await engine.transition(v, "STANDARD_IA") is None
    assert archive_files(engine) == []
    assert engine.db.reader().execute("SELECT COUNT(*) FROM archive_intents").fetchone()[0] == 0


async def test_transition_wrap_and_event_apply_to_the_final_job(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    wrapped: list[ObjectVersion | None] = []

    def wrap(job):  # type: ignore[no-untyped-def]
        def run(conn):  # type: ignore[no-untyped-def]
            result = job(conn)
            wrapped.append(result)
            conn.execute("INSERT INTO config (bucket, name, value, updated) VALUES ('b', 'marker', 'x', 0)")
            return result

        return run

    moved = await engine.transition(v, "GLACIER", wrap=wrap)
    assert moved is not None and wrapped == [moved]
    assert engine.get_bucket_config("b", "marker") == "x"


async def test_deleting_an_archived_version_deletes_its_archive_copy(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    assert await engine.transition(v, "DEEP_ARCHIVE") is not None
    assert len(archive_files(engine)) == 1
    await engine.delete_object("b", "k")
    await engine.archiver.collect()
    assert archive_files(engine) == []


async def test_multipart_version_keeps_its_parts_when_archived(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    upload = await engine.create_upload("b", "k", ObjectAttrs())
    p1 = await engine.put_part(upload, 1, Body(BIG * 2))
    p2 = await engine.put_part(upload, 2, Body(BIG[:MiB]))
    v = await engine.complete_upload(upload, [(1, p1.etag), (2, p2.etag)])
    moved = await engine.transition(v, "GLACIER")
    assert moved is not None and moved.parts_count == 2
    assert [s.size for s in moved.segments] == [6 * MiB, MiB]


async def test_restore_completes_then_expires_and_frees_its_copy(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    moved = await engine.transition(v, "DEEP_ARCHIVE")
    assert moved is not None
    processor = RestoreProcessor(engine)
    version, started = await engine.restore("b", "k", None, 2, "Bulk")
    assert started and version.restore is not None and version.restore.ongoing
    assert await processor.run_due() == (0, 0)  # Bulk takes 12 hours
    ready_at = version.restore.ready_at
    assert await processor.run_due(ready_at) == (1, 0)
    restored = engine.get_version("b", "k")
    assert restored.restored and restored.restore is not None and restored.restore.expiry is not None
    assert b"".join(engine.open_range(restored, 0, restored.size - 1)) == BIG
    assert restored.restore.expiry % 86400 == 0 and restored.restore.expiry > ready_at + 86400
    assert await processor.run_due(restored.restore.expiry) == (0, 1)
    cold = engine.get_version("b", "k")
    assert cold.restore is None and not cold.restored and [s.path for s in cold.segments] == [""]
    await engine.collect_garbage(grace=0)
    assert files(engine.data_dir / "blobs") == []


async def test_restore_requests_refused_as_aws_refuses_them(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "hot", b"x")
    with pytest.raises(errors.InvalidObjectState):
        await engine.restore("b", "hot", None, 1, "Standard")
    v = await put(engine, "b", "k", BIG)
    await engine.transition(v, "GLACIER")
    await engine.restore("b", "k", None, 1, "Standard")
    with pytest.raises(errors.RestoreAlreadyInProgress):
        await engine.restore("b", "k", None, 1, "Standard")
    with pytest.raises(errors.NoSuchKey):
        await engine.restore("b", "missing", None, 1, "Standard")


async def test_deleting_a_restored_version_frees_both_copies(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    v = await put(engine, "b", "k", BIG)
    await engine.transition(v, "GLACIER")
    await engine.restore("b", "k", None, 1, "Expedited")
    assert await RestoreProcessor(engine).run_due(time.time() + 3600) == (1, 0)
    assert len(files(engine.data_dir / "blobs")) == 1
    await engine.delete_object("b", "k")
    await engine.collect_garbage(grace=0)
    await engine.archiver.collect()
    assert files(engine.data_dir / "blobs") == [] and archive_files(engine) == []


async def test_transition_and_restore_events_go_through_the_outbox(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    queue = {"Id": "cfg", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:events",
             "Events": ["s3:LifecycleTransition", "s3:ObjectRestore:*"]}  # fmt: skip
    await engine.notifier.put_configuration(
        "b", filters.validate({"QueueConfigurations": [queue]}), test_event=False
    )
    v = await put(engine, "b", "k", BIG)
    moved = await engine.transition(v, "GLACIER")
    assert moved is not None
    processor = RestoreProcessor(engine)
    await engine.restore("b", "k", None, 1, "Expedited")
    await processor.run_due(time.time() + 3600)
    expiry = engine.get_version("b", "k").restore.expiry  # type: ignore[union-attr]
    await processor.run_due(expiry)
    found = engine.db.reader().execute("SELECT event_name, payload FROM outbox ORDER BY id").fetchall()
    assert [r[0] for r in found] == [
        "s3:LifecycleTransition",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete",
    ]
    transition, _, completed, _ = [json.loads(r[1])["Records"][0] for r in found]
    assert transition["lifecycleEventData"] == {"transitionEventData": {"destinationStorageClass": "GLACIER"}}
    restore = completed["glacierEventData"]["restoreEventData"]
    assert restore["lifecycleRestoreStorageClass"] == "GLACIER"
    assert restore["lifecycleRestorationExpiryTime"].endswith("T00:00:00.000Z")  # a midnight UTC


def test_archive_settings_scale_delays_with_the_lifecycle_day(tmp_path: Path) -> None:
    parsed = settings.parse({"restore_delay_standard": 86400, "tier": "x"}, day_seconds=2.0)
    assert parsed.restore_delay("Standard") == 2.0
    assert parsed.restore_delay("Expedited") == pytest.approx(120 * 2 / 86400)
    assert isinstance(settings.build_tier({}, {}, tmp_path / "a", tmp_path / "tmp"), DirectoryTier)


@pytest.mark.parametrize(
    ("archive", "tiers"),
    [
        ({"restore_delay_fast": 1}, {}),
        ({"restore_delay_bulk": -1}, {}),
        ({"tier": "missing"}, {}),
        ({"tier": "t"}, {"t": {"type": "ftp", "endpoint": "x", "bucket": "b"}}),
        ({"tier": "t"}, {"t": {"type": "s3", "bucket": "b"}}),
        ({"tier": "t"}, {"t": {"type": "s3", "endpoint": "x", "bucket": "b", "colour": "blue"}}),
    ],
    ids=["unknown-setting", "negative-delay", "no-tier-table", "bad-type", "no-endpoint", "unknown-tier-key"],
)
def test_archive_settings_refuse_mistakes(
    tmp_path: Path, archive: dict[str, Any], tiers: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        settings.parse(archive, 86400.0)
        settings.build_tier(archive, tiers, tmp_path / "a", tmp_path / "tmp")
