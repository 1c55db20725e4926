"""One delivery: the oldest buffered records of a stream become files in its bucket, then leave the buffer.

Order makes it at-least-once and idempotent: (1) PUT the data file and the error file through
the S3 API, each followed by its manifest link; (2) in one SQLite transaction, delete the
delivered records and move the chain head. A crash before (2) delivers the same records again
after the restart, under the same keys (named after the first and last record id, times taken
from the records), with the same link numbers: the objects are written again, not duplicated.
"""

from __future__ import annotations

import datetime
import gzip
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aerostore.firehose import chain, prefix
from aerostore.firehose.model import Destination
from aerostore.firehose.parquet import FORMAT_CONVERSION_FAILED, Record, convert, error_lines
from aerostore.firehose.schema import Codec

log = logging.getLogger("aerostore.firehose")


@dataclass(frozen=True, slots=True)
class File:
    key: str
    body: bytes
    kind: str  # data | error
    records: int
    content_type: str


def files_for(stream: str, dest: Destination, codec: Codec | None, records: Sequence[Record]) -> list[File]:
    """The files one delivery of ``records`` writes: a function of the records alone, so a
    redelivery writes the same bytes (error lines date the attempt by the last record's arrival)."""
    first, last = records[0].id, records[-1].id
    when = datetime.datetime.fromtimestamp(records[0].arrived, datetime.UTC)
    seed = f"{stream}-{first}"
    name = f"{stream}-1-{when:%Y-%m-%d-%H-%M-%S}-{first:012d}-{last:012d}"
    if codec is None or dest.parquet_compression is None:
        body = b"".join(r.data for r in records)
        if dest.compression == "GZIP":
            body = gzip.compress(body, mtime=0)
        key = prefix.render(dest.prefix, when, seed) + name + dest.file_extension
        return [File(key, body, "data", len(records), "application/octet-stream")]
    converted = convert(records, codec, dest.parquet_compression)
    files = []
    if converted.parquet is not None:
        key = prefix.render(dest.prefix, when, seed) + name + dest.file_extension
        files.append(File(key, converted.parquet, "data", converted.rows, "application/vnd.apache.parquet"))
    if converted.failed:
        body = error_lines(converted.failed, records[-1].arrived, dest.table)
        key = prefix.render(dest.error_prefix, when, seed, FORMAT_CONVERSION_FAILED) + name
        files.append(File(key, body, "error", len(converted.failed), "application/x-ndjson"))
    return files


def put_files(s3: Any, stream: str, dest: Destination, files: Sequence[File], head: tuple[int, str],
              first_id: int, last_id: int) -> tuple[int, str]:  # fmt: skip
    """PUT each file and its manifest link (blocking: run in a thread); the new chain head."""
    seq, prev = head
    for file in files:
        s3.put_object(Bucket=dest.bucket, Key=file.key, Body=file.body, ContentType=file.content_type)
        seq += 1
        link = chain.make_link(stream, seq, prev, file.key, file.body, kind=file.kind, records=file.records,
                               first_id=first_id, last_id=last_id)  # fmt: skip
        s3.put_object(Bucket=dest.bucket, Key=chain.link_key(stream, seq), Body=chain.encode(link),
                      ContentType="application/json")  # fmt: skip
        prev = link["hash"]
        log.info("delivered %s (%d records) to s3://%s/%s", stream, file.records, dest.bucket, file.key)
    return seq, prev
