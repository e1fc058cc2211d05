"""Crawl health end to end: a site that cannot be read, or whose page design changed, fails the crawl with a reason,
exit status 1 and a failed run in the catalogue, instead of ending "finished"; a site's usual faults do not."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from albumml.config import Settings
from sample_site import Faults, change_site, generate_site, serving
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
    assert last.startswith("error: crawl run 1 of http://127.0.0.1:")
    assert "failed: the site could not be read: robots.txt and every sitemap were unreachable (connection 2)" in last
    run, reasons = catalogue.crawl_run(1) or (None, {})
    assert run is not None and run.status == "failed" and run.failure is not None
    assert "unreachable" in run.failure and reasons == {"connection": 2}


def test_a_redesigned_site_fails_the_crawl_while_a_typically_faulty_one_passes(
    tmp_path: Path, settings: Settings
) -> None:
    site = tmp_path / "site"
    generate_site(site, albums=150, seed=13, faults=Faults.typical())
    catalogue = migrated(settings)
    with serving(site) as server:
        typical = crawl(settings, server.base_url)
        assert typical.returncode == 0, typical.stderr[-3000:]
        before = {album.id: catalogue.album(album.id) for album in server.manifest.albums}
        stored_before = {album_id for album_id, album in before.items() if album is not None}

        report = change_site(site, albums=30, redesign=True)
        redesigned = {change.id for change in report.albums}
        redesigned_crawl = crawl(settings, server.base_url)

    assert redesigned_crawl.returncode == 1
    last = redesigned_crawl.stderr.strip().splitlines()[-1]
    assert last.startswith("error: crawl run 2 of http://127.0.0.1:") and " failed: " in last
    assert "malformed_page" in last and "the page design may have changed" in last
    run, reasons = catalogue.crawl_run(2) or (None, {})
    assert run is not None and run.status == "failed"
    assert reasons.get("malformed_page", 0) >= 30 and run.pages_fetched >= 30
    # nothing already stored is touched: the redesigned albums keep what the last healthy crawl stored
    for album_id in redesigned & stored_before:
        after = catalogue.album(album_id)
        assert after is not None and after.content_hash == before[album_id].content_hash  # type: ignore[union-attr]
    assert catalogue.stats().albums == len(stored_before)
