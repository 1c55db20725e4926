"""The rules every batch action shares: 1 to 10 entries with distinct, well-formed ids, and the
per-entry ``Successful`` / ``Failed`` answer (a batch succeeds as a request even when entries fail).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aerostore.sqs import errors

MAX_ENTRIES = 10
MAX_BATCH_BYTES = 1048576
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def check_entries(entries: Sequence[dict[str, Any]], request_entry: str) -> list[str]:
    """The entries' ids, after the whole-request checks; ``request_entry`` names the entry type."""
    if not entries:
        raise errors.EmptyBatchRequest(f"There should be at least one {request_entry} in the request.")
    if len(entries) > MAX_ENTRIES:
        raise errors.TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_ENTRIES}. You have sent {len(entries)}."
        )
    ids: list[str] = []
    for entry in entries:
        entry_id = entry.get("Id")
        if not isinstance(entry_id, str) or not _ENTRY_ID.fullmatch(entry_id):
            raise errors.InvalidBatchEntryId()
        if entry_id in ids:
            raise errors.BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        ids.append(entry_id)
    return ids


def failure(entry_id: str, exc: errors.SqsError) -> dict[str, Any]:
    """A ``BatchResultErrorEntry``; its Code is the query protocol's code, as AWS sends it."""
    return {"Id": entry_id, "SenderFault": exc.sender_fault, "Code": exc.query_code, "Message": exc.text}


def result(successful: list[dict[str, Any]], failed: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Successful": successful, "Failed": failed}
