"""Runs the `albums` spider in this process (a fresh one: Twisted's reactor cannot restart)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.misc import load_object

from albumml.catalogue import open_catalogue
from albumml.config import Settings
from albumml.storage import open_store
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.albums import AlbumsSpider


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
    configured = ScrapySettings(scrapy_settings(settings))
    configured.set("LOG_LEVEL", log_level)
    configured.set("ALBUMML_PROGRESS", progress)
    quiet_network_tracebacks(configured)
    process = CrawlerProcess(configured)
    crawler = process.create_crawler(AlbumsSpider)
    process.crawl(crawler, start_url=start_url, urls_file=urls_file, full="true" if full else "")
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
