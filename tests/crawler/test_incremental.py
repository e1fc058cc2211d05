"""The fetch plan: new and cover-less albums are fetched, unchanged ones skipped, the rest fetched conditionally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from albumml.catalogue import FetchState
from crawler.incremental import cover_key_to_reuse, plan_album

STORED_LASTMOD = datetime(2026, 11, 1, tzinfo=UTC)
COVER = "https://img/1.jpg"


def state(**overrides: object) -> FetchState:
    values: dict[str, object] = {
        "etag": '"v1"',
        "last_modified": "Sun, 01 Nov 2026 00:00:00 GMT",
        "sitemap_lastmod": STORED_LASTMOD,
        "content_hash": "h",
        "cover_key": "a" * 64,
        "cover_url": COVER,
    }
    values.update(overrides)
    return FetchState(**values)  # type: ignore[arg-type]


def test_new_albums_are_fetched_without_validators() -> None:
    plan = plan_album(STORED_LASTMOD, None)
    assert (plan.fetch, plan.reason, plan.headers) == (True, "new", {})


def test_unchanged_lastmod_is_skipped() -> None:
    assert not plan_album(STORED_LASTMOD, state()).fetch
    assert not plan_album(STORED_LASTMOD - timedelta(days=3), state()).fetch


def test_newer_lastmod_is_fetched_conditionally() -> None:
    plan = plan_album(STORED_LASTMOD + timedelta(hours=1), state())
    assert plan.fetch and plan.reason == "lastmod_newer"
    assert plan.headers == {"If-None-Match": '"v1"', "If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"}


def test_no_lastmod_means_a_conditional_fetch() -> None:
    plan = plan_album(None, state())
    assert plan.fetch and plan.reason == "no_lastmod" and "If-None-Match" in plan.headers


def test_an_album_whose_cover_is_missing_is_fetched_again_in_full() -> None:
    plan = plan_album(STORED_LASTMOD, state(cover_key=None))
    assert (plan.fetch, plan.reason, plan.headers) == (True, "cover_missing", {})


def test_full_crawls_fetch_everything() -> None:
    assert plan_album(STORED_LASTMOD, state(), full=True).fetch


def test_a_stored_cover_is_reused_only_for_the_same_url() -> None:
    assert cover_key_to_reuse(COVER, state()) == "a" * 64
    assert cover_key_to_reuse("https://img/new.jpg", state()) is None
    assert cover_key_to_reuse(COVER, None) is None
    assert cover_key_to_reuse(None, state()) is None
