"""A progress display for crawls run from a terminal: albums done out of albums planned."""

from __future__ import annotations

import sys
from typing import Any, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import AlbumItem, CrawlErrorItem, NotModifiedItem


class CrawlProgress:
    """Shows a rich progress bar on stderr when ALBUMML_PROGRESS is set and stderr is a terminal."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.progress = Progress(
            TextColumn("[bold]crawl[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}", markup=False),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: TaskID | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ALBUMML_PROGRESS") or not sys.stderr.isatty():
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.progress.start()
        self.task = self.progress.add_task("crawl", total=None, detail="reading sitemaps")

    def item_scraped(self, item: Any, spider: Any) -> None:
        if self.task is None or not isinstance(item, AlbumItem | NotModifiedItem | CrawlErrorItem):
            return
        stats = self.crawler.stats
        planned = stats.get_value("albumml/albums_planned", 0)
        errors = stats.get_value("albumml/errors", 0)
        detail = f"{stats.get_value('albumml/pages_not_modified', 0)} not modified, {errors} errors"
        self.progress.update(self.task, advance=1, total=planned or None, detail=detail)

    def spider_closed(self, spider: Any) -> None:
        self.progress.stop()
