"""Runs the `albums` spider in this process (a fresh one: Twisted's reactor cannot restart)."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.misc import load_object

from albumml.catalogue import Catalogue, open_catalogue
from albumml.catalogue.models import CrawlRun
from albumml.config import Settings
from albumml.errors import AlbummlError
from albumml.storage import open_store
from crawler.archive import ArchiveIndex
from crawler.scrapy_settings import reparse_settings, scrapy_settings
from crawler.spiders.albums import AlbumsSpider

log = logging.getLogger(__name__)


def run_crawl(
    settings: Settings,
    *,
    start_url: str | None = None,
    urls_file: str | None = None,
    full: bool = False,
    progress: bool = False,
    log_level: str = "WARNING",
) -> dict[str, Any]:
    """Crawl into the configured catalogue and store; return Scrapy's stats (with `albumml/run_id`)."""
    open_catalogue(settings)
    open_store(settings).backend.check()
    spider_arguments = {"start_url": start_url, "urls_file": urls_file, "full": "true" if full else ""}
    return _run_spider(scrapy_settings(settings), spider_arguments, progress=progress, log_level=log_level)


def run_reparse(
    settings: Settings,
    *,
    run_id: int | None = None,
    since: datetime | None = None,
    progress: bool = False,
    log_level: str = "WARNING",
) -> dict[str, Any]:
    """Re-parse the archived album pages of one run (or of the runs since a date, or of all) through the same spider
    and pipelines, into a new crawl run; nothing is fetched. Returns Scrapy's stats (with `albumml/run_id`)."""
    runs = archived_runs(open_catalogue(settings), run_id, since)
    store = open_store(settings)
    with tempfile.TemporaryDirectory(prefix="albumml-reparse-") as folder:
        index = ArchiveIndex()
        for run in runs:  # newest first: a URL's newest response wins
            assert run.archive_key is not None
            path = Path(folder) / f"run-{run.id}.warc.gz"
            store.fetch_archive(run.archive_key, path)
            log.info("crawl run %d: %d archived responses", run.id, index.add(path))
        urls_file = Path(folder) / "albums.txt"
        urls_file.write_text("".join(f"{url}\n" for url in index.album_urls))
        source = "reparse of run " + ", ".join(str(run.id) for run in runs)
        configured = {**scrapy_settings(settings), **reparse_settings(index, source)}
        return _run_spider(configured, {"urls_file": str(urls_file)}, progress=progress, log_level=log_level)


def archived_runs(catalogue: Catalogue, run_id: int | None, since: datetime | None) -> list[CrawlRun]:
    """The runs a re-parse reads, newest first; a one-line AlbummlError when there are none."""
    runs = catalogue.archived_runs(run_id=run_id, since=since)
    if runs:
        return runs
    if run_id is not None:
        found = catalogue.crawl_run(run_id)
        if found is None:
            raise AlbummlError(f"there is no crawl run {run_id}")
        raise AlbummlError(f"crawl run {run_id} has no archive (it ran with ALBUMML_CRAWL_ARCHIVE off, or did not end)")
    since_text = f" since {since.isoformat()}" if since is not None else ""
    raise AlbummlError(f"no crawl run{since_text} has an archive; nothing to re-parse")


def _run_spider(
    configured: dict[str, Any], arguments: dict[str, Any], *, progress: bool, log_level: str
) -> dict[str, Any]:
    """Run the albums spider once in this process with these Scrapy settings; return its stats."""
    scrapy = ScrapySettings(configured)
    scrapy.set("LOG_LEVEL", log_level)
    scrapy.set("ALBUMML_PROGRESS", progress)
    quiet_network_tracebacks(scrapy)
    process = CrawlerProcess(scrapy)
    crawler = process.create_crawler(AlbumsSpider)
    process.crawl(crawler, **arguments)
    process.start()
    assert crawler.stats is not None
    return crawler.stats.get_stats()


class NetworkFailureFilter(logging.Filter):
    """Keeps a log line about a network failure (a refused connection, an unknown host) to its one-line message:
    the traceback of a site that cannot be reached says nothing the message does not."""

    def __init__(self, failures: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.failures = failures

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self.failures):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_network_tracebacks(configured: ScrapySettings) -> None:
    """robots.txt fetches that fail on the network log without a traceback (the exceptions Scrapy retries)."""
    failures = tuple(load_object(name) for name in configured.getlist("RETRY_EXCEPTIONS"))
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(NetworkFailureFilter(failures))
