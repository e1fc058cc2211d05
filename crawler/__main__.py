"""`python -m crawler run|parse-page`: the crawler's own command line (albumml's CLI runs it as a process)."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from albumml.config import load_settings
from albumml.errors import AlbummlError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
errors = Console(stderr=True)
SUMMARY_COUNTS = (
    "pages_fetched",
    "pages_not_modified",
    "albums_new",
    "albums_changed",
    "albums_unchanged",
    "covers_stored",
    "errors",
)


@app.command("run")
def run(
    url: Annotated[str | None, typer.Option("--url", help="Site base, robots.txt, sitemap or album URL.")] = None,
    urls_file: Annotated[Path | None, typer.Option("--urls-file", exists=True, dir_okay=False)] = None,
    full: Annotated[bool, typer.Option("--full", help="Fetch every album, ignoring what is stored.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    log_level: Annotated[str, typer.Option("--log-level")] = "WARNING",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Crawl the site into the catalogue and the store, then print the run's summary."""
    from albumml.catalogue import open_catalogue
    from crawler.runner import run_crawl

    settings = load_settings()
    stats = run_crawl(
        settings,
        start_url=url,
        urls_file=str(urls_file) if urls_file else None,
        full=full,
        progress=progress,
        log_level=log_level,
    )
    run_id = stats.get("albumml/run_id")
    found = open_catalogue(settings).crawl_run(run_id) if run_id is not None else None
    if found is None:
        errors.print(f"[bold red]error:[/] the crawl did not start ({stats.get('finish_reason', 'unknown reason')})")
        raise typer.Exit(1)
    crawl, reasons = found
    if as_json:
        summary = {name: getattr(crawl, name) for name in ("id", "status", *SUMMARY_COUNTS)}
        summary.update(
            errors_by_reason=reasons,
            albums_skipped=stats.get("albumml/plan/unchanged", 0),
            seconds=stats.get("elapsed_time_seconds", 0),
        )
        print(json.dumps(summary, default=str))
        raise typer.Exit(0 if crawl.status == "finished" else 1)
    table = Table(title=f"crawl run {crawl.id} ({crawl.status})", title_justify="left", show_header=False)
    table.add_column(style="bold cyan")
    table.add_column(justify="right")
    for name in SUMMARY_COUNTS:
        table.add_row(name.replace("_", " "), f"{getattr(crawl, name):,}")
    table.add_row("albums skipped (sitemap lastmod)", f"{stats.get('albumml/plan/unchanged', 0):,}")
    table.add_row("seconds", f"{stats.get('elapsed_time_seconds', 0):.1f}")
    console.print(table)
    if reasons:
        by_reason = Table(title="errors by reason", title_justify="left")
        by_reason.add_column("reason")
        by_reason.add_column("count", justify="right")
        for reason, count in reasons.items():
            by_reason.add_row(reason, f"{count:,}")
        console.print(by_reason)
    if crawl.status != "finished":
        raise typer.Exit(1)


@app.command("parse-page")
def parse_page(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A saved page or sub-request fragment.")],
    url: Annotated[str, typer.Option("--url", help="The URL the page was fetched from.")],
) -> None:
    """Print the record parsed from one saved page as JSON."""
    from scrapy.http import HtmlResponse

    from crawler.parsed import ParseError
    from crawler.parsers import parse_album_page, parse_moods_themes, parse_review

    response = HtmlResponse(url=url, body=file.read_bytes(), encoding="utf-8")
    parser = {"moodsThemesAjax": parse_moods_themes, "reviewAjax": parse_review}.get(
        url.rstrip("/").rsplit("/", 1)[-1], parse_album_page
    )
    try:
        parsed = parser(response)
    except ParseError as problem:
        errors.print(f"[bold red]error:[/] {problem.reason}: {problem.detail}", highlight=False)
        raise typer.Exit(1) from None
    print(json.dumps(_plain(parsed), indent=2, ensure_ascii=False))


def _plain(value: Any) -> Any:
    """JSON-ready form of parsed dataclasses, tags, dates and enums."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def main() -> None:
    """Run the command line; AlbummlErrors are one clean line."""
    try:
        app()
    except AlbummlError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
