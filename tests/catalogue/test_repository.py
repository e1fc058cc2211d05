"""Bulk upserts, mood order, the one-transaction rule, crawl runs and errors, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from albumml.catalogue import Catalogue, CrawlErrorRecord, RunCounts, Touch, open_catalogue
from albumml.catalogue.engine import create_catalogue_engine
from albumml.catalogue.migrate import upgrade
from albumml.catalogue.models import Album, AlbumMood, CrawlRun
from albumml.config import load_settings
from albumml.errors import CatalogueWriteError, DatabaseUnavailableError
from tests.support.factories import FETCHED, album, moods, themes


@pytest.fixture
def catalogue(database_url: str) -> Catalogue:
    engine = create_catalogue_engine(database_url)
    upgrade(engine)
    return Catalogue(engine, batch_size=50)


def mood_names(catalogue: Catalogue, album_id: str) -> list[str]:
    stored = catalogue.album(album_id)
    assert stored is not None
    return [link.mood.name for link in stored.moods]


def test_new_albums_are_stored_with_moods_in_site_order(catalogue: Catalogue) -> None:
    order = ["Wistful", "Literate", "Rustic", "Earnest", "Autumnal"]
    result = catalogue.upsert_albums([album(1, moods=moods(*order)), album(2)])
    assert (result.new, result.changed, result.unchanged) == (2, 0, 0)
    assert mood_names(catalogue, "mw0000000001") == order

    stored = catalogue.album("MW0000000001")
    assert stored is not None
    assert stored.title == "Album 1"
    assert [link.position for link in stored.moods] == [0, 1, 2, 3, 4]
    assert [link.theme.name for link in stored.themes] == ["Reflection"]
    assert stored.genres == ["Pop/Rock"]
    assert stored.first_seen == FETCHED
    assert stored.release_date is not None and stored.year == stored.release_date.year


def test_unchanged_albums_only_refresh_fetch_metadata(catalogue: Catalogue) -> None:
    catalogue.upsert_albums([album(1)])
    later = FETCHED + timedelta(days=1)
    result = catalogue.upsert_albums([album(1, fetched_at=later, etag='"v2"')])
    assert (result.new, result.changed, result.unchanged) == (0, 0, 1)
    stored = catalogue.album("mw0000000001")
    assert stored is not None
    assert stored.etag == '"v2"'
    assert stored.last_fetched == later
    assert stored.first_seen == FETCHED
    assert stored.last_changed == FETCHED


def test_changed_moods_replace_the_old_list_and_mark_the_change(catalogue: Catalogue) -> None:
    catalogue.upsert_albums([album(1, moods=moods("Literate", "Rustic", "Wistful", "Earnest"))])
    later = FETCHED + timedelta(days=2)
    result = catalogue.upsert_albums([album(1, moods=moods("Bittersweet", "Literate"), fetched_at=later)])
    assert (result.new, result.changed, result.changed_ids) == (0, 1, ("mw0000000001",))
    assert mood_names(catalogue, "mw0000000001") == ["Bittersweet", "Literate"]
    stored = catalogue.album("mw0000000001")
    assert stored is not None
    assert stored.last_changed == later and stored.first_seen == FETCHED


def test_many_albums_go_in_batches(catalogue: Catalogue) -> None:
    records = [album(n, moods=moods(*(["Literate", "Rustic", "Wistful"][n % 3 :]))) for n in range(1, 1235)]
    result = catalogue.upsert_albums(records)
    assert result.new == 1234
    with catalogue.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Album)).scalar_one() == 1234
        links = connection.execute(select(func.count()).select_from(AlbumMood)).scalar_one()
    assert links == sum(len(record.moods) for record in records)


def test_a_record_given_twice_in_one_call_keeps_the_last(catalogue: Catalogue) -> None:
    result = catalogue.upsert_albums([album(1, title="First"), album(1, title="Second")])
    assert result.new == 1
    stored = catalogue.album("mw0000000001")
    assert stored is not None and stored.title == "Second"


def test_a_failing_batch_writes_nothing_and_keeps_what_was_there(catalogue: Catalogue) -> None:
    catalogue.upsert_albums([album(1, title="Original", moods=moods("Literate", "Rustic"))])
    broken = album(3).model_copy(update={"moods": moods("Literate", "Literate")})  # slips past validation
    batch = [album(1, title="Rewritten", moods=moods("Wistful")), album(2), broken]

    with pytest.raises(CatalogueWriteError, match="rolled back"):
        catalogue.upsert_albums(batch)

    kept = catalogue.album("mw0000000001")
    assert kept is not None and kept.title == "Original"
    assert mood_names(catalogue, "mw0000000001") == ["Literate", "Rustic"]
    assert catalogue.album("mw0000000002") is None
    assert catalogue.album("mw0000000003") is None


def test_fetch_states_remember_validators_for_conditional_gets(catalogue: Catalogue) -> None:
    lastmod = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    catalogue.upsert_albums([album(1, sitemap_lastmod=lastmod), album(2, etag=None)])
    states = catalogue.fetch_states(["mw0000000001", "mw0000000002", "mw0000000404"])
    assert set(states) == {"mw0000000001", "mw0000000002"}
    assert states["mw0000000001"].etag == '"etag-1"'
    assert states["mw0000000001"].sitemap_lastmod == lastmod
    assert states["mw0000000002"].etag is None
    assert states["mw0000000001"].content_hash == album(1, sitemap_lastmod=lastmod).content_hash()
    assert set(catalogue.fetch_states()) == {"mw0000000001", "mw0000000002"}


def test_stats_count_what_the_catalogue_holds(catalogue: Catalogue) -> None:
    catalogue.upsert_albums(
        [
            album(1),
            album(2, review_text=None, review_author=None),
            album(3, cover_key=None, cover_url=None, moods=[]),
            album(4, moods=moods("Literate", "Brash")),
        ]
    )
    run = catalogue.start_crawl_run("https://www.allmusic.com/sitemap.xml")
    catalogue.record_errors(
        [
            CrawlErrorRecord(url="https://x/a", reason="malformed_page", detail="no album title"),
            CrawlErrorRecord(url="https://x/b", reason="malformed_page"),
            CrawlErrorRecord(url="https://x/c.jpg", reason="corrupt_image", detail="cannot identify image"),
        ],
        run_id=run,
    )
    catalogue.finish_crawl_run(run, RunCounts(pages_fetched=7, albums_new=4, errors=3))

    stats = catalogue.stats()
    assert (stats.albums, stats.reviewed_albums, stats.albums_with_cover, stats.albums_with_moods) == (
        4,
        3,
        3,
        3,
    )
    assert stats.moods_in_use == 4  # Literate, Rustic, Wistful, Brash
    assert stats.mood_links == 3 + 3 + 2
    assert stats.errors_by_reason == {"malformed_page": 2, "corrupt_image": 1}
    assert stats.crawl_runs == 1 and stats.last_crawl_finished is not None
    with catalogue.engine.connect() as connection:
        stored_run = connection.execute(select(CrawlRun)).one()
    assert (stored_run.status, stored_run.pages_fetched, stored_run.errors) == ("finished", 7, 3)


def test_albums_never_rename_the_vocabulary_but_the_bundled_vocabulary_does(catalogue: Catalogue) -> None:
    literate = moods("Literate")[0]
    catalogue.upsert_vocabulary(moods=[literate], themes=themes("Reflection"))
    catalogue.upsert_albums([album(1, moods=[literate.model_copy(update={"name": "Literate (renamed)"})])])
    assert mood_names(catalogue, "mw0000000001") == ["Literate"]
    catalogue.upsert_vocabulary(moods=[literate.model_copy(update={"name": "Literate, Wordy"})])
    assert mood_names(catalogue, "mw0000000001") == ["Literate, Wordy"]
    assert catalogue.stats().moods == 1


def test_cover_keys_lists_what_albums_point_to(catalogue: Catalogue) -> None:
    catalogue.upsert_albums([album(1), album(2, cover_key=None)])
    assert catalogue.cover_keys() == {f"{1:064x}"}


def test_unreachable_database_names_the_url_without_password(tmp_path) -> None:
    settings = load_settings(home=tmp_path, database_url="postgresql://albumml:s3cret@127.0.0.1:1/albumml")
    with pytest.raises(DatabaseUnavailableError) as error:
        open_catalogue(settings)
    message = str(error.value)
    assert "s3cret" not in message
    assert "127.0.0.1:1" in message and "ALBUMML_DATABASE_URL" in message


def test_touch_records_a_recheck_without_changing_content(catalogue: Catalogue) -> None:
    catalogue.upsert_albums([album(1), album(2)])
    later, lastmod = FETCHED + timedelta(days=1), datetime(2026, 11, 20, tzinfo=UTC)
    matched = catalogue.touch([Touch("mw0000000001", later, lastmod), Touch("mw0000000404", later, lastmod)])
    assert matched == 1
    stored = catalogue.album("mw0000000001")
    assert stored is not None
    assert (stored.last_fetched, stored.sitemap_lastmod, stored.last_changed) == (later, lastmod, FETCHED)
    catalogue.touch([Touch("mw0000000001", later, None)])
    assert catalogue.fetch_states(["mw0000000001"])["mw0000000001"].sitemap_lastmod == lastmod


def test_crawl_run_reads_back_with_its_errors(catalogue: Catalogue) -> None:
    run = catalogue.start_crawl_run("http://site/sitemap.xml")
    catalogue.record_errors([CrawlErrorRecord(url="u", reason="http_404")], run_id=run)
    catalogue.record_errors([CrawlErrorRecord(url="v", reason="http_404")], run_id=None)
    found = catalogue.crawl_run(run)
    assert found is not None
    stored_run, reasons = found
    assert stored_run.source == "http://site/sitemap.xml" and reasons == {"http_404": 1}
    assert catalogue.crawl_run(run + 100) is None


def test_a_reparse_leaves_albums_that_parse_the_same_untouched(catalogue: Catalogue) -> None:
    catalogue.upsert_albums([album(1), album(2)])
    later = FETCHED + timedelta(days=3)
    result = catalogue.upsert_albums(
        [album(1, fetched_at=later, etag='"new"'), album(2, title="Fixed", fetched_at=later)], refresh_unchanged=False
    )
    assert (result.new, result.changed, result.unchanged) == (0, 1, 1)
    untouched, fixed = catalogue.album("mw0000000001"), catalogue.album("mw0000000002")
    assert untouched is not None and (untouched.last_fetched, untouched.etag) == (FETCHED, '"etag-1"')
    assert fixed is not None and (fixed.title, fixed.last_fetched) == ("Fixed", later)


def test_runs_with_archives_are_listed_newest_first(catalogue: Catalogue) -> None:
    first, bare, last = (catalogue.start_crawl_run(f"https://site/{n}") for n in range(3))
    catalogue.set_crawl_archive(first, "a" * 64)
    catalogue.set_crawl_archive(last, "b" * 64)
    assert [run.id for run in catalogue.archived_runs()] == [last, first]
    assert [run.archive_key for run in catalogue.archived_runs(run_id=first)] == ["a" * 64]
    assert catalogue.archived_runs(run_id=bare) == []
    assert catalogue.archived_runs(since=datetime.now(UTC) + timedelta(hours=1)) == []
