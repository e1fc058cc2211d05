"""Downloader middleware: retries with exponential backoff (Scrapy's own retries go again at once)."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

log = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules (5xx, timeouts, connection errors), each retry waiting base * 2**(n-1) seconds."""

    backoff_s: float = 1.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff_s = crawler.settings.getfloat("ALBUMML_RETRY_BACKOFF_S", 1.0)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result)
        return result

    async def _wait(self, retry: Request) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = self.backoff_s * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
        if delay > 0:
            log.debug("waiting %.2fs before retry %d of %s", delay, attempt, retry.url)
            await asyncio.sleep(delay)
