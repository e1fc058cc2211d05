"""The CLI's rich consoles and small rendering helpers; only the CLI prints."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

console = Console()
error_console = Console(stderr=True)


def setup_logging(level: str) -> None:
    """Send library logs to stderr through rich, at the configured level."""
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=error_console, show_path=False, rich_tracebacks=False)],
        force=True,
    )
    # Libraries whose INFO lines are per request (Prefect's API client speaks httpx): shown from WARNING up.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def progress_bar(*extra: Any) -> Progress:
    """The CLI's progress display on stderr: description, bar, done/total, elapsed, remaining, then any `extra`."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        *extra,
    )
    return Progress(*columns, console=error_console, transient=False)


def print_json(data: Any) -> None:
    """Print `data` as JSON on stdout (plain, so it pipes into jq)."""
    console.print_json(json.dumps(data, default=str))


def key_value_table(title: str, rows: Iterable[tuple[str, Any]]) -> Table:
    """A two-column table of names and values."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    for name, value in rows:
        table.add_row(name, "-" if value is None or value == "" else str(value))
    return table


def columns_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table with a header row; numeric columns right-aligned."""
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, justify="left" if header == headers[0] else "right")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return table
