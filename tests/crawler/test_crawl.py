"""End to end: the crawler process crawls the sample site over real HTTP into a real catalogue and store."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from albumml.catalogue import Catalogue
from albumml.config import Settings
from albumml.storage import open_store
from sample_site import (
    CONTENT_FAULTS,
    Faults,
    Manifest,
    SiteAlbum,
    SiteServer,
    change_site,
    generate_site,
    serving,
)
from sample_site.model import BASE_PLACEHOLDER
from tests.support.crawling import assert_stored_as_on_the_site, crawl, environment, migrated, served

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
CLEAN_ALBUMS = 48


@pytest.fixture(scope="module")
def clean_site_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("clean") / "site"
    generate_site(site, albums=CLEAN_ALBUMS, seed=11, faults=Faults())
    return site


@pytest.fixture
def clean_site(clean_site_template: Path, tmp_path: Path) -> Path:
    """A private copy of a fault-free site (tests may change it)."""
    return Path(shutil.copytree(clean_site_template, tmp_path / "site"))


def cover_bytes(album: SiteAlbum, server: SiteServer) -> bytes:
    with urllib.request.urlopen(server.url(album.cover.path), timeout=10) as response:
        return response.read()


def test_a_crawl_stores_every_album_of_both_designs_with_its_cover(clean_site: Path, settings: Settings) -> None:
    catalogue = migrated(settings)
    with serving(clean_site) as server:
        manifest: Manifest = server.manifest
        assert {"2022", "2023"} <= set(manifest.design_counts())
        forms = manifest.form_counts()
        assert forms.get("subrequests", 0) > 0 and forms.get("tabs_rendered", 0) > 0, forms
        result = crawl(settings, server.base_url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "albums new" in result.stdout
        counts = server.counts()
        assert counts["moods_ajax"] == counts["review_ajax"] == forms["subrequests"]
        rendered = {album.path for album in manifest.albums if album.page_form == "tabs_rendered"}
        asked = {record.path.rsplit("/", 1)[0] for record in server.request_log if record.kind == "moods_ajax"}
        assert not asked & rendered, "a page with its tabs rendered needs no sub-requests"

        store = open_store(settings)
        for album in manifest.albums:
            assert_stored_as_on_the_site(catalogue, album, server)
            stored = catalogue.album(album.id)
            assert stored is not None and stored.cover_key is not None
            assert stored.cover_key == hashlib.sha256(cover_bytes(album, server)).hexdigest()
            assert store.get_blob(stored.cover_key)

    stats = catalogue.stats()
    assert (stats.albums, stats.albums_with_cover, stats.errors_by_reason) == (CLEAN_ALBUMS, CLEAN_ALBUMS, {})
    run, reasons = catalogue.crawl_run(1) or (None, None)
    assert run is not None and reasons == {}
    assert (run.status, run.albums_new, run.pages_fetched) == ("finished", CLEAN_ALBUMS, CLEAN_ALBUMS)
    assert run.covers_stored == CLEAN_ALBUMS


def test_recrawls_fetch_nothing_unchanged_and_exactly_what_changed(clean_site: Path, settings: Settings) -> None:
    catalogue = migrated(settings)
    with serving(clean_site) as server:
        assert crawl(settings, server.base_url).returncode == 0
        server.reset()

        unchanged = crawl(settings, server.base_url)
        assert unchanged.returncode == 0, unchanged.stderr[-3000:]
        assert server.count("album") == server.count("cover") == 0
        second = catalogue.crawl_run(2)
        assert second is not None and second[0].pages_fetched == 0

        report = change_site(clean_site, albums=5)
        server.reset()
        changed = crawl(settings, server.base_url)
        assert changed.returncode == 0, changed.stderr[-3000:]
        assert server.count("album") == 5
        third = catalogue.crawl_run(3)
        assert third is not None
        assert (third[0].albums_changed, third[0].albums_new) == (5, 0)
        manifest = server.manifest
        assert len(report.albums) == 5
        for change in report.albums:
            assert_stored_as_on_the_site(catalogue, manifest.album(change.id), server)


def test_a_crawl_into_postgresql_and_s3(clean_site: Path, postgres_url: str, s3_settings: Settings) -> None:
    settings = s3_settings.model_copy(update={"database_url": postgres_url})
    catalogue = migrated(settings)
    with serving(clean_site) as server:
        result = crawl(settings, server.base_url)
        assert result.returncode == 0, result.stderr[-3000:]
        for album in server.manifest.albums[:10]:
            assert_stored_as_on_the_site(catalogue, album, server)
    assert catalogue.stats().albums_with_cover == CLEAN_ALBUMS
    store = open_store(settings)
    assert sorted(store.blob_keys()) == sorted(catalogue.cover_keys())
    assert store.verify(catalogue.cover_keys()).ok


def test_bad_input_is_counted_and_every_good_album_stored(tmp_path: Path, settings: Settings) -> None:
    site = tmp_path / "faulty"
    faults = Faults(
        malformed_pages=0.05,
        missing_covers=0.05,
        corrupt_images=0.02,
        image_bombs=1,
        no_moods_sections=0.02,
        unknown_moods=0.02,
        redirect_loops=1,
        server_errors=0.03,
        ajax_failures=0.05,
    )
    generate_site(site, albums=120, seed=5, faults=faults)
    catalogue = migrated(settings)
    with serving(site) as server:
        manifest = server.manifest
        first = crawl(settings, server.base_url)
        assert first.returncode == 0, first.stderr[-3000:]
        assert server.count(status=503) > 0

        for album in manifest.good_albums():
            assert_stored_as_on_the_site(catalogue, album, server)
        expected_errors: dict[str, int] = {}
        for album in manifest.bad_albums():
            (fault,) = [f for f in album.faults if f in CONTENT_FAULTS]
            stored = catalogue.album(album.id)
            if fault in {"missing_cover", "corrupt_image", "image_bomb"}:
                assert_stored_as_on_the_site(catalogue, album, server)
                assert stored is not None and stored.cover_key is None
            else:
                assert stored is None, f"{album.id} with {fault} must not be stored"
            reason = {
                "missing_cover": "cover_missing",
                "image_bomb": "cover_bomb",
                "corrupt_image": "cover_truncated" if album.corrupt_kind == "truncated_jpeg" else "cover_not_image",
            }.get(fault, fault)
            expected_errors[reason] = expected_errors.get(reason, 0) + 1
        assert catalogue.stats().errors_by_reason == expected_errors

        snapshot = _catalogue_state(catalogue)
        again = crawl(settings, server.base_url)
        assert again.returncode == 0, again.stderr[-3000:]
        assert _catalogue_state(catalogue) == snapshot


def test_a_page_whose_canonical_names_another_album_is_an_error_not_a_rewrite(
    tmp_path: Path, settings: Settings
) -> None:
    site = tmp_path / "canonical"
    generate_site(site, albums=12, seed=3, faults=Faults(canonical_mismatches=2))
    catalogue = migrated(settings)
    with serving(site) as server:
        manifest = server.manifest
        wrong = [album for album in manifest.albums if album.canonical_id is not None]
        assert len(wrong) == 2 and all(album.canonical_id in manifest.by_id for album in wrong)
        result = crawl(settings, server.base_url)
        assert result.returncode == 0, result.stderr[-3000:]
        for album in manifest.good_albums():
            assert_stored_as_on_the_site(catalogue, album, server)
        for album in wrong:
            assert catalogue.album(album.id) is None
    assert catalogue.stats().errors_by_reason == {"canonical_mismatch": 2}
    assert catalogue.stats().albums == 10


def test_a_failed_sub_request_keeps_the_album_out_until_a_later_crawl(tmp_path: Path, settings: Settings) -> None:
    site = tmp_path / "ajax"
    generate_site(site, albums=30, seed=8, faults=Faults(ajax_failures=0.2))
    catalogue = migrated(settings)
    with serving(site, server_error_attempts=50) as server:
        failing = [a for a in server.manifest.albums if "ajax_failure" in a.faults]
        assert failing
        assert crawl(settings, server.base_url, ALBUMML_CRAWL_RETRY_TIMES="1").returncode == 0
        for album in failing:
            assert catalogue.album(album.id) is None
        assert catalogue.stats().errors_by_reason.get("subrequest_failed", 0) == len(failing)
    with serving(site) as server:
        assert crawl(settings, server.base_url).returncode == 0
        for album in failing:
            assert_stored_as_on_the_site(catalogue, album, server)


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux's /proc)."""
    tasks = Path(f"/proc/{pid}/task")
    return [int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def test_a_killed_crawl_resumes_and_converges(tmp_path: Path, settings: Settings) -> None:
    site = tmp_path / "slow"
    generate_site(site, albums=60, seed=9, faults=Faults())
    catalogue = migrated(settings)
    with serving(site, slow_pages=1.0, slow_seconds=0.4) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "albumml", "crawl", "run", "--url", server.base_url, "--no-progress"],
            env=environment(settings, ALBUMML_CRAWL_CONCURRENCY_PER_DOMAIN="4", ALBUMML_DB_BATCH_SIZE="5"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while catalogue.stats().albums < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        crawlers = children(process.pid)
        assert crawlers, "the crawl runs in a child process of `albumml crawl run`"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        gone_by = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in crawlers) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not any(Path(f"/proc/{pid}").exists() for pid in crawlers), "the crawler outlived its parent"
        committed = _catalogue_state(catalogue)
        assert 10 <= len(committed) < 60

        time.sleep(1.5)  # let the killed crawler's in-flight requests (0.4 s each) finish before counting anew
        server.reset()
        resumed = crawl(settings, server.base_url, ALBUMML_CRAWL_CONCURRENCY_PER_DOMAIN="16")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert server.count("album") == 60 - len(committed)
        final = _catalogue_state(catalogue)
        assert {album_id: final[album_id] for album_id in committed} == committed
        for album in server.manifest.albums:
            assert_stored_as_on_the_site(catalogue, album, server)


def test_scrapy_crawl_works_inside_the_project_folder(clean_site: Path, settings: Settings) -> None:
    catalogue = migrated(settings)
    with serving(clean_site) as server:
        result = subprocess.run(
            [
                "scrapy",
                "crawl",
                "albums",
                "-a",
                f"start_url={server.manifest.albums[0].url.replace(BASE_PLACEHOLDER, server.base_url)}",
            ],
            cwd=REPOSITORY / "crawler",
            env={**environment(settings), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert_stored_as_on_the_site(catalogue, server.manifest.albums[0], server)
    assert catalogue.stats().albums == 1


def test_parse_page_prints_the_parsed_record() -> None:
    fixture = REPOSITORY / "tests" / "fixtures" / "allmusic" / "album_2022_rating_review_moods.html"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("albumml")),
            "crawl",
            "parse-page",
            str(fixture),
            "--url",
            "https://www.allmusic.com/album/music-from-big-pink-mw0000189052",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["album_id"] == "mw0000189052" and len(record["moods"]) == 29
    assert record["moods"][0] == {"id": "xa0000001036", "name": "Literate"}


def _catalogue_state(catalogue: Catalogue) -> dict[str, tuple[object, ...]]:
    """Every stored album's content: title, cover and ordered moods."""
    state = {}
    for album_id in catalogue.fetch_states():
        album = catalogue.album(album_id)
        assert album is not None
        state[album_id] = (album.title, album.cover_key, album.review_text, tuple(m.mood_id for m in album.moods))
    return state


def test_album_urls_without_lastmod_are_refetched_conditionally(clean_site: Path, settings: Settings) -> None:
    catalogue = migrated(settings)
    with serving(clean_site) as server:
        urls = settings.home.parent / "albums.txt"
        urls.write_text("\n".join(served(album.url, server) for album in server.manifest.albums[:12]) + "\n")
        first = subprocess.run(
            [sys.executable, "-m", "albumml", "crawl", "run", "--urls-file", str(urls), "--no-progress"],
            env=environment(settings),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert first.returncode == 0, first.stderr[-3000:]
        assert catalogue.stats().albums == 12
        server.reset()

        again = subprocess.run(
            [sys.executable, "-m", "albumml", "crawl", "run", "--urls-file", str(urls), "--no-progress"],
            env=environment(settings),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode == 0, again.stderr[-3000:]
        assert server.count("album", status=304) == 12
        assert server.count("cover") == 0
        run = catalogue.crawl_run(2)
        assert run is not None
        assert (run[0].pages_not_modified, run[0].albums_unchanged, run[0].albums_new) == (12, 12, 0)


def test_parse_page_reads_a_saved_2023_page_with_rendered_tabs_offline() -> None:
    fixture = REPOSITORY / "tests" / "fixtures" / "allmusic" / "album_2023_saved_tabs_rendered.html"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("albumml")),
            "crawl",
            "parse-page",
            str(fixture),
            "--url",
            fixture.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["album_id"], record["complete"], record["review"]["author"]) == ("mw0003912345", True, "Mark Deming")
    assert [mood["name"] for mood in record["moods"]][:4] == ["Reflective", "Intimate", "Wistful", "Bittersweet"]
    assert record["cover_url"].startswith("https://rovimusic.rovicorp.com/") and record["cover_url"].endswith("f=5")
