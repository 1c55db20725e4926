"""Loading the [targets] table of the server config file: one target per ARN, every key checked up front."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aerostore.events.targets import (
    DEFAULT_TIMEOUT,
    TARGET_TYPES,
    Delivery,
    RelaySettings,
    TargetError,
    load_targets,
    load_targets_file,
)
from aerostore.events.targets.amqp import AmqpTarget
from aerostore.events.targets.mqtt import MqttTarget
from aerostore.events.targets.nats import NatsTarget
from aerostore.events.targets.postgres import PostgresTarget
from aerostore.events.targets.redis import RedisTarget
from aerostore.events.targets.sqs import MAX_BATCH_ENTRIES, SqsOptions, SqsTarget, batches, dedup_id
from aerostore.events.targets.webhook import WebhookTarget

CONFIG = """
[server]
address = "127.0.0.1:9000"

[targets.webhook.audit]
endpoint = "https://hooks.example/s3"
auth_token = "Bearer xyz"

[targets.redis.primary]
url = "redis://127.0.0.1:6379/0"
stream = "aerostore-events"
max_outbox = 500

[targets.amqp.rabbit]
url = "amqp://guest:guest@127.0.0.1:5672/"
exchange = "aerostore"
routing_key = "s3-events"

[targets.nats.js]
url = "nats://127.0.0.1:4222"
subject = "aerostore.events"
stream = "AEROSTORE"

[targets.mqtt.broker]
broker = "tcp://127.0.0.1:1883"
topic = "aerostore/events"
qos = 1

[targets.postgres.db]
dsn = "postgresql://postgres@127.0.0.1:5432/test"
table = "aerostore_events"
retry_min = 1
retry_max = 30.5
timeout = 3

[targets.sqs.aws]
queue_url = "https://sqs.eu-west-3.amazonaws.com/123456789012/q"
access_key = "AKIDEXAMPLE"
secret_key = "secret"
"""

DOC = Path(__file__).resolve().parents[3] / "docs" / "notifications-targets.md"
ARNS = {
    "arn:aerostore:sqs::audit:webhook": WebhookTarget,
    "arn:aerostore:sqs::primary:redis": RedisTarget,
    "arn:aerostore:sqs::rabbit:amqp": AmqpTarget,
    "arn:aerostore:sqs::js:nats": NatsTarget,
    "arn:aerostore:sqs::broker:mqtt": MqttTarget,
    "arn:aerostore:sqs::db:postgres": PostgresTarget,
    "arn:aerostore:sqs::aws:sqs": SqsTarget,
}


def load_one(type_name: str, options: dict[str, Any]) -> Any:
    (target,) = load_targets({type_name: {"t": options}}).values()
    return target


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "aerostore.toml"
    path.write_text(CONFIG)
    return path


def test_load_file_builds_one_target_per_arn(config_file: Path) -> None:
    targets = load_targets_file(config_file)
    assert {arn: type(target) for arn, target in targets.items()} == ARNS
    assert all(target.arn == arn for arn, target in targets.items())


def test_relay_settings_default_and_override(config_file: Path) -> None:
    targets = load_targets_file(config_file)
    assert targets["arn:aerostore:sqs::audit:webhook"].settings == RelaySettings(100_000, 0.5, 60.0)
    assert targets["arn:aerostore:sqs::primary:redis"].settings.max_outbox == 500
    assert targets["arn:aerostore:sqs::db:postgres"].settings == RelaySettings(100_000, 1.0, 30.5)


def test_options_are_typed_and_defaulted(config_file: Path) -> None:
    targets: dict[str, Any] = load_targets_file(config_file)
    postgres, amqp = targets["arn:aerostore:sqs::db:postgres"], targets["arn:aerostore:sqs::rabbit:amqp"]
    assert postgres.options.timeout == 3.0 and isinstance(postgres.options.timeout, float)
    assert amqp.options.timeout == DEFAULT_TIMEOUT
    assert (amqp.options.exchange_type, amqp.options.mandatory) == ("direct", True)
    assert targets["arn:aerostore:sqs::audit:webhook"].options.auth_token == "Bearer xyz"


def test_sqs_region_comes_from_an_aws_queue_url(config_file: Path) -> None:
    sqs: Any = load_targets_file(config_file)["arn:aerostore:sqs::aws:sqs"]
    assert sqs.options.region_name == "eu-west-3"
    assert SqsOptions(queue_url="http://127.0.0.1:4566/000000000000/q").region_name == "us-east-1"


def test_no_targets_table_means_no_targets(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("[server]\n")
    assert load_targets_file(path) == {}


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[targets\.kafka\]: unknown target type 'kafka'"):
        load_targets({"kafka": {"k": {"brokers": "127.0.0.1:9092"}}})


@pytest.mark.parametrize(
    ("type_name", "options", "key"),
    [
        ("webhook", {}, "endpoint"),
        ("redis", {"url": "redis://127.0.0.1"}, "stream"),
        ("amqp", {"url": "amqp://127.0.0.1/"}, "exchange"),
        ("nats", {"url": "nats://127.0.0.1", "stream": "S"}, "subject"),
        ("mqtt", {"topic": "t"}, "broker"),
        ("postgres", {"table": "t"}, "dsn"),
        ("sqs", {"region": "us-east-1"}, "queue_url"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_missing_key_is_named(type_name: str, options: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=rf"\[targets\.{type_name}\.t\]: missing required setting '{key}'"):
        load_one(type_name, options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"endpoint": "http://h/", "authtoken": "x"}, r"unknown setting 'authtoken'"),
        ({"endpoint": "http://h/", "timeout": "10"}, r"timeout must be a number, got str"),
        ({"endpoint": "http://h/", "max_outbox": 1.5}, r"max_outbox must be an integer, got float"),
        ({"endpoint": "http://h/", "max_outbox": True}, r"max_outbox must be an integer, got bool"),
        ({"endpoint": "http://h/", "retry_min": 5, "retry_max": 1}, r"retry_min <= retry_max"),
        ({"endpoint": "http://h/", "timeout": 0}, r"timeout must be positive"),
        ({"endpoint": "ftp://h/"}, r"endpoint must be an http:// or https:// URL"),
    ],
    ids=["unknown-key", "string-number", "float-int", "bool-int", "retry-order", "zero-timeout", "scheme"],
)
def test_bad_setting_is_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_one("webhook", options)


@pytest.mark.parametrize(
    ("type_name", "options", "message"),
    [
        ("mqtt", {"broker": "tcp://h:1883", "topic": "t", "qos": 0}, "qos must be 1 or 2"),
        ("mqtt", {"broker": "h:1883", "topic": "t"}, "broker must be"),
        ("mqtt", {"broker": "tcp://h", "topic": "a/#"}, "without wildcards"),
        ("amqp", {"url": "amqp://h/", "exchange": "x", "exchange_type": "x-delayed"}, "exchange_type"),
        ("nats", {"url": "nats://h", "subject": "a.*", "stream": "S"}, "subject must be literal"),
        ("postgres", {"dsn": "postgresql://h/db", "table": "a.b.c"}, "table must be"),
        ("sqs", {"queue_url": "https://q", "access_key": "AK"}, "access_key and secret_key go together"),
    ],
    ids=["qos0", "broker-url", "topic-wildcard", "exchange-type", "subject-wildcard", "table", "half-keys"],
)
def test_target_specific_validation(type_name: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_one(type_name, options)


@pytest.mark.parametrize(
    "table", [{"webhook": "x"}, {"webhook": {"endpoint": "http://h/"}}], ids=["str", "flat"]
)
def test_type_table_must_hold_one_table_per_target(table: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"\[targets\.webhook\] must hold one table per target"):
        load_targets(table)


def test_target_id_must_fit_an_arn() -> None:
    with pytest.raises(ValueError, match="a target id may only use"):
        load_targets({"webhook": {"a:b": {"endpoint": "http://h/"}}})


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[targets.webhook.a\n")
    with pytest.raises(ValueError, match="broken.toml"):
        load_targets_file(path)


def test_loading_imports_no_client_library(config_file: Path) -> None:
    code = textwrap.dedent(
        """
        import pathlib, sys
        from aerostore.events.targets import load_targets_file
        load_targets_file(pathlib.Path(sys.argv[1]))
        libraries = ("httpx", "redis", "aio_pika", "aiormq", "nats", "aiomqtt", "paho", "psycopg", "botocore")
        print(",".join(name for name in libraries if name in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", code, str(config_file)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("type_name", sorted(TARGET_TYPES))
def test_every_target_and_setting_is_documented(type_name: str) -> None:
    section = DOC.read_text().split(f"\n### {type_name}")[1].split("\n### ")[0]
    for field in dataclasses.fields(TARGET_TYPES[type_name].options_type):
        if field.name != "timeout":  # documented once, with the settings every target accepts
            assert f"`{field.name}`" in section, field.name


# ---- SQS request shaping (pure) and its refusal of partly failed batches ----


def test_batches_respect_sqs_entry_and_size_limits() -> None:
    small = [Delivery(f"e{i}", "x") for i in range(23)]
    assert [len(group) for group in batches(small)] == [MAX_BATCH_ENTRIES, MAX_BATCH_ENTRIES, 3]
    big = [Delivery(f"b{i}", "x" * 100_000) for i in range(5)]
    assert [len(group) for group in batches(big)] == [2, 2, 1]


@pytest.mark.parametrize(
    ("event_id", "kept"),
    [("0000018c1f3e-0001", True), ("a" * 128, True), ("a" * 129, False), ("key with space", False)],
    ids=["plain", "128-chars", "too-long", "space"],
)
def test_dedup_id_keeps_valid_ids_and_hashes_others(event_id: str, kept: bool) -> None:
    assert (dedup_id(event_id) == event_id) is kept
    assert len(dedup_id(event_id)) <= 128


class PartlyFailingSqs:
    """Stands in for botocore's SQS client answering SendMessageBatch with one Failed entry."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def send_message_batch(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        failed = [{"Id": "m1", "Code": "InternalError", "Message": "try again", "SenderFault": False}]
        return {"Successful": [{"Id": "m0"}], "Failed": failed}

    def close(self) -> None:
        pass


class PartlyFailingSqsTarget(SqsTarget):
    async def _open(self) -> PartlyFailingSqs:
        return PartlyFailingSqs()


def test_sqs_failed_entry_fails_the_batch() -> None:
    options = SqsOptions(queue_url="https://sqs.us-east-1.amazonaws.com/1/q.fifo")
    target = PartlyFailingSqsTarget("arn:aerostore:sqs::t:sqs", RelaySettings(), options)

    async def scenario() -> PartlyFailingSqs:
        with pytest.raises(TargetError, match=r"SQS refused 1 of 2 messages \(InternalError: try again\)"):
            await target.deliver([Delivery("e1", "{}"), Delivery("e2", "{}")])
        return target._conn

    fake = asyncio.run(scenario())
    (request,) = fake.requests
    assert [entry["MessageDeduplicationId"] for entry in request["Entries"]] == ["e1", "e2"]
    assert {entry["MessageGroupId"] for entry in request["Entries"]} == {"aerostore"}
