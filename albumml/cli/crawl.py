"""`albumml crawl`: run the Scrapy crawl (in its own process) and debug the parsers on saved pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from albumml.cli import context
from albumml.cli.console import columns_table, console, key_value_table
from albumml.errors import ConfigError, CrawlFailedError

app = typer.Typer(help="Crawl the review site into the catalogue and the store.", no_args_is_help=True)


def summary_tables(summary: dict[str, Any]) -> list[Any]:
    """The run's counts, and its errors by reason when there are any."""
    from albumml.catalogue.models import CRAWL_COUNTS

    rows = [(name.replace("_", " "), f"{summary.get(name, 0):,}") for name in CRAWL_COUNTS]
    if "pages_reparsed" in summary:
        rows.append(("pages re-parsed from the archive", f"{summary['pages_reparsed']:,}"))
    rows += [
        ("albums skipped (sitemap lastmod)", f"{summary.get('albums_skipped', 0):,}"),
        ("seconds", f"{float(summary.get('seconds') or 0):.1f}"),
    ]
    tables = [key_value_table(f"crawl run {summary.get('id')} ({summary.get('status')})", rows)]
    reasons = summary.get("errors_by_reason") or {}
    if reasons:
        tables.append(
            columns_table("errors by reason", ["reason", "count"], [(r, f"{n:,}") for r, n in reasons.items()])
        )
    return tables


@app.command("run")
def run(
    url: Annotated[
        str | None,
        typer.Option("--url", help="Site base, robots.txt, sitemap or album URL (else ALBUMML_CRAWL_START_URL)."),
    ] = None,
    urls_file: Annotated[
        Path | None, typer.Option("--urls-file", exists=True, dir_okay=False, help="Album URLs, one a line.")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Fetch every album, ignoring what the catalogue has.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    log_level: Annotated[str, typer.Option("--log-level", help="Scrapy's log level.")] = "WARNING",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Crawl incrementally (sitemap lastmod, conditional GETs) and print the run's summary; exit 1 unless it
    finished."""
    from albumml.pipeline import CrawlRequest, check_crawl_request, run_crawl

    request = CrawlRequest(
        url=url,
        urls_file=str(urls_file) if urls_file else None,
        full=full,
        progress=progress and not as_json,
        log_level=log_level,
    )
    try:
        check_crawl_request(context.settings(), request)
    except ConfigError as error:
        raise typer.BadParameter(str(error), param_hint="--url") from None
    outcome = run_crawl(context.settings(), request)
    if as_json:
        print(json.dumps(outcome.summary, default=str))
    else:
        for table in summary_tables(outcome.summary):
            console.print(table)
    if not outcome.finished:
        raise CrawlFailedError(outcome.problem(url))


@app.command("reparse")
def reparse(
    run_id: Annotated[int | None, typer.Option("--run", help="Re-parse this crawl run's archive.")] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Re-parse the archives of runs started on or after this date.")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    log_level: Annotated[str, typer.Option("--log-level", help="Scrapy's log level.")] = "WARNING",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Rebuild catalogue records from archived pages (all archived runs unless --run or --since), fetching nothing;
    print the new run's summary; exit 1 unless it finished."""
    from albumml.pipeline import ReparseRequest, run_reparse

    if run_id is not None and since is not None:
        raise typer.BadParameter("give --run or --since, not both")
    request = ReparseRequest(
        run_id=run_id,
        since=since.astimezone() if since else None,
        progress=progress and not as_json,
        log_level=log_level,
    )
    outcome = run_reparse(context.settings(), request)
    if as_json:
        print(json.dumps(outcome.summary, default=str))
    else:
        for table in summary_tables(outcome.summary):
            console.print(table)
    if not outcome.finished:
        raise typer.Exit(1)


@app.command("parse-page")
def parse_page(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A saved album page or fragment.")],
    url: Annotated[str, typer.Option("--url", help="The URL the page was fetched from.")],
) -> None:
    """Print the record parsed from one saved page as JSON (the crawler engineer's first debugging tool)."""
    from albumml.pipeline import parse_saved_page

    print(json.dumps(parse_saved_page(context.settings(), str(file), url), indent=2, ensure_ascii=False))
