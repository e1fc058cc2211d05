"""`change` changes exactly K albums: in the manifest, the sitemap lastmods, and the served ETags."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
from parsel import Selector

from sample_site import (
    Faults,
    Manifest,
    SampleSiteError,
    SiteServer,
    change_site,
    generate_site,
    load_manifest,
    serving,
)
from sample_site.model import www_file
from sample_site.plan import album_paths
from tests.support.http_client import get

K = 7


@pytest.fixture
def small_site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    generate_site(folder, 120, 21, faults=Faults(malformed_pages=0.05, missing_covers=0.02, redirect_loops=1))
    return folder


def _sitemap_lastmods(folder: Path) -> dict[str, str]:
    urlset = Selector(text=(folder / "www" / "sitemaps" / "albums-0001.xml").read_text(), type="xml")
    urlset.remove_namespaces()
    return {url.css("loc::text").get(): url.css("lastmod::text").get() for url in urlset.css("url")}


def _etags(server: SiteServer, manifest: Manifest) -> dict[str, tuple[str, ...]]:
    """Each album's ETags over its page, fragments and cover (only the parts that answer 200)."""
    tags = {}
    for album in manifest.albums:
        answers = [get(server.url(path)) for path in album_paths(album)]
        tags[album.id] = tuple(a.headers.get("ETag", "") for a in answers if a.status == 200)
    return tags


def test_change_changes_exactly_k_albums(small_site: Path) -> None:
    before = load_manifest(small_site)
    lastmods_before = _sitemap_lastmods(small_site)
    with serving(small_site) as server:
        etags_before = _etags(server, before)
        report = change_site(small_site, K, seed=3)
        after = server.manifest  # the running server has reloaded the manifest
        etags_after = _etags(server, after)
        changed_ids = {item.id for item in report.albums}
        changed_etags = {album_id for album_id in etags_before if etags_before[album_id] != etags_after[album_id]}
        assert changed_etags == changed_ids
        for album_id in changed_ids:
            album = after.album(album_id)
            page = get(server.url(album.path), {"If-Modified-Since": "Tue, 31 Dec 2024 23:59:59 GMT"})
            assert page.status == 200 and page.headers["Last-Modified"] == "Wed, 01 Jan 2025 01:00:00 GMT"
    assert len(report.albums) == K and report.round == 1
    assert {a.id for a in before.bad_albums()}.isdisjoint(changed_ids), "only good albums change"
    differing = {a.id for a in after.albums if a != before.album(a.id)}
    assert differing == changed_ids
    lastmods_after = _sitemap_lastmods(small_site)
    moved = {url for url in lastmods_before if lastmods_before[url] != lastmods_after[url]}
    assert moved == {after.album(i).url for i in changed_ids}
    assert all(lastmods_after[after.album(i).url] == "2025-01-01T01:00:00+00:00" for i in changed_ids)
    assert after.changes[0]["albums"] == [{"id": a.id, "kinds": list(a.kinds)} for a in report.albums]


def test_each_kind_of_change_lands_in_the_files(small_site: Path) -> None:
    before = load_manifest(small_site)
    www = small_site / "www"
    report = change_site(small_site, 30, seed=8)
    after = load_manifest(small_site)
    kinds_seen = set()
    for item in report.albums:
        old, new = before.album(item.id), after.album(item.id)
        kinds_seen.update(item.kinds)
        if "review" in item.kinds:
            assert new.review_paragraphs != old.review_paragraphs
            source = www_file(new.path + "/reviewAjax") if new.design == "2023" else www_file(new.path)
            assert escape(new.review_paragraphs[0], quote=False) in (www / source).read_text()
        if "moods" in item.kinds:
            assert new.moods != old.moods and new.moods[:5] == old.moods[:5], "the cover's moods stay"
        if "cover" in item.kinds:
            assert new.cover.file != old.cover.file and new.cover.variant == old.cover.variant + 1
            assert (www / new.cover.file).exists() and not (www / old.cover.file).exists()
            assert new.cover_url in (www / www_file(new.path)).read_text()
        if "cover" not in item.kinds:
            assert new.cover == old.cover
    assert kinds_seen == {"review", "moods", "cover"}


def test_rounds_move_lastmod_forward_and_are_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate_site(tmp_path / name, 40, 5, covers=False)
        first = change_site(tmp_path / name, 3)
        second = change_site(tmp_path / name, 3)
        assert second.round == 2 and second.lastmod > first.lastmod
    assert load_manifest(tmp_path / "a") == load_manifest(tmp_path / "b")
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (tmp_path / "b" / "manifest.json").read_bytes()


def test_change_refuses_impossible_requests(tmp_path: Path, small_site: Path) -> None:
    with pytest.raises(SampleSiteError, match="between 1 and"):
        change_site(small_site, 10_000)
    with pytest.raises(SampleSiteError, match="generate"):
        change_site(tmp_path / "nothing-here", 1)
