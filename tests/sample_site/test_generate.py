"""A generated site: deterministic, both designs, sitemaps, and pages that follow docs/page-designs.md."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from parsel import Selector

from sample_site import BASE_PLACEHOLDER, Faults, Manifest, SampleSiteError, generate_site, load_manifest
from sample_site.faults import CONTENT_FAULTS
from sample_site.model import www_file
from sample_site.pages import display_date, iso_date
from sample_site.vocabulary import moods_in_use
from tests.support.site import SITE_ALBUMS, SITE_FAULTS
from tests.support.spec_reader import design, read_album_page, read_moods_fragment, read_review_fragment


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_sites(tmp_path: Path) -> None:
    faults = Faults.typical()
    generate_site(tmp_path / "a", 40, 9, faults=faults)
    generate_site(tmp_path / "b", 40, 9, faults=faults)
    generate_site(tmp_path / "c", 40, 10, faults=faults)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert any(name.endswith((".jpg", ".png")) for name in first)
    assert first == second
    assert first != _tree(tmp_path / "c")


@pytest.mark.slow
def test_worker_processes_do_not_change_the_bytes(tmp_path: Path) -> None:
    generate_site(tmp_path / "one", 260, 4, covers=False, workers=1)
    generate_site(tmp_path / "two", 260, 4, covers=False, workers=2)
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")


def test_regenerating_replaces_the_site_and_refuses_foreign_folders(tmp_path: Path) -> None:
    generate_site(tmp_path / "site", 30, 1, covers=False)
    generate_site(tmp_path / "site", 20, 2, covers=False)
    assert load_manifest(tmp_path / "site").size == 20
    assert len(list((tmp_path / "site" / "www" / "album").glob("*.html"))) == 20
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(SampleSiteError, match="not empty"):
        generate_site(tmp_path / "other", 10, 1)
    with pytest.raises(SampleSiteError, match="between 1 and"):
        generate_site(tmp_path / "zero", 0, 1)


def test_designs_are_mixed(manifest: Manifest, site_dir: Path) -> None:
    counts = manifest.design_counts()
    assert set(counts) == {"2016", "2022", "2023"}
    assert counts["2022"] > counts["2023"] > counts["2016"] > 0
    assert 0.25 < counts["2023"] / SITE_ALBUMS < 0.42
    for album in manifest.albums[:60]:
        if "malformed_page" not in album.faults:
            assert design((site_dir / "www" / www_file(album.path)).read_text()) == album.design


def test_manifest_records_settings_and_exact_fault_counts(manifest: Manifest) -> None:
    assert (manifest.seed, manifest.size, manifest.faults) == (11, SITE_ALBUMS, SITE_FAULTS)
    counts = manifest.fault_counts()
    for kind, expected in SITE_FAULTS.content_counts(SITE_ALBUMS).items():
        assert counts.get(kind, 0) == expected, kind
    assert all(counts.get(kind) for kind in ("server_error", "slow", "ajax_failure"))
    assert len(manifest.good_albums()) + len(manifest.bad_albums()) == SITE_ALBUMS
    assert all(len(set(a.faults) & set(CONTENT_FAULTS)) <= 1 for a in manifest.albums)
    record = manifest.albums[0].to_json()
    for field in (
        "id",
        "url",
        "design",
        "title",
        "artist",
        "release_date",
        "rating",
        "review_author",
        "genres",
        "styles",
        "moods",
        "themes",
        "cover",
        "faults",
        "lastmod",
    ):
        assert field in record
    assert record["url"].startswith(BASE_PLACEHOLDER)


def test_robots_and_sitemaps_list_every_album_with_its_lastmod(manifest: Manifest, site_dir: Path) -> None:
    www = site_dir / "www"
    robots = (www / "robots.txt").read_text()
    assert f"Sitemap: {BASE_PLACEHOLDER}/sitemap.xml" in robots and "Disallow: /search" in robots
    index = Selector(text=(www / "sitemap.xml").read_text(), type="xml")
    index.remove_namespaces()
    locs = index.css("sitemap > loc::text").getall()
    assert len(locs) == len(index.css("sitemap > lastmod::text").getall()) >= 2
    listed: dict[str, str] = {}
    for loc in locs:
        urlset = Selector(text=(www / www_file(loc.removeprefix(BASE_PLACEHOLDER))).read_text(), type="xml")
        urlset.remove_namespaces()
        for url in urlset.css("url"):
            listed[url.css("loc::text").get()] = url.css("lastmod::text").get()
    for album in manifest.albums:
        assert listed[album.url] == album.lastmod.isoformat(timespec="seconds")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lastmod) for lastmod in listed.values())
    assert any("/moods" in url for url in listed), "the discover urlset lists the listing pages"


def test_listing_pages_exist(site_dir: Path, manifest: Manifest) -> None:
    www = site_dir / "www"
    for name in ("index.html", "moods.html", "themes.html", "genres.html"):
        assert (www / name).exists()
    energetic = next(m for m in moods_in_use() if m.name == "Energetic")
    listing = (www / "mood" / f"energetic-{energetic.id}.html").read_text()
    first = next(album for album in manifest.albums if (energetic.id, "Energetic") in album.moods)
    assert first.url in listing and "discover-moods" in listing


@pytest.mark.slow
def test_good_pages_follow_the_spec(manifest: Manifest, site_dir: Path) -> None:
    www = site_dir / "www"
    checked = Counter()
    for album in manifest.good_albums():
        page = read_album_page((www / www_file(album.path)).read_text())
        assert page["canonical"] == album.url and page["id"] == album.id
        assert page["title"] == album.title and page["artist"] == album.artist
        assert page["artist_id"] == album.artist_id
        assert page["release"] == display_date(album)
        assert page["genres"] == [g.name for g in album.genres]
        assert page["styles"] == [s.name for s in album.styles]
        assert page["rating"] == album.rating
        assert page["cover"] == album.cover_url
        assert page["discover_moods"] > 0, "every page carries the site-wide discover menu"
        moods = [(m.id, m.name) for m in album.moods]
        themes = [(t.id, t.name) for t in album.themes]
        if album.design == "2023":
            fragment = read_moods_fragment((www / www_file(album.path + "/moodsThemesAjax")).read_text())
            review = read_review_fragment((www / www_file(album.path + "/reviewAjax")).read_text())
            assert fragment == {"moods": moods, "themes": themes}
            assert (review["text"], review["author"]) == (album.review_text, album.review_author)
        else:
            assert page["data_release_date"] == iso_date(album)
            assert page["moods"] == moods and page["themes"] == themes
            assert (page["review_text"], page["review_author"]) == (album.review_text, album.review_author)
            assert page["rating_class"] == str(album.rating - 1 if album.rating else 0)
        checked[album.design] += 1
    assert min(checked.values()) > 10


def test_faulty_pages_break_the_way_the_manifest_says(manifest: Manifest, site_dir: Path) -> None:
    www = site_dir / "www"
    vocabulary = {m.id for m in moods_in_use()}
    seen = Counter()
    for album in manifest.bad_albums():
        html = (www / www_file(album.path)).read_text()
        if "malformed_page" in album.faults:
            assert BASE_PLACEHOLDER + album.path in html, "the canonical link survives"
            assert "album-title" not in html and "albumTitle" not in html
        elif "no_moods_section" in album.faults:
            if album.design == "2023":
                fragment = read_moods_fragment((www / www_file(album.path + "/moodsThemesAjax")).read_text())
                assert fragment is not None and fragment["moods"] == []
            else:
                assert read_album_page(html)["has_moods_section"] is False
        elif "unknown_mood" in album.faults:
            if album.design == "2023":
                moods = read_moods_fragment((www / www_file(album.path + "/moodsThemesAjax")).read_text())["moods"]
            else:
                moods = read_album_page(html)["moods"]
            unknown = [mood for mood in moods if mood[0] not in vocabulary]
            assert unknown == [(album.unknown_mood.id, album.unknown_mood.name)]
            assert moods.index(unknown[0]) == album.unknown_mood.position
        seen.update(set(album.faults) & set(CONTENT_FAULTS))
    assert seen["malformed_page"] and seen["no_moods_section"] and seen["unknown_mood"]
