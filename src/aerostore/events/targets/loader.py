"""The ``[targets]`` table of the server config file → one target per ARN.

One table per target, ``[targets.<type>.<id>]``, named ``arn:aerostore:sqs::<id>:<type>`` as MinIO names
its targets. Every setting is checked here, before anything connects: unknown types, unknown or missing
keys and wrongly typed values raise ``ValueError`` naming the table and the key.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from aerostore.events.targets.amqp import AmqpTarget
from aerostore.events.targets.base import ConnectedTarget, RelaySettings, Target
from aerostore.events.targets.mqtt import MqttTarget
from aerostore.events.targets.nats import NatsTarget
from aerostore.events.targets.postgres import PostgresTarget
from aerostore.events.targets.redis import RedisTarget
from aerostore.events.targets.sqs import SqsTarget
from aerostore.events.targets.webhook import WebhookTarget

ARN_PREFIX = "arn:aerostore:sqs::"
TARGET_TYPES: dict[str, type[ConnectedTarget[Any, Any]]] = {
    cls.type_name: cls
    for cls in (WebhookTarget, RedisTarget, AmqpTarget, NatsTarget, MqttTarget, PostgresTarget, SqsTarget)
}
_ID = re.compile(r"[A-Za-z0-9_.-]+")
_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_RELAY_KEYS = frozenset(field.name for field in dataclasses.fields(RelaySettings))

D = TypeVar("D")


def target_arn(ident: str, type_name: str) -> str:
    """``arn:aerostore:sqs::audit:webhook`` for ``[targets.webhook.audit]``."""
    return f"{ARN_PREFIX}{ident}:{type_name}"


def load_targets(table: Mapping[str, Any]) -> dict[str, Target]:
    """Build every target of the config file's ``[targets]`` table, keyed by ARN; nothing connects yet."""
    if not isinstance(table, Mapping):
        raise ValueError("[targets] must be a table")
    targets: dict[str, Target] = {}
    for type_name, entries in table.items():
        cls = TARGET_TYPES.get(type_name)
        if cls is None:
            known = ", ".join(sorted(TARGET_TYPES))
            raise ValueError(f"[targets.{type_name}]: unknown target type {type_name!r} (known: {known})")
        if not isinstance(entries, Mapping) or not all(isinstance(v, Mapping) for v in entries.values()):
            raise ValueError(
                f"[targets.{type_name}] must hold one table per target, e.g. [targets.{type_name}.main]"
            )
        for ident, raw in entries.items():
            where = f"[targets.{type_name}.{ident}]"
            if not _ID.fullmatch(ident):
                raise ValueError(f"{where}: a target id may only use letters, digits, '_', '.' and '-'")
            arn = target_arn(ident, type_name)
            relay = {key: value for key, value in raw.items() if key in _RELAY_KEYS}
            own = {key: value for key, value in raw.items() if key not in _RELAY_KEYS}
            settings = parse_settings(RelaySettings, where, relay)
            options = parse_settings(cls.options_type, where, own)
            targets[arn] = cls(arn, settings, options)
    return targets


def load_targets_file(path: Path) -> dict[str, Target]:
    """The targets of a TOML server config file; other tables of the file are left to their readers."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return load_targets(document.get("targets", {}))


def parse_settings(kind: type[D], where: str, raw: Mapping[str, Any]) -> D:
    """Check ``raw`` against the fields of the dataclass ``kind`` and build it."""
    fields = dataclasses.fields(kind)  # type: ignore[arg-type]
    unknown = sorted(set(raw) - {field.name for field in fields})
    if unknown:
        raise ValueError(f"{where}: unknown setting {', '.join(map(repr, unknown))}")
    for field in fields:
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        if required and field.name not in raw:
            raise ValueError(f"{where}: missing required setting {field.name!r}")
    hints = typing.get_type_hints(kind)
    values = {name: _typed(where, name, value, hints[name]) for name, value in raw.items()}
    try:
        return kind(**values)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _typed(where: str, name: str, value: Any, hint: Any) -> Any:
    kinds = [kind for kind in typing.get_args(hint) if kind is not type(None)] or [hint]
    for kind in kinds:
        if isinstance(value, bool) != (kind is bool):
            continue  # TOML booleans are ints to Python; keep them apart
        if kind is float and isinstance(value, int | float):
            return float(value)
        if isinstance(value, kind):
            return value
    expected = " or ".join(_KIND_NAMES[kind] for kind in kinds)
    raise ValueError(f"{where}: {name} must be {expected}, got {type(value).__name__}")
