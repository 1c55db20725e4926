"""A bucket's lifecycle configuration: the model, its XML and stored (JSON) forms, and loading it.

See https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict

from aerostore.lifecycle.model import (
    ARCHIVE_CLASSES,
    CONFIG_NAME,
    STORAGE_CLASSES,
    Filter,
    LifecycleConfiguration,
    NoncurrentTransition,
    Rule,
    Transition,
)
from aerostore.lifecycle.parse import parse_xml
from aerostore.lifecycle.render import to_xml
from aerostore.storage.documents import ParsedDocuments

__all__ = [
    "ARCHIVE_CLASSES",
    "CONFIG_NAME",
    "STORAGE_CLASSES",
    "Filter",
    "LifecycleConfiguration",
    "NoncurrentTransition",
    "Rule",
    "Transition",
    "from_json",
    "load",
    "parse_xml",
    "to_json",
    "to_xml",
]


def load(conn: sqlite3.Connection, bucket: str) -> LifecycleConfiguration | None:
    """The bucket's configuration, None when it has none (one indexed read, parsed once per text)."""
    return _DOCUMENTS.load(conn, bucket)


def to_json(config: LifecycleConfiguration) -> str:
    """The stored form: the bucket's ``lifecycle`` row in ``config``."""
    return json.dumps({"rules": [asdict(rule) for rule in config.rules]})


def from_json(text: str) -> LifecycleConfiguration:
    rules = []
    for item in json.loads(text)["rules"]:
        flt = item["filter"]
        flt["tags"] = tuple((name, value) for name, value in flt["tags"])
        item["filter"] = Filter(**flt)
        item["transitions"] = tuple(Transition(**t) for t in item["transitions"])
        item["noncurrent_transitions"] = tuple(
            NoncurrentTransition(**t) for t in item["noncurrent_transitions"]
        )
        rules.append(Rule(**item))
    return LifecycleConfiguration(tuple(rules))


_DOCUMENTS = ParsedDocuments(CONFIG_NAME, from_json)
