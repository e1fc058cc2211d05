"""`albumml crawl`: run the Scrapy crawl (in its own process) and debug the parsers on saved pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Crawl the review site into the catalogue and the store.", no_args_is_help=True)


def _crawler(*arguments: str) -> None:
    """Run the crawler's command line in a fresh process and pass its exit code on."""
    completed = subprocess.run([sys.executable, "-m", "crawler", *arguments], check=False)
    if completed.returncode:
        raise typer.Exit(completed.returncode)


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
) -> None:
    """Crawl incrementally (sitemap lastmod, conditional GETs) and print the run's summary."""
    arguments = ["run", "--log-level", log_level, "--progress" if progress else "--no-progress"]
    if url:
        arguments += ["--url", url]
    if urls_file:
        arguments += ["--urls-file", str(urls_file)]
    if full:
        arguments.append("--full")
    _crawler(*arguments)


@app.command("parse-page")
def parse_page(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A saved album page or fragment.")],
    url: Annotated[str, typer.Option("--url", help="The URL the page was fetched from.")],
) -> None:
    """Print the record parsed from one saved page as JSON (the crawler engineer's first debugging tool)."""
    _crawler("parse-page", str(file), "--url", url)
