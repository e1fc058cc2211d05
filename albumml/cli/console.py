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
from rich.text import Text

from albumml.textsafe import for_terminal

# Emoji codes off: a `:name:` in a title or mood is data, not a request for a picture.
console = Console(emoji=False)
error_console = Console(stderr=True, emoji=False)


class TerminalSafeFormatter(logging.Formatter):
    """Log lines with escape sequences and control characters removed: messages quote titles and URLs."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, safe for the terminal."""
        return for_terminal(super().format(record))


def setup_logging(level: str) -> None:
    """Send library logs to stderr through rich, at the configured level."""
    handler = RichHandler(console=error_console, show_path=False, rich_tracebacks=False)
    handler.setFormatter(TerminalSafeFormatter("%(message)s", datefmt="[%X]"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Libraries whose INFO lines are per request (Prefect's API client speaks httpx): shown from WARNING up.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def progress_bar(*extra: Any) -> Progress:
    """The CLI's progress display on stderr: description, bar, done/total, elapsed, remaining, then any `extra`."""
    columns = (
        TextColumn("{task.description}", markup=False),  # descriptions may one day name data
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


def plain(value: Any) -> Text:
    """A table title, header or cell shown as written: never markup, never a terminal escape."""
    return Text(for_terminal(value))


def key_value_table(title: str, rows: Iterable[tuple[str, Any]]) -> Table:
    """A two-column table of names and values; every title and cell is data, shown literally."""
    table = Table(title=plain(title), show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    for name, value in rows:
        table.add_row(plain(name), plain("-" if value is None or value == "" else value))
    return table


def columns_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table with a header row; numeric columns right-aligned; every title, header and cell shown literally."""
    table = Table(title=plain(title), title_justify="left")
    for position, header in enumerate(headers):
        table.add_column(plain(header), justify="left" if position == 0 else "right")
    for row in rows:
        table.add_row(*(plain(cell) for cell in row))
    return table
