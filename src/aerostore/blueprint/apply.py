"""The declarative architecture file: read it, and apply it idempotently to the engine.

Each ``[buckets.<role>]`` names a bucket; ``[buckets.<role>.object_lock]`` (``mode`` and
``days`` or ``years``) makes it a retention-protected bucket: created with Object Lock (which
turns versioning on for good) and that default retention for every new version.
``AEROSTORE_<ROLE>_BUCKET`` renames a bucket, ``AEROSTORE_<ROLE>_RETENTION_DAYS`` changes its
default retention period.

Applying is idempotent and only ever adds what is missing:

- a missing bucket is created as declared;
- an existing lock bucket without a default retention gets the declared one; one that has a
  default keeps it (it may have been changed on purpose through PutObjectLockConfiguration,
  which is also how to change it later);
- an existing bucket declared with Object Lock but created without it (by an older aerostore,
  or by hand) gets versioning Enabled and then Object Lock, as S3 allows for existing buckets.
  The file says this bucket is retention-protected, and a bucket the platform believes
  protected while it is not is the failure that matters: deletes would silently destroy
  images. Turning it on cannot lock anything already stored (a default retention applies to
  new versions only), so no existing object becomes undeletable; it does make the bucket
  keep every version from then on, and it cannot be undone, as on S3. It is logged.

``[queues.<role>]`` declares an embedded queue (``AEROSTORE_<ROLE>_QUEUE`` renames it), with
an optional ``dead_letter`` (another queue's role) and ``max_receive_count``; a queue that
exists is left as it is. ``[[buckets.<role>.notifications]]`` sends a bucket's events to a
queue role or a target ARN; it is applied only while the bucket has no notification
configuration at all, so one changed through the S3 API is never overwritten.

``[buckets.<role>.cors]`` (``origins``, ``methods``, ``headers``, ``expose``, ``max_age``) is one
CORS rule, likewise applied only while the bucket has no CORS configuration;
``AEROSTORE_<ROLE>_CORS_ORIGINS`` (comma-separated) replaces its origins.

``[[buckets.<role>.lifecycle]]`` declares the bucket's default lifecycle rules (blueprint/lifecycle.py),
likewise applied only while the bucket has no lifecycle configuration of its own.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from aerostore.access import policy as policies
from aerostore.access import roles
from aerostore.access.control import POLICY, PUBLIC_ACCESS_BLOCK
from aerostore.access.public import FLAGS, PublicAccessBlock
from aerostore.blueprint import lifecycle as default_lifecycle
from aerostore.events import filters
from aerostore.features.object_lock import MAX_DAYS, MAX_YEARS, MODES, DefaultRetention
from aerostore.lifecycle import rules
from aerostore.s3 import cors, errors
from aerostore.s3.names import validate_bucket_name
from aerostore.storage.engine import Engine

ROLES = ("raw", "processed", "audit")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotificationSpec:
    """One queue configuration: events of a bucket to a queue role (or a target ARN)."""

    id: str
    destination: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class BucketSpec:
    role: str
    name: str
    purpose: str
    object_lock: DefaultRetention | None = None  # None: no Object Lock
    notifications: tuple[NotificationSpec, ...] = ()
    cors: cors.CorsRule | None = None
    public_access_block: PublicAccessBlock | None = None  # applied while the bucket has none
    policy: str | None = None  # a bucket policy (JSON), applied while the bucket has none
    lifecycle: str | None = None  # a lifecycle configuration (stored JSON), applied while the bucket has none


@dataclass(frozen=True, slots=True)
class QueueSpec:
    role: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    dead_letter: str | None = None  # the role of its dead-letter queue
    max_receive_count: int = 5


def _read(path: Path | None) -> dict[str, Any]:
    text = (
        path.read_text()
        if path
        else resources.files("aerostore.blueprint").joinpath("default.toml").read_text()
    )
    return tomllib.loads(text)


def load(path: Path | None = None) -> list[BucketSpec]:
    """The bucket specs of ``path`` (default: the packaged file), with the environment's overrides."""
    specs = []
    for role, spec in _read(path).get("buckets", {}).items():
        name = os.environ.get(f"AEROSTORE_{role.upper()}_BUCKET", spec["name"])
        validate_bucket_name(name)
        lock = _object_lock(role, spec.get("object_lock"))
        notifications = tuple(_notification(role, n) for n in spec.get("notifications", ()))
        rule = _cors(role, spec.get("cors"))
        block, bucket_policy = _access(role, name, spec)
        purpose = spec.get("purpose", "")
        lifecycle = default_lifecycle.load(role, spec.get("lifecycle"))
        specs.append(
            BucketSpec(role, name, purpose, lock, notifications, rule, block, bucket_policy, lifecycle)
        )
    return specs


def load_queues(path: Path | None = None) -> list[QueueSpec]:
    """The queue specs of ``path``, dead-letter queues first (a redrive policy names an existing queue)."""
    specs = []
    for role, spec in _read(path).get("queues", {}).items():
        name = os.environ.get(f"AEROSTORE_{role.upper()}_QUEUE", spec["name"])
        attributes = {str(k): str(v) for k, v in spec.get("attributes", {}).items()}
        dead_letter, receives = spec.get("dead_letter"), int(spec.get("max_receive_count", 5))
        specs.append(QueueSpec(role, name, attributes, dead_letter, receives))
    roles = {s.role for s in specs}
    for s in specs:
        if s.dead_letter is not None and s.dead_letter not in roles:
            raise ValueError(f"queues.{s.role}.dead_letter: no queue has the role {s.dead_letter!r}")
    return sorted(specs, key=lambda s: s.dead_letter is not None)


def _notification(role: str, table: Mapping[str, Any]) -> NotificationSpec:
    try:
        return NotificationSpec(
            id=str(table["id"]),
            destination=str(table["queue"]),
            events=tuple(table["events"]),
            prefix=str(table.get("prefix", "")),
            suffix=str(table.get("suffix", "")),
        )
    except KeyError as missing:
        raise ValueError(f"buckets.{role}.notifications: {missing} is required") from None


def _cors(role: str, table: Mapping[str, Any] | None) -> cors.CorsRule | None:
    """A ``[buckets.<role>.cors]`` table as one CORS rule; ValueError when S3 would refuse it."""
    if table is None:
        return None
    origins = list(table.get("origins", []))
    if (env := os.environ.get(f"AEROSTORE_{role.upper()}_CORS_ORIGINS")) is not None:
        origins = [o.strip() for o in env.split(",") if o.strip()]
    rule = cors.CorsRule(
        allowed_origins=tuple(origins),
        allowed_methods=tuple(table.get("methods", ["GET"])),
        allowed_headers=tuple(table.get("headers", [])),
        expose_headers=tuple(table.get("expose", [])),
        max_age=table.get("max_age"),
        id=table.get("id"),
    )
    try:
        if not rule.allowed_origins:
            raise ValueError("no origin")
        cors.validate(rule)
    except (errors.S3Error, ValueError) as exc:
        raise ValueError(f"buckets.{role}.cors: {exc}") from None
    return rule


def _access(role: str, name: str, spec: Mapping[str, Any]) -> tuple[PublicAccessBlock | None, str | None]:
    """``[buckets.<role>.public_access_block]`` (the four flags) and ``policy = "<packaged policy>"``."""
    table = spec.get("public_access_block")
    block = None
    if table is not None:
        unknown = set(table) - set(FLAGS)
        if unknown or not all(isinstance(v, bool) for v in table.values()):
            raise ValueError(f"buckets.{role}.public_access_block: give {', '.join(FLAGS)} as true/false")
        block = PublicAccessBlock(*(bool(table.get(flag, False)) for flag in FLAGS))
    bucket_policy = None
    if "policy" in spec:
        bucket_policy = roles.bucket_policy(str(spec["policy"]), name)
        policies.parse(bucket_policy, name)
    return block, bucket_policy


def _object_lock(role: str, table: dict[str, Any] | None) -> DefaultRetention | None:
    """A ``[buckets.<role>.object_lock]`` table as a default retention; ValueError when it is wrong."""
    if table is None:
        return None
    variable = f"AEROSTORE_{role.upper()}_RETENTION_DAYS"
    if (days_env := os.environ.get(variable)) is not None:
        if not days_env.strip().isdigit():
            raise ValueError(f"{variable} must be a whole number of days")
        table = {"mode": table.get("mode"), "days": int(days_env)}
    mode, days, years = table.get("mode"), table.get("days"), table.get("years")
    if mode not in MODES:
        raise ValueError(f"buckets.{role}.object_lock: mode must be one of {', '.join(MODES)}")
    if (days is None) == (years is None):
        raise ValueError(f"buckets.{role}.object_lock: give either days or years")
    period, limit = (days, MAX_DAYS) if days is not None else (years, MAX_YEARS)
    if not isinstance(period, int) or not 1 <= period <= limit:
        raise ValueError(f"buckets.{role}.object_lock: the period must be a whole number from 1 to {limit}")
    return DefaultRetention(mode, days=days, years=years)


EnsureQueue = Callable[[str, dict[str, str]], Awaitable[str]]


async def apply_queues(ensure_queue: EnsureQueue, specs: list[QueueSpec]) -> dict[str, str]:
    """Create the missing queues (``ensure_queue(name, attributes) -> ARN``); their ARNs by role."""
    arns: dict[str, str] = {}
    for spec in specs:
        attributes = dict(spec.attributes)
        if spec.dead_letter is not None:
            target = arns[spec.dead_letter]
            redrive = {"deadLetterTargetArn": target, "maxReceiveCount": spec.max_receive_count}
            attributes["RedrivePolicy"] = json.dumps(redrive, separators=(",", ":"))
        arns[spec.role] = await ensure_queue(spec.name, attributes)
    return arns


async def apply(
    engine: Engine,
    specs: list[BucketSpec],
    owner: str,
    region: str,
    queue_arns: Mapping[str, str] | None = None,
) -> list[str]:
    """Create what is missing and complete what lacks its declared lock; return the names created."""
    created = []
    for spec in specs:
        try:
            await engine.create_bucket(spec.name, owner, region, object_lock=spec.object_lock is not None)
            created.append(spec.name)
        except (errors.BucketAlreadyOwnedByYou, errors.BucketAlreadyExists):
            pass
        if spec.object_lock is not None:
            await _ensure_lock(engine, spec.name, spec.object_lock)
        if spec.notifications:
            await _ensure_notifications(engine, spec, queue_arns or {})
        if spec.cors is not None and engine.get_bucket_config(spec.name, cors.CONFIG) is None:
            await engine.set_bucket_config(spec.name, cors.CONFIG, cors.dumps([spec.cors]))
        await _ensure_access(engine, spec)
        if spec.lifecycle is not None and engine.get_bucket_config(spec.name, rules.CONFIG_NAME) is None:
            await engine.set_bucket_config(spec.name, rules.CONFIG_NAME, spec.lifecycle)
    return created


async def _ensure_notifications(engine: Engine, spec: BucketSpec, queue_arns: Mapping[str, str]) -> None:
    if engine.notifier.get_configuration(spec.name).queues:
        return  # configured already, perhaps differently on purpose: leave it
    queues = []
    for n in spec.notifications:
        affixes = (("prefix", n.prefix), ("suffix", n.suffix))
        rules = [{"Name": name, "Value": value} for name, value in affixes if value]
        arn = queue_arns.get(n.destination, n.destination)
        if not arn.startswith("arn:"):
            raise ValueError(f"buckets.{spec.role}.notifications: no queue has the role {n.destination!r}")
        queue: dict[str, Any] = {"Id": n.id, "QueueArn": arn, "Events": list(n.events)}
        if rules:
            queue["Filter"] = {"Key": {"FilterRules": rules}}
        queues.append(queue)
    config = filters.validate({"QueueConfigurations": queues})
    await engine.notifier.put_configuration(spec.name, config, test_event=False)


async def _ensure_access(engine: Engine, spec: BucketSpec) -> None:
    """The declared public access block and bucket policy, unless the bucket has its own already."""
    block = spec.public_access_block
    if block is not None and engine.get_bucket_config(spec.name, PUBLIC_ACCESS_BLOCK) is None:
        await engine.set_bucket_config(spec.name, PUBLIC_ACCESS_BLOCK, block.to_json())
    if spec.policy is not None and engine.get_bucket_config(spec.name, POLICY) is None:
        await engine.set_bucket_config(spec.name, POLICY, spec.policy)


async def _ensure_lock(engine: Engine, name: str, default: DefaultRetention) -> None:
    bucket = engine.get_bucket(name)
    if not bucket.object_lock:
        log.warning("bucket %s: enabling versioning and Object Lock, as the architecture file declares", name)
        await engine.set_versioning(name, "Enabled")
    elif engine.get_object_lock_configuration(name) is not None:
        return
    await engine.put_object_lock_configuration(name, default)
