"""Crawl health end to end: a site that cannot be read fails the crawl with a reason, exit status 1 and a failed run
in the catalogue, instead of ending "finished"."""

from __future__ import annotations

import socket

import pytest

from albumml.config import Settings
from tests.support.crawling import crawl, migrated

pytestmark = pytest.mark.slow


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_site_that_cannot_be_reached_fails_the_crawl(settings: Settings) -> None:
    catalogue = migrated(settings)
    result = crawl(settings, f"http://127.0.0.1:{closed_port()}", ALBUMML_CRAWL_RETRY_TIMES="0")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: crawl run 1 ")
    assert "failed: the site could not be read: robots.txt and every sitemap were unreachable (connection 2)" in last
    run, reasons = catalogue.crawl_run(1) or (None, {})
    assert run is not None and run.status == "failed" and run.failure is not None
    assert "unreachable" in run.failure and reasons == {"connection": 2}
