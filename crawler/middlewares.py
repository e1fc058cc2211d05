"""Downloader middleware: the crawl's scope (refused URLs are never fetched) and retries that wait, honouring
`Retry-After` (Scrapy's own retries go again at once)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.scope import Refusal, ScopePolicy

log = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


class OutOfScopeError(IgnoreRequest):
    """A request the crawl's scope refuses; `reason` is the crawl error's code."""

    def __init__(self, url: str, refusal: Refusal) -> None:
        super().__init__(f"refused {url}: {refusal.detail}")
        self.reason = refusal.reason
        self.detail = refusal.detail


def count_refusal(crawler: Crawler, refusal: Refusal) -> None:
    """Count a refused URL in the crawl's stats (`albumml/refused/<reason>`)."""
    if crawler.stats is not None:
        crawler.stats.inc_value(f"albumml/refused/{refusal.reason}")


class ScopeMiddleware:
    """Refuses every request outside the spider's scope before robots.txt, redirects or a download see it; a
    redirect's new request passes here again, so a redirect off the site is refused too."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Raise OutOfScopeError for a URL the scope refuses (or when the spider has no scope: refuse all)."""
        scope: ScopePolicy | None = getattr(self.crawler.spider, "scope", None)
        refusal = scope.refusal(request.url) if scope is not None else Refusal("offsite_url", "the crawl has no scope")
        if refusal is None:
            return
        count_refusal(self.crawler, refusal)
        log.info("refused %s (%s): %s", request.url, refusal.reason, refusal.detail)
        raise OutOfScopeError(request.url, refusal)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules (5xx, 429, timeouts, connection errors), each retry waiting base * 2**(n-1) seconds, or
    as long as a 429/503's `Retry-After` asks (seconds or an HTTP date), up to a cap."""

    backoff_s: float = 1.0
    retry_after_max_s: float = 120.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff_s = crawler.settings.getfloat("ALBUMML_RETRY_BACKOFF_S", 1.0)
        middleware.retry_after_max_s = crawler.settings.getfloat("ALBUMML_RETRY_AFTER_MAX_S", 120.0)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            asked = retry_after_s(response) if response.status in RETRY_AFTER_STATUSES else None
            await self._wait(result, asked)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, retry: Request, retry_after: float | None) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = self.backoff_s * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_max_s))
        if delay > 0:
            log.debug("waiting %.2fs before retry %d of %s", delay, attempt, retry.url)
            await asyncio.sleep(delay)


def retry_after_s(response: Response, now: float | None = None) -> float | None:
    """Seconds a response's `Retry-After` asks to wait (delay-seconds or HTTP-date); None when absent or unreadable."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))
