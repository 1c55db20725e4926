"""Object Lock in the engine: lock configuration, locks on new versions, enforcement in the write."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from aerostore.features.object_lock import DAY, DefaultRetention, Retention
from aerostore.s3 import errors
from aerostore.storage.engine import Engine
from aerostore.storage.model import NULL_VERSION, ObjectAttrs, ObjectVersion

from .conftest import ATTRS, Body, put, read_all

SOON = 3600.0


def locked_attrs(
    mode: str | None = "GOVERNANCE", until: float | None = None, hold: str | None = None
) -> ObjectAttrs:
    if mode is not None and until is None:
        until = time.time() + SOON
    return replace(ATTRS, lock_mode=mode, lock_until=until if mode else None, lock_legal_hold=hold)


async def _lock_bucket(engine: Engine, default: DefaultRetention | None = None) -> None:
    await engine.create_bucket("b", "alice", object_lock=True)
    if default is not None:
        await engine.put_object_lock_configuration("b", default)


async def _put_locked(engine: Engine, key: str = "k", **lock: object) -> ObjectVersion:
    return await engine.put_object("b", key, Body(b"data"), locked_attrs(**lock))  # type: ignore[arg-type]


async def test_configuration_needs_enabled_versioning(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    with pytest.raises(errors.ObjectLockConfigurationNotFoundError):
        engine.get_object_lock_configuration("b")
    for status in (None, "Suspended"):
        if status:
            await engine.set_versioning("b", status)
        with pytest.raises(errors.InvalidBucketState):
            await engine.put_object_lock_configuration("b", None)
    await engine.set_versioning("b", "Enabled")
    await engine.put_object_lock_configuration("b", None)
    assert engine.get_bucket("b").object_lock
    assert engine.get_object_lock_configuration("b") is None
    with pytest.raises(errors.InvalidBucketState):
        await engine.set_versioning("b", "Suspended")


async def test_default_retention_is_set_and_cleared(engine: Engine) -> None:
    default = DefaultRetention("COMPLIANCE", years=2)
    await _lock_bucket(engine, default)
    assert engine.get_object_lock_configuration("b") == default
    await engine.put_object_lock_configuration("b", None)
    assert engine.get_object_lock_configuration("b") is None
    assert engine.get_bucket("b").object_lock  # Object Lock itself stays on


async def test_default_retention_applies_to_put_copy_and_complete(engine: Engine) -> None:
    await _lock_bucket(engine, DefaultRetention("GOVERNANCE", days=3))
    made = [await put(engine, "b", "put", b"x")]
    made.append(await engine.copy_object(made[0], "b", "copy", ATTRS))
    upload = await engine.create_upload("b", "mpu", ATTRS)
    part = await engine.put_part(upload, 1, Body(b"part"))
    made.append(await engine.complete_upload(upload, [(1, part.etag)]))
    for version in made:
        stored = engine.get_version("b", version.key)
        assert stored.retention == Retention("GOVERNANCE", stored.last_modified + 3 * DAY)
        assert stored.legal_hold is None


async def test_explicit_lock_overrides_the_default(engine: Engine) -> None:
    await _lock_bucket(engine, DefaultRetention("GOVERNANCE", days=3))
    until = time.time() + 60
    version = await _put_locked(engine, mode="COMPLIANCE", until=until, hold="ON")
    stored = engine.get_version("b", "k", version.version_id)
    assert (stored.retention, stored.legal_hold) == (Retention("COMPLIANCE", until), "ON")
    held = await _put_locked(engine, "held", mode=None, hold="OFF")  # the default still gives retention
    assert engine.get_version("b", "held", held.version_id).legal_hold == "OFF"
    assert engine.get_version("b", "held").retention_mode == "GOVERNANCE"


async def test_multipart_upload_keeps_its_lock_until_completion(engine: Engine) -> None:
    await _lock_bucket(engine)
    until = time.time() + 60
    upload = await engine.create_upload("b", "mpu", locked_attrs("COMPLIANCE", until, "ON"))
    part = await engine.put_part(upload, 1, Body(b"part"))
    version = await engine.complete_upload(upload, [(1, part.etag)])
    assert (version.retention, version.legal_hold) == (Retention("COMPLIANCE", until), "ON")


async def test_lock_on_a_bucket_without_object_lock_is_refused(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    with pytest.raises(errors.InvalidRequest):
        await _put_locked(engine, mode=None, hold="ON")
    await put(engine, "b", "k", b"x")
    for call in (
        engine.put_object_retention("b", "k", None, Retention("GOVERNANCE", time.time() + 60)),
        engine.put_object_legal_hold("b", "k", None, "ON"),
    ):
        with pytest.raises(errors.InvalidRequest):
            await call
    with pytest.raises(errors.InvalidRequest):
        engine.get_object_lock("b", "k")


@pytest.mark.parametrize(
    ("mode", "hold", "bypass", "deleted"),
    [
        ("GOVERNANCE", None, False, False),
        ("GOVERNANCE", None, True, True),
        ("COMPLIANCE", None, True, False),
        (None, "ON", True, False),
        (None, "OFF", False, True),
    ],
    ids=["governance", "governance-bypassed", "compliance-bypassed", "legal-hold-bypassed", "legal-hold-off"],
)
async def test_delete_version_respects_the_lock(
    engine: Engine, mode: str | None, hold: str | None, bypass: bool, deleted: bool
) -> None:
    await _lock_bucket(engine)
    version = await _put_locked(engine, mode=mode, hold=hold)
    if deleted:
        await engine.delete_object("b", "k", version.version_id, bypass_governance=bypass)
        with pytest.raises(errors.NoSuchKey):
            engine.get_version("b", "k")
        return
    with pytest.raises(errors.AccessDenied) as caught:
        await engine.delete_object("b", "k", version.version_id, bypass_governance=bypass)
    assert caught.value.text == "Access Denied because object protected by object lock."
    assert read_all(engine, "b", "k", version.version_id) == b"data"


async def test_delete_without_version_id_stacks_a_marker_over_a_locked_version(engine: Engine) -> None:
    await _lock_bucket(engine)
    version = await _put_locked(engine, mode="COMPLIANCE")
    marker = await engine.delete_object("b", "k")
    assert marker is not None and marker.delete_marker
    await engine.delete_object("b", "k", marker.version_id)  # markers are never protected
    assert engine.get_version("b", "k").version_id == version.version_id


async def test_expired_retention_no_longer_protects(engine: Engine) -> None:
    await _lock_bucket(engine)
    version = await _put_locked(engine, mode="COMPLIANCE", until=time.time() + 0.2)
    await asyncio.sleep(0.3)
    assert await engine.delete_object("b", "k", version.version_id) is not None


async def test_removing_the_legal_hold_lets_the_delete_through(engine: Engine) -> None:
    await _lock_bucket(engine)
    version = await _put_locked(engine, mode=None, hold="ON")
    with pytest.raises(errors.AccessDenied):
        await engine.delete_object("b", "k", version.version_id, bypass_governance=True)
    off = await engine.put_object_legal_hold("b", "k", version.version_id, "OFF")
    assert off.legal_hold == "OFF" == engine.get_object_lock("b", "k").legal_hold
    await engine.delete_object("b", "k", version.version_id)
    assert engine.list_versions("b").versions == []


async def test_retention_changes(engine: Engine) -> None:
    await _lock_bucket(engine)
    now = time.time()
    version = await _put_locked(engine, mode="GOVERNANCE", until=now + 100)
    vid = version.version_id
    extended = await engine.put_object_retention("b", "k", vid, Retention("GOVERNANCE", now + 200))
    assert extended.retention == Retention("GOVERNANCE", now + 200)
    with pytest.raises(errors.AccessDenied):
        await engine.put_object_retention("b", "k", vid, Retention("GOVERNANCE", now + 150))
    with pytest.raises(errors.AccessDenied):
        await engine.put_object_retention("b", "k", vid, Retention("COMPLIANCE", now + 300))
    await engine.put_object_retention(
        "b", "k", vid, Retention("COMPLIANCE", now + 150), bypass_governance=True
    )
    for change in (Retention("COMPLIANCE", now + 120), Retention("GOVERNANCE", now + 900), None):
        with pytest.raises(errors.AccessDenied):
            await engine.put_object_retention("b", "k", vid, change, bypass_governance=True)
    await engine.put_object_retention("b", "k", vid, Retention("COMPLIANCE", now + 900))
    assert engine.get_object_lock("b", "k", vid).retention == Retention("COMPLIANCE", now + 900)


async def test_governance_retention_removed_with_bypass(engine: Engine) -> None:
    await _lock_bucket(engine)
    version = await _put_locked(engine)
    with pytest.raises(errors.AccessDenied):
        await engine.put_object_retention("b", "k", version.version_id, None)
    removed = await engine.put_object_retention("b", "k", version.version_id, None, bypass_governance=True)
    assert removed.retention is None
    await engine.delete_object("b", "k", version.version_id)


async def test_delete_objects_reports_locked_versions(engine: Engine) -> None:
    await _lock_bucket(engine)
    locked = await _put_locked(engine, "locked")
    free = await put(engine, "b", "free", b"x")
    results = await engine.delete_objects("b", [("locked", locked.version_id), ("free", free.version_id)])
    assert isinstance(results[0], errors.AccessDenied)
    assert isinstance(results[1], ObjectVersion) and results[1].version_id == free.version_id
    again = await engine.delete_objects("b", [("locked", locked.version_id)], bypass_governance=True)
    assert isinstance(again[0], ObjectVersion)


async def test_lock_requests_on_a_delete_marker_are_method_not_allowed(engine: Engine) -> None:
    await _lock_bucket(engine)
    await put(engine, "b", "k", b"x")
    marker = await engine.delete_object("b", "k")
    assert marker is not None
    with pytest.raises(errors.MethodNotAllowed):
        await engine.put_object_retention(
            "b", "k", marker.version_id, Retention("GOVERNANCE", time.time() + 9)
        )
    with pytest.raises(errors.MethodNotAllowed):
        engine.get_object_lock("b", "k", marker.version_id)


async def test_locked_null_version_is_never_replaced(engine: Engine) -> None:
    """A lock bucket is always Enabled; data that is Suspended anyway must still keep the lock."""
    await engine.create_bucket("b", "alice")
    null = await put(engine, "b", "k", b"null")
    await engine.set_versioning("b", "Enabled")
    await engine.put_object_lock_configuration("b", None)
    await engine.put_object_legal_hold("b", "k", NULL_VERSION, "ON")
    await engine.db.write(lambda c: c.execute("UPDATE buckets SET versioning = 'Suspended' WHERE name = 'b'"))
    with pytest.raises(errors.AccessDenied):
        await put(engine, "b", "k", b"overwrite")
    with pytest.raises(errors.AccessDenied):
        await engine.delete_object("b", "k")
    assert read_all(engine, "b", "k", NULL_VERSION) == b"null"
    assert engine.get_version("b", "k").seq == null.seq


async def test_bucket_with_locked_versions_cannot_be_deleted(engine: Engine) -> None:
    await _lock_bucket(engine)
    version = await _put_locked(engine, mode="COMPLIANCE")
    await engine.delete_object("b", "k")
    with pytest.raises(errors.BucketNotEmpty):
        await engine.delete_bucket("b")
    assert read_all(engine, "b", "k", version.version_id) == b"data"


async def test_lock_state_is_durable(tmp_path: Path) -> None:
    first = Engine(tmp_path / "d")
    await first.start()
    try:
        await _lock_bucket(first, DefaultRetention("GOVERNANCE", days=1))
        version = await _put_locked(first, mode=None, hold="ON")
    finally:
        await first.close()
    second = Engine(tmp_path / "d")
    await second.start()
    try:
        stored = second.get_object_lock("b", "k", version.version_id)
        assert (stored.retention, stored.legal_hold) == (version.retention, "ON")
        assert second.get_object_lock_configuration("b") == DefaultRetention("GOVERNANCE", days=1)
        with pytest.raises(errors.AccessDenied):
            await second.delete_object("b", "k", version.version_id, bypass_governance=True)
    finally:
        await second.close()


async def test_racing_retention_and_delete_never_both_win(engine: Engine) -> None:
    """Both jobs are queued at once; whichever commits first, a retention that succeeded protects."""
    await _lock_bucket(engine)
    for round_ in range(50):
        version = await put(engine, "b", "k", b"x")
        vid = version.version_id
        retention = Retention("GOVERNANCE", time.time() + SOON)
        jobs = [engine.delete_object("b", "k", vid), engine.put_object_retention("b", "k", vid, retention)]
        if round_ % 2:  # the one submitted first commits first: try both orders
            jobs.reverse()
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        if round_ % 2:
            outcomes.reverse()
        deleted, retained = (not isinstance(o, BaseException) for o in outcomes)
        assert deleted != retained, outcomes
        if retained:
            assert isinstance(outcomes[0], errors.AccessDenied)
            assert engine.get_version("b", "k", vid).retention == retention
        else:
            assert isinstance(outcomes[1], errors.NoSuchVersion)
