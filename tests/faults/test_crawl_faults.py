"""Crawls under faults into PostgreSQL: a faulty site while the database connection is cut, and a killed crawl.

Each ends compared with an uninterrupted crawl of the same site into a fresh database: the same albums, moods
in the same order, the same covers, and every bad album accounted for with its reason.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
from psycopg2.extensions import make_dsn
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from albumml.catalogue import Catalogue
from albumml.catalogue.models import Album, AlbumMood, AlbumTheme, CrawlError, Mood, Theme
from albumml.config import Settings, load_settings
from albumml.storage import open_store
from sample_site import Faults, Manifest, SiteAlbum, SiteServer, generate_site, serving
from sample_site.faults import CORRUPT_IMAGE, MALFORMED_PAGE, MISSING_COVER, SERVER_ERROR, picked
from sample_site.plan import album_paths
from tests.support.crawling import assert_stored_as_on_the_site, crawl, environment, migrated

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TIMESTAMPS = {"first_seen", "last_fetched", "last_changed"}
WATCHER = "albumml-fault-watcher"
ALBUMS = "SELECT count(*) FROM albums"
# A 5xx URL answers 503 to its first three requests and a crawl tries each URL three times (two retries). The
# 5xx URLs the test requests once before the crawl recover on the crawl's second retry; the others fail every try
# of the first crawl (a page: http_503, a 2023 fragment: subrequest_failed, a cover: cover_http_503) and recover
# on the re-run.
RETRY_TIMES = 2
SERVER_ERROR_ATTEMPTS = RETRY_TIMES + 1

HALF_RECORDS = {
    "albums without moods": "SELECT count(*) FROM albums a "
    "WHERE NOT EXISTS (SELECT 1 FROM album_moods m WHERE m.album_id = a.id)",
    **{
        f"{table} without their album": f"SELECT count(*) FROM {table} l "
        "WHERE NOT EXISTS (SELECT 1 FROM albums a WHERE a.id = l.album_id)"
        for table in ("album_moods", "album_themes")
    },
    **{
        f"{table} with gaps in positions": f"SELECT count(*) FROM (SELECT album_id FROM {table} GROUP BY album_id "
        "HAVING min(position) <> 0 OR max(position) <> count(*) - 1) gaps"
        for table in ("album_moods", "album_themes")
    },
}

State = dict[str, tuple[Any, ...]]


def catalogue_state(catalogue: Catalogue) -> tuple[State, tuple[Any, ...]]:
    """Every album's stored columns (crawl timestamps aside) with its moods and themes by position, and the
    vocabularies: what two catalogues of the same site must agree on."""
    columns = [column for column in Album.__table__.c if column.name not in TIMESTAMPS]
    links: dict[str, dict[str, list[tuple[int, str]]]] = {"moods": defaultdict(list), "themes": defaultdict(list)}
    with catalogue.engine.connect() as connection:
        albums = {row[0]: tuple(row) for row in connection.execute(select(*columns).order_by(Album.id))}
        for name, link, tag in (("moods", AlbumMood, AlbumMood.mood_id), ("themes", AlbumTheme, AlbumTheme.theme_id)):
            query = select(link.album_id, link.position, tag).order_by(link.album_id, link.position)
            for album_id, position, tag_id in connection.execute(query):
                links[name][album_id].append((position, tag_id))
        vocabulary = tuple(
            tuple(connection.execute(select(model.id, model.name).order_by(model.id)).all()) for model in (Mood, Theme)
        )
    state = {
        album_id: (row, tuple(links["moods"][album_id]), tuple(links["themes"][album_id]))
        for album_id, row in albums.items()
    }
    return state, vocabulary


def assert_no_half_records(catalogue: Catalogue) -> None:
    """No album without moods, no mood or theme link without its album, positions 0..n-1 without gaps."""
    with catalogue.engine.connect() as connection:
        found = {name: connection.execute(text(query)).scalar_one() for name, query in HALF_RECORDS.items()}
    assert found == dict.fromkeys(HALF_RECORDS, 0)


def run_errors(catalogue: Catalogue, run_id: int) -> Counter[tuple[str, str]]:
    """(reason, URL path) of every error a crawl run recorded."""
    with catalogue.engine.connect() as connection:
        rows = connection.execute(select(CrawlError.reason, CrawlError.url).where(CrawlError.run_id == run_id))
        return Counter((reason, urlsplit(url).path) for reason, url in rows)


def content_fault(album: SiteAlbum) -> str | None:
    """The album's content fault among those this site has, if any."""
    return next((fault for fault in album.faults if fault in (MALFORMED_PAGE, MISSING_COVER, CORRUPT_IMAGE)), None)


def outcome(album: SiteAlbum, failing: set[str]) -> tuple[str, list[tuple[str, str]]]:
    """What one crawl makes of an album whose `failing` URL paths answer 5xx to every try: 'absent', 'no_cover'
    or 'whole', and the (reason, URL path) errors it records, following the spider's request chain."""
    fault = content_fault(album)
    if album.path in failing:
        return "absent", [("http_503", album.path)]
    if fault == MALFORMED_PAGE:
        return "absent", [("malformed_page", album.path)]
    for fragment in album_paths(album)[1:-1]:  # the 2023 design's moods-and-themes, then review fragments
        if fragment in failing:
            return "absent", [("subrequest_failed", fragment)]
    if album.cover.path in failing:
        return "no_cover", [("cover_http_503", album.cover.path)]
    if fault == MISSING_COVER:
        return "no_cover", [("cover_missing", album.cover.path)]
    if fault == CORRUPT_IMAGE:
        reason = "cover_truncated" if album.corrupt_kind == "truncated_jpeg" else "cover_not_image"
        return "no_cover", [(reason, album.cover.path)]
    return "whole", []


def assert_catalogue_matches(catalogue: Catalogue, server: SiteServer, outcomes: dict[str, str]) -> None:
    """Exactly the albums expected are stored, each as on the site, with a cover where one was expected."""
    manifest = server.manifest
    stored = set(catalogue.fetch_states())
    assert stored == {album_id for album_id, kind in outcomes.items() if kind != "absent"}
    for album_id in stored:
        assert_stored_as_on_the_site(catalogue, manifest.album(album_id), server)
        album = catalogue.album(album_id)
        assert album is not None
        assert (album.cover_key is not None) == (outcomes[album_id] == "whole"), album_id


@contextmanager
def side_connection(admin_dsn: str, database: str, *, autocommit: bool = True) -> Iterator[Any]:
    """A connection of the test's own to `database`, which the cuts spare."""
    dsn = make_dsn(admin_dsn, dbname=database, application_name=WATCHER)
    with closing(psycopg2.connect(dsn, connect_timeout=5)) as connection:
        connection.autocommit = autocommit
        yield connection


def scalar(connection: Any, statement: str, *parameters: object) -> Any:
    """The one value a query returns."""
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)
        row = cursor.fetchone()
        return None if row is None else row[0]


@contextmanager
def cutter(admin_dsn: str, database: str) -> Iterator[Callable[[], int]]:
    """A function that terminates every backend of `database` but the test's own and says how many it ended."""
    with closing(psycopg2.connect(admin_dsn, connect_timeout=5)) as connection:
        connection.autocommit = True

        def cut() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND application_name <> %s",
                    (database, WATCHER),
                )
                return sum(1 for (terminated,) in cursor.fetchall() if terminated)

        yield cut


def unavailable_warnings(log: Path) -> int:
    """How often the crawler's catalogue pipeline has waited out a lost database so far."""
    return log.read_text(errors="replace").count("catalogue unavailable")


@dataclass(frozen=True)
class Cut:
    """One burst of terminations: albums committed when it ended, backends terminated, whether it cut a write
    (the crawler logged that it waits the outage out) and whether the crawler was still running after it."""

    albums: int
    terminated: int
    hit_a_write: bool
    crawler_running: bool


@dataclass(frozen=True)
class CutCrawl:
    """How a crawl with cuts ended."""

    returncode: int
    summary: dict[str, Any]
    stderr: str
    cuts: list[Cut]


def crawl_with_cuts(
    settings: Settings, url: str, admin_dsn: str, folder: Path, *, at: tuple[int, ...], **extra: str
) -> CutCrawl:
    """Crawl in a process; each time `at` albums are committed, terminate the crawler's database connections
    again and again until it logs a cut write (at most 5 s)."""
    database = make_url(settings.database_url).database
    assert database is not None
    log, out = folder / "crawl.err", folder / "crawl.out"
    command = [sys.executable, "-m", "albumml", "crawl", "run", "--url", url, "--no-progress", "--json"]
    cuts: list[Cut] = []
    with (
        log.open("w") as err,
        out.open("w") as std,
        side_connection(admin_dsn, database) as watch,
        cutter(admin_dsn, database) as cut,
    ):
        process = subprocess.Popen(command, env=environment(settings, **extra), stdout=std, stderr=err)
        try:
            deadline = time.monotonic() + 150
            for threshold in at:
                while scalar(watch, ALBUMS) < threshold and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                if process.poll() is not None:
                    break
                seen, terminated, burst_end = unavailable_warnings(log), 0, time.monotonic() + 5
                while unavailable_warnings(log) == seen and time.monotonic() < burst_end:
                    terminated += cut()
                    time.sleep(0.005)
                hit = unavailable_warnings(log) > seen
                cuts.append(Cut(scalar(watch, ALBUMS), terminated, hit, process.poll() is None))
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    lines = out.read_text().strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {}
    return CutCrawl(process.returncode, summary, log.read_text(errors="replace"), cuts)


def probe(server: SiteServer, path: str) -> int:
    """One GET of a URL path; its status."""
    try:
        with urllib.request.urlopen(server.url(path), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def statuses(server: SiteServer, since: int) -> dict[str, list[int]]:
    """The statuses each URL path got since request number `since`."""
    answered: dict[str, list[int]] = defaultdict(list)
    for record in list(server.request_log)[since:]:
        answered[record.path].append(record.status)
    return answered


@pytest.fixture(scope="module")
def faulty_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """160 albums: 5% malformed pages, 5% missing covers, 2% corrupt images, 3% 5xx replies."""
    site = tmp_path_factory.mktemp("faulty") / "site"
    faults = Faults(
        malformed_pages=0.05,
        missing_covers=0.05,
        corrupt_images=0.02,
        server_errors=0.03,
        server_error_attempts=SERVER_ERROR_ATTEMPTS,
    )
    generate_site(site, albums=160, seed=31, faults=faults)
    return site


def test_a_faulty_crawl_survives_database_cuts_and_converges(
    faulty_site: Path,
    postgres_url: str,
    postgres_admin_dsn: str,
    fresh_postgres_url: Callable[[], str],
    settings: Settings,
    tmp_path: Path,
) -> None:
    """Cuts mid-crawl cost nothing; 5xx URLs probed once before recover, the rest are reported and recovered later."""
    settings = settings.model_copy(update={"database_url": postgres_url})
    catalogue = migrated(settings)
    with serving(faulty_site, slow_pages=1.0, slow_seconds=0.25) as server:
        manifest: Manifest = server.manifest
        counts = manifest.fault_counts()
        assert (counts[MALFORMED_PAGE], counts[MISSING_COVER], counts[CORRUPT_IMAGE]) == (8, 8, 3)
        five_xx = sorted(
            path for a in manifest.albums for path in album_paths(a) if picked(31, SERVER_ERROR, path, 0.03)
        )
        by_album = {a.id for a in manifest.albums if any(path in five_xx for path in album_paths(a))}
        assert by_album == {a.id for a in manifest.albums if SERVER_ERROR in a.faults}
        failing = set(five_xx[::2])
        recovering = set(five_xx) - failing
        assert any(p.startswith("/album/") and "Ajax" not in p for p in failing)
        assert any(p.startswith("/images/") for p in failing) and any("Ajax" in p for p in failing)
        assert any(p.startswith("/album/") and "Ajax" not in p for p in recovering)
        for path in recovering:
            assert probe(server, path) == 503
        started = len(server.request_log)

        first = {a.id: outcome(a, failing) for a in manifest.albums}
        expected_first = Counter(error for _, errors in first.values() for error in errors)

        extra = {
            "ALBUMML_CRAWL_CONCURRENCY_PER_DOMAIN": "4",
            "ALBUMML_DB_BATCH_SIZE": "4",
            "ALBUMML_CRAWL_RETRY_TIMES": str(RETRY_TIMES),
        }
        result = crawl_with_cuts(settings, server.base_url, postgres_admin_dsn, tmp_path, at=(15, 50, 90), **extra)
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(result.cuts) == 3 and all(c.terminated and c.crawler_running for c in result.cuts), result.cuts
        assert sum(cut.hit_a_write for cut in result.cuts) >= 2, f"writes cut: {result.cuts}\n{result.stderr[-3000:]}"
        summary = result.summary

        answered = statuses(server, started)
        for path in failing & answered.keys():
            assert answered[path] == [503] * SERVER_ERROR_ATTEMPTS, path
        for path in recovering & answered.keys():
            assert answered[path][:-1] == [503] * (SERVER_ERROR_ATTEMPTS - 1) and answered[path][-1] < 500, path
        assert {p for p in failing if "Ajax" not in p and p.startswith("/album/")} <= answered.keys()

        assert summary["status"] == "finished"
        gave_up_reasons = ("http_503", "subrequest_failed", "cover_http_503")
        gave_up = sum(summary["errors_by_reason"].get(r, 0) for r in gave_up_reasons)
        # one error per album that gave up (an album whose two fragments both fail records the first)
        assert gave_up == sum(n for (reason, _), n in expected_first.items() if reason in gave_up_reasons) > 0
        assert summary["errors_by_reason"] == dict(Counter(reason for reason, _ in expected_first.elements()))
        assert summary["errors"] == sum(expected_first.values())
        assert run_errors(catalogue, summary["id"]) == expected_first
        first_outcomes = {album_id: kind for album_id, (kind, _) in first.items()}
        assert summary["albums_new"] == sum(1 for kind in first_outcomes.values() if kind != "absent")
        assert_catalogue_matches(catalogue, server, first_outcomes)
        assert_no_half_records(catalogue)

        rerun = crawl(settings, server.base_url, "--json", ALBUMML_CRAWL_RETRY_TIMES=str(RETRY_TIMES))
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        again = {a.id: outcome(a, set()) for a in manifest.albums if first_outcomes[a.id] != "whole"}
        expected_again = Counter(error for _, errors in again.values() for error in errors)
        second = json.loads(rerun.stdout.strip().splitlines()[-1])
        assert run_errors(catalogue, second["id"]) == expected_again
        assert second["status"] == "finished"
        corrupt = Counter(
            "cover_truncated" if a.corrupt_kind == "truncated_jpeg" else "cover_not_image"
            for a in manifest.albums
            if CORRUPT_IMAGE in a.faults
        )
        site_faults = {"malformed_page": counts[MALFORMED_PAGE], "cover_missing": counts[MISSING_COVER], **corrupt}
        assert second["errors_by_reason"] == site_faults  # the re-run reports exactly the site's content faults
        final = {a.id: outcome(a, set())[0] for a in manifest.albums}
        assert_catalogue_matches(catalogue, server, final)
        assert_no_half_records(catalogue)

        reference_settings = load_settings(home=tmp_path / "reference", database_url=fresh_postgres_url())
        reference = migrated(reference_settings)
        uninterrupted = crawl(reference_settings, server.base_url, "--json")
        assert uninterrupted.returncode == 0, uninterrupted.stderr[-3000:]
        assert run_errors(reference, 1) == expected_again

    assert catalogue_state(catalogue) == catalogue_state(reference)
    assert set(open_store(settings).blob_keys()) == set(open_store(reference_settings).blob_keys())
    assert catalogue.cover_keys() == reference.cover_keys()


def test_a_killed_crawl_resumes_to_the_catalogue_of_an_uninterrupted_one(
    tmp_path: Path, postgres_url: str, fresh_postgres_url: Callable[[], str], settings: Settings
) -> None:
    site = tmp_path / "site"
    faults = Faults(malformed_pages=0.03, missing_covers=0.03, corrupt_images=0.03, unknown_moods=0.03)
    generate_site(site, albums=80, seed=13, faults=faults)
    settings = settings.model_copy(update={"database_url": postgres_url})
    catalogue = migrated(settings)
    with serving(site, slow_pages=1.0, slow_seconds=0.3) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "albumml", "crawl", "run", "--url", server.base_url, "--no-progress"],
            env=environment(settings, ALBUMML_CRAWL_CONCURRENCY_PER_DOMAIN="4", ALBUMML_DB_BATCH_SIZE="3"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while catalogue.stats().albums < 12 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        killed = catalogue_state(catalogue)[0]
        assert 12 <= len(killed) < len(server.manifest.good_albums())
        assert_no_half_records(catalogue)
        run = catalogue.crawl_run(1)
        assert run is not None and run[0].status == "running"  # a killed crawl cannot record its end

        resumed = crawl(settings, server.base_url, "--json")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert json.loads(resumed.stdout.strip().splitlines()[-1])["status"] == "finished"

        reference_settings = load_settings(home=tmp_path / "reference", database_url=fresh_postgres_url())
        reference = migrated(reference_settings)
        uninterrupted = crawl(reference_settings, server.base_url, "--json")
        assert uninterrupted.returncode == 0, uninterrupted.stderr[-3000:]
        for album in server.manifest.good_albums():
            assert_stored_as_on_the_site(catalogue, album, server)

    final, vocabulary = catalogue_state(catalogue)
    assert {album_id: final[album_id] for album_id in killed} == killed  # what was committed stays as it was
    assert (final, vocabulary) == catalogue_state(reference)
    assert set(open_store(settings).blob_keys()) == set(open_store(reference_settings).blob_keys())
    assert catalogue.stats().errors_by_reason.keys() == reference.stats().errors_by_reason.keys()


FINAL_UPDATE = (
    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'albumml' "
    "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE crawl_runs%%'"
)


def test_a_cut_during_the_crawl_s_last_write_still_records_the_finished_run(
    tmp_path: Path, postgres_url: str, postgres_admin_dsn: str, settings: Settings
) -> None:
    """A row lock holds the run's final UPDATE until the test terminates that backend: a cut at a known moment."""
    site = tmp_path / "site"
    generate_site(site, albums=24, seed=17, faults=Faults())
    settings = settings.model_copy(update={"database_url": postgres_url})
    database = make_url(postgres_url).database
    catalogue = migrated(settings)
    log, out = tmp_path / "crawl.err", tmp_path / "crawl.out"
    with (
        serving(site) as server,
        log.open("w") as err,
        out.open("w") as std,
        side_connection(postgres_admin_dsn, database) as watch,
        side_connection(postgres_admin_dsn, database, autocommit=False) as locker,
    ):
        command = [sys.executable, "-m", "albumml", "crawl", "run", "--url", server.base_url, "--no-progress", "--json"]
        process = subprocess.Popen(command, env=environment(settings), stdout=std, stderr=err)
        try:
            deadline = time.monotonic() + 120
            while scalar(watch, "SELECT count(*) FROM crawl_runs") == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            if scalar(locker, "SELECT id FROM crawl_runs WHERE id = 1 FOR NO KEY UPDATE") != 1:
                pytest.fail("the crawl did not record its start")
            blocked = None
            while blocked is None and process.poll() is None and time.monotonic() < deadline:
                blocked = scalar(watch, FINAL_UPDATE, database)
                time.sleep(0.02)
            if blocked is None or not scalar(watch, "SELECT pg_terminate_backend(%s)", blocked):
                pytest.fail(f"the crawl's final update of its run never came:\n{log.read_text()[-3000:]}")
            locker.rollback()
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    if catalogue.stats().albums != 24:
        pytest.fail("every album should have been committed before the cut")
    summary = json.loads(out.read_text().strip().splitlines()[-1])
    assert (process.returncode, summary["status"], summary["albums_new"]) == (0, "finished", 24)
