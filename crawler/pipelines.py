"""Item pipelines: covers are checked and stored; albums, 304s and errors reach the catalogue in batches.

Every store put, catalogue write and retry wait happens off the reactor's thread (a worker thread, or an asyncio
sleep on the asyncio reactor's loop), so downloads never stall behind a slow database or S3.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from albumml.catalogue import AlbumRecord, Catalogue, CrawlErrorRecord, RunCounts, Touch, UpsertResult, open_catalogue
from albumml.catalogue.records import MoodTag, Tag, ThemeTag
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from albumml.config import Settings
from albumml.errors import CatalogueWriteError, DatabaseUnavailableError, StoreError
from albumml.storage import Store, open_store
from crawler.covers import InvalidCoverError, check_cover
from crawler.health import CrawlTally, HealthRules, judge
from crawler.items import AlbumItem, CrawlErrorItem, NotModifiedItem
from crawler.parsed import ParsedAlbum

T = TypeVar("T")

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 5.0
DATABASE_RETRIES = 6  # waits of 1, 2, 4, 8 and 16 s: a database restart is waited out, a longer outage is not


async def in_thread(work: Callable[[], T]) -> T:
    """Run blocking work in a worker thread and wait for it without blocking the event loop (the reactor's)."""
    return await asyncio.to_thread(work)


async def with_database_retries(write: Callable[[], T]) -> T:
    """Run a catalogue write off the reactor; an outage that may pass is waited out with exponential backoff (an
    asyncio sleep, never a blocking one), and one that will not (a wrong password) fails at once."""
    for attempt in range(DATABASE_RETRIES - 1):
        try:
            return await in_thread(write)
        except DatabaseUnavailableError as exc:
            if not exc.transient:
                raise
            delay = 2**attempt
            log.warning("catalogue unavailable (%s); retrying in %ss", exc, delay)
            await asyncio.sleep(delay)
    return await in_thread(write)


class CoverPipeline:
    """Checks each freshly downloaded cover with Pillow and puts it in the content-addressed store (off the reactor:
    decoding a cover and an S3 put both take long enough to stall every download)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings: Settings = crawler.settings["ALBUMML_SETTINGS"]
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.store = open_store(self.settings)
        await in_thread(self.store.backend.check)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, AlbumItem) or item.cover_bytes is None:
            return item
        data, item.cover_bytes = item.cover_bytes, None
        try:
            key, written = await in_thread(lambda: self._checked_put(data))
        except InvalidCoverError as problem:
            item.cover_error = CrawlErrorItem(item.album.cover_url or item.album.url, problem.reason, problem.detail)
            return item
        except StoreError as exc:
            item.cover_error = CrawlErrorItem(item.album.cover_url or item.album.url, "cover_store_failed", str(exc))
            return item
        item.cover_key = key
        self.crawler.stats.inc_value("albumml/covers_stored" if written else "albumml/covers_deduplicated")
        return item

    def _checked_put(self, data: bytes) -> tuple[str, bool]:
        """Decode the cover whole, then store it; its key and whether it was new."""
        assert self.store is not None
        check_cover(data, max_pixels=self.settings.crawl_max_cover_pixels, min_side=self.settings.crawl_min_cover_side)
        result = self.store.put_blob(data)
        return result.key, result.written


@dataclass
class Batch:
    """What one flush writes; each part is emptied once written, so a retried flush never writes a part twice."""

    albums: list[AlbumRecord] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    errors: list[CrawlErrorRecord] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.albums) + len(self.touches) + len(self.errors)


class CataloguePipeline:
    """Buffers albums, 304s and errors and writes them in batches; records the crawl run, its counts and its health."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings: Settings = crawler.settings["ALBUMML_SETTINGS"]
        self.reparse = crawler.settings.getbool("ALBUMML_REPARSE")  # archived pages: nothing was fetched
        self.catalogue: Catalogue | None = None
        self.run_id: int | None = None
        self.moods: dict[str, MoodTag] = {}
        self.themes: dict[str, ThemeTag] = {}
        self.albums: dict[str, AlbumRecord] = {}
        self.buffer = Batch()
        self.counts: Counter[str] = Counter()
        self.last_flush = time.monotonic()
        self.flushing = asyncio.Lock()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def open_spider(self) -> None:
        catalogue = self.catalogue = open_catalogue(self.settings)
        moods, themes = bundled_moods(), bundled_themes()
        await with_database_retries(lambda: catalogue.upsert_vocabulary(moods, themes))
        self.moods = {tag.id: tag for tag in moods}
        self.themes = {tag.id: tag for tag in themes}
        source = self.crawler.settings.get("ALBUMML_RUN_SOURCE") or getattr(self.crawler.spider, "start_url", None)
        self.run_id = await with_database_retries(lambda: catalogue.start_crawl_run(source))
        self.crawler.stats.set_value("albumml/run_id", self.run_id)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, AlbumItem):
            self._take_album(item)
        elif isinstance(item, NotModifiedItem):
            self.buffer.touches.append(Touch(item.album_id, item.fetched_at, item.sitemap_lastmod))
        elif isinstance(item, CrawlErrorItem):
            self._take_error(item)
        buffered = len(self.albums) + len(self.buffer)
        if buffered >= self.settings.db_batch_size or time.monotonic() - self.last_flush > FLUSH_EVERY_S:
            await self.flush()
        return item

    def _take_album(self, item: AlbumItem) -> None:
        """Buffer an album whose moods and themes are all in the vocabulary, under the vocabulary's names: a page
        never renames a mood (the mismatch is recorded)."""
        album = item.album
        pairs: list[tuple[Tag, Tag | None]] = [(t, self.moods.get(t.id)) for t in album.moods]
        pairs += [(t, self.themes.get(t.id)) for t in album.themes]
        unknown = [f"{shown.name} ({shown.id})" for shown, known in pairs if known is None]
        if unknown:
            detail = f"not in the site's vocabulary: {', '.join(unknown)}"
            self._take_error(CrawlErrorItem(album.url, "unknown_mood", detail))
            return
        renamed = [f"{shown.id} as {shown.name!r}" for shown, known in pairs if known and known.name != shown.name]
        if renamed:
            detail = f"kept the vocabulary's names; the page shows {', '.join(renamed)}"
            self._take_error(CrawlErrorItem(album.url, "vocabulary_mismatch", detail))
        if item.cover_error is not None:
            self._take_error(item.cover_error)
        moods = tuple(self.moods[t.id] for t in album.moods)
        themes = tuple(self.themes[t.id] for t in album.themes)
        self.albums[album.album_id] = to_record(item, moods=moods, themes=themes)

    def _take_error(self, item: CrawlErrorItem) -> None:
        log.info("%s: %s (%s)", item.reason, item.url, item.detail or "")
        self.buffer.errors.append(CrawlErrorRecord(url=item.url, reason=item.reason, detail=item.detail))
        self.crawler.stats.inc_value(f"albumml/errors/{item.reason}")

    async def flush(self) -> None:
        """Hand what is buffered to a writer thread (one flush at a time); an outage is waited out with backoff."""
        batch, self.buffer = self.buffer, Batch()
        batch.albums, self.albums = list(self.albums.values()), {}
        self.last_flush = time.monotonic()
        if not len(batch):
            return
        async with self.flushing:
            await with_database_retries(lambda: self._write(batch))
        self.counts.update(batch.counts)
        for name in ("new", "changed", "unchanged"):
            self.crawler.stats.set_value(f"albumml/albums_{name}", self.counts[name])
        self.crawler.stats.set_value("albumml/errors", self.counts["errors"])

    def _write(self, batch: Batch) -> None:
        """Write a batch (in a writer thread): albums, then 304 touches, then errors."""
        assert self.catalogue is not None
        if batch.albums:
            try:
                _count(batch, self.catalogue.upsert_albums(batch.albums, refresh_unchanged=not self.reparse))
            except CatalogueWriteError:
                self._write_one_by_one(batch)
            batch.albums = []
        if batch.touches:
            self.catalogue.touch(batch.touches)
            batch.counts.update(unchanged=len(batch.touches))
            batch.touches = []
        if batch.errors:
            self.catalogue.record_errors(batch.errors, run_id=self.run_id)
            batch.counts.update(errors=len(batch.errors))
            batch.errors = []

    def _write_one_by_one(self, batch: Batch) -> None:
        """Isolate the records a batch failed on, so one bad album costs only itself."""
        assert self.catalogue is not None
        for record in batch.albums:
            try:
                _count(batch, self.catalogue.upsert_albums([record], refresh_unchanged=not self.reparse))
            except CatalogueWriteError as exc:
                batch.errors.append(CrawlErrorRecord(url=record.url, reason="write_failed", detail=str(exc)))

    async def close_spider(self) -> None:
        await self.flush()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Store the run's final counts and status: a crawl that did not finish, or whose site could not be read or
        whose pages stopped parsing, is recorded as failed with the reason."""
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
        tally = CrawlTally.from_stats(stats.get_stats(), discovering=bool(getattr(spider, "discovering", False)))
        history = await with_database_retries(catalogue.recent_page_counts)
        failure = judge(tally, history, HealthRules.from_settings(self.settings)) if reason == "finished" else None
        status = "failed" if failure else reason[:16]
        if failure:
            log.error("crawl run %s failed: %s", run_id, failure)
            stats.set_value("albumml/failure", failure)
        page_counts = {design: dict(counts) for design, counts in tally.designs.items()}
        await with_database_retries(
            lambda: catalogue.finish_crawl_run(run_id, counts, status, failure=failure, page_counts=page_counts)
        )


def _count(batch: Batch, result: UpsertResult) -> None:
    batch.counts.update(new=result.new, changed=result.changed, unchanged=result.unchanged)


def to_record(
    item: AlbumItem, *, moods: tuple[MoodTag, ...] | None = None, themes: tuple[ThemeTag, ...] | None = None
) -> AlbumRecord:
    """The catalogue record of a complete album item (with the vocabulary's moods and themes when given)."""
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
        moods=list(album.moods if moods is None else moods),
        themes=list(album.themes if themes is None else themes),
        cover_url=album.cover_url,
        cover_key=item.cover_key,
        page_design=album.page_design.value,
        etag=item.etag,
        last_modified=item.last_modified,
        sitemap_lastmod=item.sitemap_lastmod,
        fetched_at=item.fetched_at,
    )
