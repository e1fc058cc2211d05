"""Item pipelines: covers are checked and stored; albums, 304s and errors reach the catalogue in batches."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, Self, TypeVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from albumml.catalogue import AlbumRecord, Catalogue, CrawlErrorRecord, RunCounts, Touch, UpsertResult, open_catalogue
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from albumml.config import Settings
from albumml.errors import CatalogueWriteError, DatabaseUnavailableError
from albumml.storage import Store, open_store
from crawler.covers import InvalidCoverError, check_cover
from crawler.items import AlbumItem, CrawlErrorItem, NotModifiedItem
from crawler.parsed import ParsedAlbum

T = TypeVar("T")

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 5.0
DATABASE_RETRIES = 6


class CoverPipeline:
    """Checks each freshly downloaded cover with Pillow and puts it in the content-addressed store."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings: Settings = crawler.settings["ALBUMML_SETTINGS"]
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = open_store(self.settings)
        self.store.backend.check()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, AlbumItem) or item.cover_bytes is None:
            return item
        assert self.store is not None
        data, item.cover_bytes = item.cover_bytes, None
        try:
            check_cover(
                data, max_pixels=self.settings.crawl_max_cover_pixels, min_side=self.settings.crawl_min_cover_side
            )
        except InvalidCoverError as problem:
            item.cover_error = CrawlErrorItem(item.album.cover_url or item.album.url, problem.reason, problem.detail)
            return item
        result = self.store.put_blob(data)
        item.cover_key = result.key
        self.crawler.stats.inc_value("albumml/covers_stored" if result.written else "albumml/covers_deduplicated")
        return item


class CataloguePipeline:
    """Buffers albums, 304s and errors and writes them in batches; records the crawl run and its counts."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings: Settings = crawler.settings["ALBUMML_SETTINGS"]
        self.reparse = crawler.settings.getbool("ALBUMML_REPARSE")  # archived pages: nothing was fetched
        self.catalogue: Catalogue | None = None
        self.run_id: int | None = None
        self.known_moods: set[str] = set()
        self.known_themes: set[str] = set()
        self.albums: dict[str, AlbumRecord] = {}
        self.touches: list[Touch] = []
        self.errors: list[CrawlErrorRecord] = []
        self.counts: Counter[str] = Counter()
        self.last_flush = time.monotonic()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.catalogue = open_catalogue(self.settings)
        moods, themes = bundled_moods(), bundled_themes()
        self.catalogue.upsert_vocabulary(moods, themes)
        self.known_moods = {tag.id for tag in moods}
        self.known_themes = {tag.id for tag in themes}
        spider = self.crawler.spider
        catalogue = self.catalogue
        source = self.crawler.settings.get("ALBUMML_RUN_SOURCE") or getattr(spider, "start_url", None)
        self.run_id = with_database_retries(lambda: catalogue.start_crawl_run(source))
        self.crawler.stats.set_value("albumml/run_id", self.run_id)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, AlbumItem):
            self._take_album(item)
        elif isinstance(item, NotModifiedItem):
            self.touches.append(Touch(item.album_id, item.fetched_at, item.sitemap_lastmod))
        elif isinstance(item, CrawlErrorItem):
            self._take_error(item)
        if self._buffered() >= self.settings.db_batch_size or time.monotonic() - self.last_flush > FLUSH_EVERY_S:
            self.flush()
        return item

    def _take_album(self, item: AlbumItem) -> None:
        album = item.album
        unknown = [f"{t.name} ({t.id})" for t in album.moods if t.id not in self.known_moods]
        unknown += [f"{t.name} ({t.id})" for t in album.themes if t.id not in self.known_themes]
        if unknown:
            self._take_error(
                CrawlErrorItem(album.url, "unknown_mood", f"not in the site's vocabulary: {', '.join(unknown)}")
            )
            return
        if item.cover_error is not None:
            self._take_error(item.cover_error)
        self.albums[album.album_id] = to_record(item)

    def _take_error(self, item: CrawlErrorItem) -> None:
        log.info("%s: %s (%s)", item.reason, item.url, item.detail or "")
        self.errors.append(CrawlErrorRecord(url=item.url, reason=item.reason, detail=item.detail))
        self.crawler.stats.inc_value(f"albumml/errors/{item.reason}")

    def _buffered(self) -> int:
        return len(self.albums) + len(self.touches) + len(self.errors)

    def flush(self) -> None:
        """Write what is buffered; a database outage is waited out with backoff before giving up."""
        with_database_retries(self._write)
        self.last_flush = time.monotonic()

    def _write(self) -> None:
        assert self.catalogue is not None
        if self.albums:
            records = list(self.albums.values())
            try:
                self._count(self.catalogue.upsert_albums(records, refresh_unchanged=not self.reparse))
            except CatalogueWriteError:
                self._write_one_by_one(records)
            self.albums.clear()
        if self.touches:
            self.catalogue.touch(self.touches)
            self.counts.update(unchanged=len(self.touches))
            self.touches.clear()
        if self.errors:
            self.catalogue.record_errors(self.errors, run_id=self.run_id)
            self.counts.update(errors=len(self.errors))
            self.errors.clear()
        for name in ("new", "changed", "unchanged", "errors"):
            self.crawler.stats.set_value(
                f"albumml/albums_{name}" if name != "errors" else "albumml/errors", self.counts[name]
            )

    def _count(self, result: UpsertResult) -> None:
        self.counts.update(new=result.new, changed=result.changed, unchanged=result.unchanged)

    def _write_one_by_one(self, records: list[AlbumRecord]) -> None:
        """Isolate the records a batch failed on, so one bad album costs only itself."""
        assert self.catalogue is not None
        for record in records:
            try:
                self._count(self.catalogue.upsert_albums([record], refresh_unchanged=not self.reparse))
            except CatalogueWriteError as exc:
                self.errors.append(CrawlErrorRecord(url=record.url, reason="write_failed", detail=str(exc)))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Store the run's final counts; a crawl that did not finish is recorded as such."""
        if self.catalogue is None or self.run_id is None:
            return
        stats = self.crawler.stats
        counts = RunCounts(
            pages_fetched=stats.get_value("albumml/pages_fetched", 0),
            pages_not_modified=stats.get_value("albumml/pages_not_modified", 0),
            albums_new=self.counts["new"],
            albums_changed=self.counts["changed"],
            albums_unchanged=self.counts["unchanged"],
            covers_stored=stats.get_value("albumml/covers_stored", 0),
            errors=self.counts["errors"],
        )
        catalogue, run_id = self.catalogue, self.run_id
        status = "finished" if reason == "finished" else reason[:16]
        with_database_retries(lambda: catalogue.finish_crawl_run(run_id, counts, status))


def with_database_retries(write: Callable[[], T]) -> T:
    """Run a catalogue write; a database outage is waited out with exponential backoff before giving up."""
    for attempt in range(DATABASE_RETRIES - 1):
        try:
            return write()
        except DatabaseUnavailableError as exc:
            delay = 2**attempt
            log.warning("catalogue unavailable (%s); retrying in %ss", exc, delay)
            time.sleep(delay)
    return write()


def to_record(item: AlbumItem) -> AlbumRecord:
    """The catalogue record of a complete album item."""
    album: ParsedAlbum = item.album
    return AlbumRecord(
        id=album.album_id,
        url=album.url,
        title=album.title,
        artist=album.artist,
        artist_id=album.artist_id,
        release_date=album.release_date,
        year=album.year,
        rating=album.rating,
        review_text=album.review.text,
        review_author=album.review.author,
        genres=list(album.genres),
        styles=list(album.styles),
        moods=list(album.moods),
        themes=list(album.themes),
        cover_url=album.cover_url,
        cover_key=item.cover_key,
        page_design=album.page_design.value,
        etag=item.etag,
        last_modified=item.last_modified,
        sitemap_lastmod=item.sitemap_lastmod,
        fetched_at=item.fetched_at,
    )
