"""`aerostore` imports a subcommand only when it runs: a status query need not load the server."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from aerostore.cli.main import COMMANDS, cli

PROBE = """
import sys
from click.testing import CliRunner
from aerostore.cli.main import cli
result = CliRunner().invoke(cli, ["lifecycle", "status", "--help"])
assert result.exit_code == 0, result.output
heavy = sorted(m for m in ("aerostore.app", "duckdb", "pyvips", "boto3") if m in sys.modules)
print(",".join(heavy))
"""


def test_a_light_subcommand_does_not_import_the_server() -> None:
    probe = [sys.executable, "-c", PROBE]
    out = subprocess.run(probe, check=True, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == ""


def test_every_subcommand_is_listed_and_loads() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0
    assert "verify" in CliRunner().invoke(cli, ["audit", "--help"]).output
