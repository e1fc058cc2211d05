"""Crawling the sample site as users do: the crawler in its own process, into a migrated catalogue, and the check
that an album was stored exactly as the site shows it."""

from __future__ import annotations

import os
import subprocess
import sys

from albumml.catalogue import Catalogue, open_catalogue
from albumml.catalogue.migrate import upgrade
from albumml.config import Settings
from sample_site import FAST_CRAWL_SETTINGS, SiteAlbum, SiteServer
from sample_site.model import BASE_PLACEHOLDER

# The crawler's defaults are polite to a real site; our simulator on this machine is crawled at full speed.
FAST = {**FAST_CRAWL_SETTINGS, "ALBUMML_CRAWL_TIMEOUT_S": "20"}


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The process environment that points a crawl at `settings`' catalogue and store."""
    values = {
        **os.environ,
        **FAST,
        "ALBUMML_HOME": str(settings.home),
        "ALBUMML_DATABASE_URL": settings.database_url,
        "ALBUMML_STORE_URL": settings.store_url,
        **extra,
    }
    if settings.s3_endpoint_url:
        values["ALBUMML_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    return values


def migrated(settings: Settings) -> Catalogue:
    """The catalogue `settings` name, upgraded to the newest schema."""
    catalogue = open_catalogue(settings, check_schema=False)
    upgrade(catalogue.engine)
    return catalogue


def crawl(settings: Settings, url: str, *arguments: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run `albumml crawl run` as users do (the crawl runs in its own process)."""
    return subprocess.run(
        [sys.executable, "-m", "albumml", "crawl", "run", "--url", url, "--no-progress", *arguments],
        env=environment(settings, **extra),
        capture_output=True,
        text=True,
        timeout=600,
    )


def served(url: str, server: SiteServer) -> str:
    """A manifest URL as `server` serves it."""
    return url.replace(BASE_PLACEHOLDER, server.base_url)


def assert_stored_as_on_the_site(catalogue: Catalogue, album: SiteAlbum, server: SiteServer) -> None:
    """The catalogue holds `album` with every field the site shows."""
    stored = catalogue.album(album.id)
    assert stored is not None, f"{album.id} ({album.design}, faults {album.faults}) was not stored"
    assert stored.url == served(album.url, server)
    assert (stored.title, stored.artist, stored.artist_id) == (album.title, album.artist, album.artist_id)
    assert (stored.rating, stored.year, stored.release_date) == (album.rating, album.year, album.release_date)
    assert (stored.review_text, stored.review_author) == (album.review_text, album.review_author)
    assert stored.genres == [tag.name for tag in album.genres]
    assert stored.styles == [tag.name for tag in album.styles]
    assert [(link.mood.id, link.mood.name) for link in stored.moods] == [(t.id, t.name) for t in album.moods]
    assert [link.theme.id for link in stored.themes] == [t.id for t in album.themes]
    assert stored.page_design == album.design
