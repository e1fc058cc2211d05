"""The `albums` spider: sitemap discovery, incremental and conditional fetching, both page designs, covers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from albumml.catalogue import FetchState, open_catalogue
from albumml.config import Settings
from crawler.archive import ARCHIVE_FLAG, ARCHIVE_META, ARCHIVED_AT_META
from crawler.health import NO_MOODS, NO_TITLE, PAGES
from crawler.incremental import cover_key_to_reuse, plan_album
from crawler.items import AlbumItem, CrawlErrorItem, NotModifiedItem
from crawler.middlewares import OutOfScopeError, count_refusal
from crawler.parsed import PageDesign, ParsedAlbum, ParseError
from crawler.parsers import album_id_from_url, detect_design, parse_album_page, parse_moods_themes, parse_review
from crawler.scope import ScopePolicy, policy_for

log = logging.getLogger(__name__)

MAX_SITEMAP_BYTES = 200 * 1024 * 1024
SUBREQUEST_HEADERS = {"X-Requested-With": "XMLHttpRequest"}


class AlbumsSpider(scrapy.Spider):
    """Crawls album pages found in the site's sitemaps (or given directly) into the catalogue and the store.

    Arguments (`-a name=value`): `start_url` (site base, robots.txt, sitemap or album URL; defaults to the
    ALBUMML_CRAWL_START_URL setting), `urls_file` (album URLs, one a line), `full` (ignore what the catalogue
    has and fetch every album).
    """

    name = "albums"

    def __init__(self, start_url: str | None = None, urls_file: str | None = None, full: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.start_url = start_url
        self.urls_file = urls_file
        self.full = str(full).lower() in {"1", "true", "yes"}
        self.states: dict[str, FetchState] = {}
        self.planned: set[str] = set()
        self.discovering = False  # whether the crawl finds its albums through robots.txt and sitemaps
        self.scope: ScopePolicy | None = None  # set in start(); ScopeMiddleware refuses every request until then

    @property
    def albumml(self) -> Settings:
        """albumml's settings, carried in the Scrapy settings."""
        return self.crawler.settings["ALBUMML_SETTINGS"]

    async def start(self) -> AsyncIterator[Any]:
        """Load what the catalogue knows, then start from album URLs or from the sitemaps."""
        self.states = open_catalogue(self.albumml).fetch_states()
        log.info("the catalogue knows %d albums", len(self.states))
        start_url = self.start_url or self.albumml.crawl_start_url
        if self.urls_file:
            urls = [line.strip() for line in Path(self.urls_file).read_text().splitlines() if line.strip()]
            self.scope = policy_for(self.albumml, [start_url] if start_url else urls)
            for url in urls:
                for request in self._album_requests(url, None):
                    yield request
            return
        if not start_url:
            raise ValueError("no start URL: pass -a start_url=... or set ALBUMML_CRAWL_START_URL")
        self.start_url = start_url
        self.scope = policy_for(self.albumml, [start_url])
        if album_id_from_url(start_url):
            for request in self._album_requests(start_url, None):
                yield request
        elif start_url.endswith(("robots.txt", ".xml", ".xml.gz")):
            self.discovering = True
            yield self._discovery_request(start_url)
        else:
            self.discovering = True
            yield self._discovery_request(start_url.rstrip("/") + "/robots.txt")

    def _discovery_request(self, url: str) -> scrapy.Request:
        callback = self.parse_robots if url.endswith("robots.txt") else self.parse_sitemap
        return scrapy.Request(url, callback=callback, errback=self.on_discovery_error, priority=10)

    def on_discovery_error(self, failure: Failure) -> Iterator[Any]:
        """robots.txt or a sitemap that could not be fetched; without robots.txt, `/sitemap.xml` is tried."""
        reason, detail = _describe_failure(failure)
        self.crawler.stats.inc_value(f"albumml/discovery/failed/{reason}")
        yield CrawlErrorItem(failure.request.url, reason, detail)
        if failure.request.url.endswith("/robots.txt"):
            yield self._discovery_request(failure.request.url.removesuffix("robots.txt") + "sitemap.xml")

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """Follow every `Sitemap:` line of robots.txt."""
        sitemaps = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        if not sitemaps:
            log.warning("robots.txt at %s names no sitemap; trying /sitemap.xml", response.url)
            sitemaps = [response.urljoin("/sitemap.xml")]
        for url in sitemaps:
            yield self._discovery_request(url)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap index leads to more sitemaps; a url set to the album pages it lists, with their lastmod."""
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        try:
            sitemap = Sitemap(body)
        except Exception as exc:
            self.crawler.stats.inc_value("albumml/discovery/failed/malformed_sitemap")
            yield CrawlErrorItem(response.url, "malformed_sitemap", str(exc))
            return
        self.crawler.stats.inc_value("albumml/discovery/sitemaps_read")
        planned = 0
        for entry in sitemap:
            location = entry.get("loc")
            if not location:
                continue
            if sitemap.type == "sitemapindex":
                yield self._discovery_request(location)
                continue
            for request in self._album_requests(location, _parse_lastmod(entry.get("lastmod"))):
                planned += isinstance(request, scrapy.Request)
                yield request
        self.crawler.stats.inc_value("albumml/albums_planned", planned)

    def _album_requests(self, url: str, lastmod: datetime | None) -> Iterator[scrapy.Request | CrawlErrorItem]:
        """One request per album (each album once, however often it is listed); redirects are followed to the
        end, so a redirect loop is reported instead of silently deduplicated. A URL out of scope is an error."""
        refusal = self.scope.refusal(url) if self.scope is not None else None
        if refusal is not None:
            count_refusal(self.crawler, refusal)
            yield CrawlErrorItem(url, refusal.reason, refusal.detail)
            return
        album_id = album_id_from_url(url)
        if album_id is None or album_id in self.planned:
            return
        self.planned.add(album_id)
        plan = plan_album(lastmod, self.states.get(album_id), full=self.full)
        self.crawler.stats.inc_value(f"albumml/plan/{plan.reason}")
        if not plan.fetch:
            return
        self.crawler.stats.inc_value("albumml/album_requests")
        yield scrapy.Request(
            url,
            callback=self.parse_album,
            errback=self.on_error,
            headers=plan.headers,
            meta={"album_id": album_id, "lastmod": lastmod, "handle_httpstatus_list": [304], ARCHIVE_META: "album"},
            dont_filter=True,
        )

    def parse_album(self, response: Response) -> Iterator[Any]:
        """An album page: 304 means unchanged; it is stored under the id it was requested as (a canonical naming
        another album is an error); old designs and rendered 2023 tabs are complete, else two sub-requests follow."""
        fetched_at = response.meta.get(ARCHIVED_AT_META) or datetime.now(UTC)
        lastmod = response.meta.get("lastmod")
        if response.status == 304:
            self.crawler.stats.inc_value("albumml/pages_not_modified")
            yield NotModifiedItem(response.meta["album_id"], fetched_at, lastmod)
            return
        archived = ARCHIVE_FLAG in response.flags
        self.crawler.stats.inc_value("albumml/pages_reparsed" if archived else "albumml/pages_fetched")
        page, design = _as_text(response), None
        try:
            design = detect_design(page)
            self._count_design(design, PAGES)
            album = parse_album_page(page, requested_id=response.meta["album_id"])
        except ParseError as problem:
            self.crawler.stats.inc_value(f"albumml/parse_failed/{problem.reason}")
            if design is not None and problem.missing == "title":
                self._count_design(design, NO_TITLE)
            yield CrawlErrorItem(response.url, problem.reason, problem.detail)
            return
        self.crawler.stats.inc_value("albumml/pages_parsed")
        item = AlbumItem(
            album=album,
            fetched_at=fetched_at,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            sitemap_lastmod=lastmod,
        )
        if album.page_design is PageDesign.V2023 and not album.complete:
            yield self._subrequest(album.url + "/moodsThemesAjax", self.parse_moods_themes, item)
            return
        yield from self._with_cover(item)

    def _subrequest(self, url: str, callback: Any, item: AlbumItem) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_subrequest_error,
            headers={**SUBREQUEST_HEADERS, "Referer": item.album.url},
            meta={"item": item, ARCHIVE_META: "subrequest"},
            dont_filter=True,
        )

    def parse_moods_themes(self, response: Response) -> Iterator[Any]:
        """The 2023+ moods-and-themes fragment; then the review."""
        item: AlbumItem = response.meta["item"]
        try:
            parts = parse_moods_themes(_as_text(response))
        except ParseError as problem:
            yield CrawlErrorItem(response.url, problem.reason, problem.detail)
            return
        request = self._subrequest(item.album.url + "/reviewAjax", self.parse_review, item)
        request.meta["parts"] = parts
        yield request

    def parse_review(self, response: Response) -> Iterator[Any]:
        """The 2023+ review fragment: with it the album is complete."""
        item: AlbumItem = response.meta["item"]
        try:
            review = parse_review(_as_text(response))
        except ParseError as problem:
            yield CrawlErrorItem(response.url, problem.reason, problem.detail)
            return
        item.album = item.album.with_parts(response.meta["parts"], review)
        yield from self._with_cover(item)

    def _with_cover(self, item: AlbumItem) -> Iterator[Any]:
        album: ParsedAlbum = item.album
        if not album.moods:
            self._count_design(album.page_design, NO_MOODS)
            detail = "no moods section" if not album.has_moods_section else "an empty moods section"
            yield CrawlErrorItem(album.url, "no_moods_section", f"{detail}; an album is never stored without moods")
            return
        item.cover_key = None if self.full else cover_key_to_reuse(album.cover_url, self.states.get(album.album_id))
        if album.cover_url is None or item.cover_key is not None:
            yield item
            return
        yield scrapy.Request(
            album.cover_url,
            callback=self.parse_cover,
            errback=self.on_cover_error,
            meta={"item": item, "download_maxsize": self.albumml.crawl_max_cover_bytes},
            dont_filter=True,
        )

    def _count_design(self, design: PageDesign, part: str) -> None:
        """Count, per page design, the album pages seen and what they lacked (the crawl's health is judged on it)."""
        self.crawler.stats.inc_value(f"albumml/design/{design.value}/{part}")

    def parse_cover(self, response: Response) -> Iterator[AlbumItem]:
        """The cover's bytes ride with the album to the pipelines, which check and store them."""
        item: AlbumItem = response.meta["item"]
        item.cover_bytes = response.body
        yield item

    def on_cover_error(self, failure: Failure) -> Iterator[AlbumItem]:
        """A cover that cannot be downloaded: the album is stored without one and the error recorded."""
        item: AlbumItem = failure.request.meta["item"]
        item.cover_error = CrawlErrorItem(failure.request.url, *_describe_failure(failure, prefix="cover"))
        yield item

    def on_subrequest_error(self, failure: Failure) -> Iterator[CrawlErrorItem]:
        """A 2023+ sub-request that failed after its retries: the album is not stored, so the next crawl retries it."""
        reason, detail = _describe_failure(failure)
        if failure.check(OutOfScopeError):  # a refusal keeps its own reason
            yield CrawlErrorItem(failure.request.url, reason, f"{detail}; album not stored")
            return
        yield CrawlErrorItem(failure.request.url, "subrequest_failed", f"{reason}: {detail}; album not stored")

    def on_error(self, failure: Failure) -> Iterator[CrawlErrorItem]:
        """A page that could not be fetched (after retries, redirects and robots.txt)."""
        yield CrawlErrorItem(failure.request.url, *_describe_failure(failure))


def _describe_failure(failure: Failure, prefix: str = "") -> tuple[str, str]:
    """A short reason code and a detail for a failed request (a refusal by the crawl's scope keeps its reason)."""
    value = failure.value
    if failure.check(OutOfScopeError):
        return value.reason, value.detail[:1000]
    if failure.check(HttpError):
        status = value.response.status
        reason = f"http_{status}"
        if prefix and status in (404, 410):
            reason = "missing"
    else:
        text = str(value).lower()
        name = type(value).__name__
        if "not in the archive" in text:
            reason = "not_archived"
        elif "redirect" in text:
            reason = "redirect_loop"
        elif "robots.txt" in text:
            reason = "robots_forbidden"
        elif "timeout" in name.lower() or "timed out" in text:
            reason = "timeout"
        elif "maxsize" in text or "cancelled" in text:
            reason = "too_large"
        elif "dns" in name.lower() or "resolve" in name.lower():
            reason = "dns"
        else:
            reason = "connection"
    detail = f"{type(value).__name__}: {value}"
    return (f"{prefix}_{reason}" if prefix else reason), detail[:1000]


def _parse_lastmod(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _as_text(response: Response) -> TextResponse:
    if isinstance(response, TextResponse):
        return response
    return TextResponse(response.url, body=response.body, encoding="utf-8", headers=response.headers)
