"""CI runs exactly the README's test command (.ci/run), whose first step installs the browser."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"Run the tests[^\n]*\n(?:[^\n]+\n)*?\n```sh\n(.+?)\n```", readme)
    assert match is not None
    command = match.group(1)
    assert command.startswith("python3 scripts/test-deps.py && ")
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci_lines[-1] == command
