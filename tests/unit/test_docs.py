"""The docs stay true: every S3 operation the router knows is in docs/compatibility.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from aerostore.s3.operations import Operation

COMPATIBILITY = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"


@pytest.mark.parametrize(
    "op", [op for op in Operation if op is not Operation.Unsupported], ids=lambda op: op.value
)
def test_operation_listed_in_compatibility_table(op: Operation) -> None:
    rows = [line for line in COMPATIBILITY.read_text().splitlines() if line.startswith("| ")]
    first_cells = {cell.strip() for row in rows for cell in row.split("|")[1].split(",")}
    assert op.value in first_cells
