"""The default architecture's access rules (docs/access.md): processed-images blocked, audit-logs guarded."""

from __future__ import annotations

from pathlib import Path

import pytest

from aerostore.access import policy as policies
from aerostore.access.control import POLICY, PUBLIC_ACCESS_BLOCK
from aerostore.access.public import PublicAccessBlock
from aerostore.blueprint import apply as blueprint
from aerostore.storage.engine import Engine

from .test_blueprint import _apply


async def test_processed_images_blocks_all_public_access(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    stored = engine.get_bucket_config("processed-images", PUBLIC_ACCESS_BLOCK)
    assert PublicAccessBlock.from_json(stored) == PublicAccessBlock.all()
    assert engine.get_bucket_config("raw-uploads", PUBLIC_ACCESS_BLOCK) is None


async def test_audit_logs_gets_the_auditors_only_policy(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    stored = engine.get_bucket_config("audit-logs", POLICY)
    assert stored is not None
    parsed = policies.parse(stored, "audit-logs")
    assert [s.effect for s in parsed.statements] == ["Deny"]


async def test_existing_policy_is_kept(engine: Engine) -> None:
    await _apply(engine, blueprint.load())
    await engine.set_bucket_config("audit-logs", POLICY, '{"Statement": []}')
    await _apply(engine, blueprint.load())
    assert engine.get_bucket_config("audit-logs", POLICY) == '{"Statement": []}'


@pytest.mark.parametrize(
    ("text", "message"),
    [('policy = "nobody-knows"', "unknown bucket policy"),
     ("[buckets.x.public_access_block]\nBlockPublicAcls = 1", "public_access_block")],
    ids=["policy", "flags"],
)  # fmt: skip
def test_wrong_access_declarations(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.toml"
    head = '[buckets.x]\nname = "some-bucket"\n'
    path.write_text(head + text + "\n")
    with pytest.raises(ValueError, match=message):
        blueprint.load(path)
