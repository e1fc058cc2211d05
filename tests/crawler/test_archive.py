"""Crawl archives end to end: a crawl of the sample site over real HTTP keeps its pages as WARC in the store, and
`albumml crawl reparse` rebuilds the catalogue from them with the site gone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from warcio.archiveiterator import ArchiveIterator

from albumml.catalogue import Catalogue
from albumml.catalogue.models import Album, AlbumMood
from albumml.config import Settings
from albumml.storage import open_store
from sample_site import Faults, SiteServer, generate_site, serving
from tests.support.crawling import assert_stored_as_on_the_site, crawl, environment, migrated, served

pytestmark = pytest.mark.slow

ALBUMS = 24


@pytest.fixture(scope="module")
def site_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("archive") / "site"
    generate_site(site, albums=ALBUMS, seed=17, faults=Faults())
    return site


@pytest.fixture
def site(site_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(site_template, tmp_path / "site"))


def reparse(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `albumml crawl reparse` as users do."""
    return subprocess.run(
        [sys.executable, "-m", "albumml", "crawl", "reparse", "--no-progress", *arguments],
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=600,
    )


def archived_pages(settings: Settings, catalogue: Catalogue, run_id: int, folder: Path) -> dict[str, bytes]:
    """URL -> body of every response in a run's archive, read back with warcio from the store; each response has
    its request record beside it and a 200 status line."""
    found = catalogue.crawl_run(run_id)
    assert found is not None and found[0].archive_key is not None
    path = folder / f"run-{run_id}.warc.gz"
    open_store(settings).fetch_archive(found[0].archive_key, path)
    responses: dict[str, bytes] = {}
    response_ids: dict[str, str] = {}
    requested: dict[str, str] = {}
    with path.open("rb") as file:
        for record in ArchiveIterator(file):
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "response":
                assert record.http_headers.get_statuscode() == "200"
                assert record.http_headers.get_header("Content-Type", "").startswith("text/html")
                responses[url] = record.content_stream().read()
                response_ids[url] = record.rec_headers.get_header("WARC-Record-ID")
            elif record.rec_type == "request":
                assert record.http_headers.protocol == "GET"  # warcio reads a request line's method here
                requested[url] = record.rec_headers.get_header("WARC-Concurrent-To")
    assert requested == response_ids
    return responses


def site_pages(server: SiteServer) -> dict[str, bytes]:
    """URL -> body of every album page and 2023 sub-request (pages with their tabs rendered make none), as the site
    serves them."""
    pages: dict[str, bytes] = {}
    for album in server.manifest.albums:
        url = served(album.url, server)
        urls = [url] + ([f"{url}/moodsThemesAjax", f"{url}/reviewAjax"] if album.page_form == "subrequests" else [])
        for page in urls:
            with urllib.request.urlopen(page, timeout=10) as response:
                pages[page] = response.read()
    return pages


def spoil(catalogue: Catalogue, renamed: str, moodless: str, wiped: str) -> None:
    """What a parser bug would leave: a wrong title, lost moods (each with the wrong content hash), a lost album."""
    with catalogue.engine.begin() as connection:
        connection.execute(update(Album).where(Album.id == renamed).values(title="Wrong", content_hash="0" * 64))
        connection.execute(delete(AlbumMood).where(AlbumMood.album_id == moodless))
        connection.execute(update(Album).where(Album.id == moodless).values(content_hash="0" * 64))
        connection.execute(delete(Album).where(Album.id == wiped))


def test_the_archive_holds_every_page_and_a_reparse_rebuilds_the_catalogue_offline(
    site: Path, settings: Settings, tmp_path: Path
) -> None:
    catalogue = migrated(settings)
    with serving(site) as server:
        crawled = crawl(settings, server.base_url)
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        assert archived_pages(settings, catalogue, 1, tmp_path) == site_pages(server)
    albums = server.manifest.albums
    renamed, moodless, wiped = albums[0].id, albums[1].id, albums[2].id
    spoil(catalogue, renamed, moodless, wiped)
    assert open_store(settings).stats()["archives"].objects == 1

    rebuilt = reparse(settings, "--run", "1", "--json")  # the site is gone: a fetch would be an error
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    for album in albums:
        assert_stored_as_on_the_site(catalogue, album, server)
    run, reasons = catalogue.crawl_run(2) or (None, None)
    assert run is not None and run.source == "reparse of run 1" and run.archive_key is None
    assert (run.pages_fetched, run.albums_new, run.albums_changed, run.albums_unchanged) == (0, 1, 2, ALBUMS - 3)
    assert reasons == {"cover_not_archived": 1}  # the wiped album's cover is not fetched; the rest are reused
    restored = catalogue.album(wiped)
    assert restored is not None and restored.cover_key is None
    assert catalogue.stats().albums_with_cover == ALBUMS - 1
    assert open_store(settings).stats()["archives"].objects == 1


def test_a_reparse_from_s3_into_postgresql_sends_no_request_to_the_site(
    site: Path, postgres_url: str, s3_settings: Settings, tmp_path: Path
) -> None:
    settings = s3_settings.model_copy(update={"database_url": postgres_url})
    catalogue = migrated(settings)
    with serving(site) as server:
        crawled = crawl(settings, server.base_url)
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        assert len(archived_pages(settings, catalogue, 1, tmp_path)) == len(site_pages(server))
        spoil(catalogue, *(album.id for album in server.manifest.albums[3:6]))
        server.reset()
        rebuilt = reparse(settings, "--since", "2000-01-01")
        assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
        assert "pages re-parsed from the archive" in rebuilt.stdout
        assert sum(server.counts().values()) == 0
        for album in server.manifest.albums:
            assert_stored_as_on_the_site(catalogue, album, server)
    found = catalogue.crawl_run(2)
    assert found is not None and (found[0].albums_changed, found[0].albums_new) == (2, 1)


def test_a_reparse_of_a_run_without_an_archive_says_so(settings: Settings) -> None:
    catalogue = migrated(settings)
    catalogue.start_crawl_run("https://example.org/")
    refused = reparse(settings, "--run", "1")
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert "crawl run 1 has no archive" in refused.stderr
    missing = reparse(settings, "--run", "9")
    assert missing.returncode != 0 and "there is no crawl run 9" in missing.stderr
