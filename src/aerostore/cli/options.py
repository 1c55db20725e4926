"""Options several commands share, spelled once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aerostore.config import DEFAULT_DATA_DIR

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(help: str = "The server's data directory.") -> Callable[[F], F]:
    """``--data-dir`` (env ``AEROSTORE_DATA_DIR``), the same default for every command."""
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path),
        default=DEFAULT_DATA_DIR,
        envvar="AEROSTORE_DATA_DIR",
        show_default=True,
        help=help,
    )
