"""Buckets: create, look up, list, delete, sub-resource documents, versioning state."""

from __future__ import annotations

import pytest

from aerostore.s3 import errors
from aerostore.storage.engine import Engine

from .conftest import put


async def test_create_get_list(engine: Engine) -> None:
    created = await engine.create_bucket("beta", "alice", "eu-west-1")
    await engine.create_bucket("alpha", "alice")
    assert engine.get_bucket("beta") == created
    assert (created.region, created.owner, created.versioning, created.object_lock) == (
        "eu-west-1",
        "alice",
        "",
        False,
    )
    assert engine.get_bucket("alpha").region == "us-east-1"
    assert [b.name for b in engine.list_buckets()] == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("owner", "error"), [("alice", errors.BucketAlreadyOwnedByYou), ("bob", errors.BucketAlreadyExists)]
)
async def test_create_existing(engine: Engine, owner: str, error: type[errors.S3Error]) -> None:
    await engine.create_bucket("b", "alice")
    with pytest.raises(error):
        await engine.create_bucket("b", owner)


async def test_object_lock_enables_versioning(engine: Engine) -> None:
    bucket = await engine.create_bucket("locked", "alice", object_lock=True)
    assert (bucket.versioning, bucket.object_lock) == ("Enabled", True)
    with pytest.raises(errors.InvalidBucketState):
        await engine.set_versioning("locked", "Suspended")


async def test_missing_bucket(engine: Engine) -> None:
    with pytest.raises(errors.NoSuchBucket):
        engine.get_bucket("nope")
    with pytest.raises(errors.NoSuchBucket):
        await engine.delete_bucket("nope")
    with pytest.raises(errors.NoSuchBucket):
        engine.list_objects("nope")


async def test_delete_empty_bucket(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.delete_bucket("b")
    assert engine.list_buckets() == []


async def test_delete_bucket_with_object_is_not_empty(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await put(engine, "b", "k", b"x")
    with pytest.raises(errors.BucketNotEmpty):
        await engine.delete_bucket("b")


async def test_delete_marker_keeps_bucket_not_empty(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    await engine.set_versioning("b", "Enabled")
    await put(engine, "b", "k", b"x")
    version = engine.get_version("b", "k")
    await engine.delete_object("b", "k", version.version_id)
    await engine.delete_object("b", "k")  # leaves only a delete marker
    with pytest.raises(errors.BucketNotEmpty):
        await engine.delete_bucket("b")


async def test_delete_bucket_aborts_uploads(engine: Engine) -> None:
    from .conftest import ATTRS, Body, files

    await engine.create_bucket("b", "alice")
    upload = await engine.create_upload("b", "k", ATTRS)
    await engine.put_part(upload, 1, Body(b"part"))
    await engine.delete_bucket("b")
    await engine.collect_garbage(grace=0)
    assert files(engine.blobs.blobs_dir) == []
    assert engine.db.reader().execute("SELECT count(*) FROM uploads").fetchone()[0] == 0


async def test_bucket_config_documents(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    assert engine.get_bucket_config("b", "cors") is None
    await engine.set_bucket_config("b", "cors", "<CORSConfiguration/>")
    assert engine.get_bucket_config("b", "cors") == "<CORSConfiguration/>"
    await engine.set_bucket_config("b", "cors", None)
    assert engine.get_bucket_config("b", "cors") is None
    with pytest.raises(errors.NoSuchBucket):
        await engine.set_bucket_config("nope", "cors", "x")


async def test_set_versioning(engine: Engine) -> None:
    await engine.create_bucket("b", "alice")
    assert (await engine.set_versioning("b", "Enabled")).versioning == "Enabled"
    assert engine.get_bucket("b").versioning == "Enabled"
    await engine.set_versioning("b", "Suspended")
    assert engine.get_bucket("b").versioning == "Suspended"
    with pytest.raises(errors.MalformedXML):
        await engine.set_versioning("b", "Disabled")
