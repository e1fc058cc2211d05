"""`python -m crawler '<request JSON>'`: the crawler's internal entry point, with no options of its own.

Twisted's reactor cannot restart inside one process, so `albumml crawl` and the nightly flow start a crawl here, in a
fresh process, with one JSON request (`albumml.pipeline.CrawlRequest`); the answer is one JSON line on stdout, and
the exit status says whether the crawl finished. People use `albumml crawl run|reparse|parse-page`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from albumml.catalogue.models import CRAWL_COUNTS
from albumml.config import Settings, load_settings
from albumml.errors import AlbummlError


def die_with_parent(parent_pid: object) -> None:
    """On Linux, ask the kernel to kill this crawl when the process that started it dies, so a killed worker or
    `albumml crawl` leaves no orphan crawling on; exit at once if that parent is already gone."""
    if not isinstance(parent_pid, int) or not sys.platform.startswith("linux"):
        return
    import ctypes

    set_parent_death_signal = 1  # PR_SET_PDEATHSIG in <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def run(request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Crawl as the request says; returns the run's summary and whether it finished."""
    from crawler.runner import run_crawl

    settings = load_settings()
    stats = run_crawl(
        settings,
        start_url=request.get("url"),
        urls_file=request.get("urls_file"),
        full=bool(request.get("full")),
        progress=bool(request.get("progress")),
        log_level=str(request.get("log_level") or "WARNING"),
    )
    return run_summary(settings, stats)


def reparse(request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Re-parse archived responses as the request says (`run_id` or `since`); the new run's summary, finished."""
    from crawler.runner import run_reparse

    settings = load_settings()
    since = request.get("since")
    stats = run_reparse(
        settings,
        run_id=request.get("run_id"),
        since=datetime.fromisoformat(since) if since else None,
        progress=bool(request.get("progress")),
        log_level=str(request.get("log_level") or "WARNING"),
    )
    return run_summary(settings, stats)


def run_summary(settings: Settings, stats: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The crawl run's summary (counts from the catalogue, the rest from Scrapy's stats) and whether it finished."""
    from albumml.catalogue import open_catalogue

    run_id = stats.get("albumml/run_id")
    found = open_catalogue(settings).crawl_run(run_id) if run_id is not None else None
    if found is None:
        raise AlbummlError(f"the crawl did not start ({stats.get('finish_reason', 'unknown reason')})")
    crawl, reasons = found
    summary = {name: getattr(crawl, name) for name in ("id", "status", *CRAWL_COUNTS)}
    summary.update(
        failure=crawl.failure,
        errors_by_reason=reasons,
        albums_skipped=stats.get("albumml/plan/unchanged", 0),
        seconds=stats.get("elapsed_time_seconds", 0),
        source=crawl.source,
        archive_key=crawl.archive_key,
    )
    if "albumml/pages_reparsed" in stats:
        summary["pages_reparsed"] = stats["albumml/pages_reparsed"]
    return summary, crawl.status == "finished"


def parse_page(request: dict[str, Any]) -> dict[str, Any]:
    """The record parsed from one saved page (album page or sub-request fragment), as JSON-ready data."""
    from scrapy.http import HtmlResponse

    from crawler.parsed import ParseError
    from crawler.parsers import parse_album_page, parse_moods_themes, parse_review

    url = str(request["url"])
    response = HtmlResponse(url=url, body=Path(request["file"]).read_bytes(), encoding="utf-8")
    parser = {"moodsThemesAjax": parse_moods_themes, "reviewAjax": parse_review}.get(
        url.rstrip("/").rsplit("/", 1)[-1], parse_album_page
    )
    try:
        return _plain(parser(response))
    except ParseError as problem:
        raise AlbummlError(f"{problem.reason}: {problem.detail}") from None


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


def main(argv: list[str] | None = None) -> int:
    """Carry out one JSON request; print the answer as one JSON line (or one error line on stderr)."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        request = json.loads(arguments[0]) if len(arguments) == 1 else None
        if not isinstance(request, dict) or request.get("command") not in ("run", "reparse", "parse-page"):
            raise AlbummlError(
                "python -m crawler takes one JSON request; people run `albumml crawl run|reparse|parse-page`"
            )
        die_with_parent(request.get("parent_pid"))
        if request["command"] == "parse-page":
            print(json.dumps(parse_page(request), ensure_ascii=False))
            return 0
        summary, finished = (reparse if request["command"] == "reparse" else run)(request)
    except (AlbummlError, json.JSONDecodeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary, default=str))
    return 0 if finished else 1


if __name__ == "__main__":
    sys.exit(main())
