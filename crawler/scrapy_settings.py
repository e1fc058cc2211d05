"""Scrapy settings derived from albumml's one settings object, so politeness lives in settings, not code."""

from __future__ import annotations

from typing import Any

from albumml.config import Settings


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    """The Scrapy settings for a crawl configured by `settings`."""
    return {
        "BOT_NAME": "albumml",
        "SPIDER_MODULES": ["crawler.spiders"],
        "NEWSPIDER_MODULE": "crawler.spiders",
        "USER_AGENT": settings.crawl_user_agent,
        "ROBOTSTXT_OBEY": settings.crawl_obey_robots,
        "CONCURRENT_REQUESTS": max(16, settings.crawl_concurrency_per_domain * 2),
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.crawl_concurrency_per_domain,
        "DOWNLOAD_DELAY": settings.crawl_download_delay_s,
        "RANDOMIZE_DOWNLOAD_DELAY": False,  # Scrapy's 0.5x-1.5x jitter would go below the configured least delay
        "DOWNLOAD_MAXSIZE": settings.crawl_max_page_bytes,  # covers carry their own limit in their request's meta
        "DOWNLOAD_TIMEOUT": settings.crawl_timeout_s,
        "AUTOTHROTTLE_ENABLED": settings.crawl_autothrottle,
        "AUTOTHROTTLE_START_DELAY": settings.crawl_autothrottle_start_delay_s,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": settings.crawl_autothrottle_target_concurrency,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": settings.crawl_retry_times,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "ALBUMML_RETRY_BACKOFF_S": settings.crawl_retry_backoff_s,
        "ALBUMML_RETRY_AFTER_MAX_S": settings.crawl_retry_after_max_s,
        "REDIRECT_MAX_TIMES": 5,
        "METAREFRESH_ENABLED": False,
        # http(s) only, even if a request got past ScopeMiddleware: no local files, S3, FTP or data: URLs
        "DOWNLOAD_HANDLERS": {"file": None, "s3": None, "ftp": None, "data": None},
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.ScopeMiddleware": 40,  # before robots.txt (100), retries, redirects and downloads
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "crawler.archive.ArchiveMiddleware": 540,
        },
        "ITEM_PIPELINES": {
            "crawler.pipelines.CoverPipeline": 100,
            "crawler.pipelines.CataloguePipeline": 200,
        },
        "EXTENSIONS": {"crawler.extensions.CrawlProgress": 500},
        "LOG_LEVEL": "INFO",
        # the pipelines wait for their worker threads and retry delays on asyncio's loop
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "ALBUMML_SETTINGS": settings,
    }


def reparse_settings(index: Any, source: str) -> dict[str, Any]:
    """What a re-parse changes: every http(s) request answered from the archives `index` holds, no robots.txt,
    retries or throttling (nothing goes to the site), no new archive, and the run's source."""
    handler = "crawler.archive.ArchiveDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "ROBOTSTXT_OBEY": False,
        "RETRY_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "ALBUMML_REPARSE": True,
        "ALBUMML_ARCHIVE_INDEX": index,
        "ALBUMML_RUN_SOURCE": source,
    }
