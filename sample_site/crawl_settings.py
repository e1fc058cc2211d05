"""The crawl settings for our own simulator on this machine: the crawler's defaults are polite to a real
third-party site (one request at a time, a second apart), far too slow for tests, benchmarks and the demo."""

from __future__ import annotations

# As ALBUMML_* variables, so a crawl in its own process (`albumml crawl run`, a flow) gets them from its environment.
FAST_CRAWL_SETTINGS: dict[str, str] = {
    "ALBUMML_CRAWL_AUTOTHROTTLE": "false",
    "ALBUMML_CRAWL_CONCURRENCY_PER_DOMAIN": "16",
    "ALBUMML_CRAWL_DOWNLOAD_DELAY_S": "0",
    "ALBUMML_CRAWL_RETRY_BACKOFF_S": "0.05",
    # the simulator's 503s say `Retry-After: 1`; here the short backoff is enough
    "ALBUMML_CRAWL_RETRY_AFTER_MAX_S": "0",
}
