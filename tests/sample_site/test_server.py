"""The server over real HTTP: validators, 304s, fragments, base substitution, injected faults, counters."""

from __future__ import annotations

import io
import time
import urllib.request
from email.utils import formatdate
from pathlib import Path

import pytest
from PIL import Image

from sample_site import BASE_PLACEHOLDER, Manifest, SiteAlbum, SiteServer, generate_site, serving
from sample_site.faults import SERVER_ERROR, picked
from sample_site.plan import album_paths
from tests.support.http_client import get
from tests.support.spec_reader import read_album_page, read_moods_fragment


def _good(manifest: Manifest, design: str, *, without: tuple[str, ...] = ("server_error", "slow")) -> SiteAlbum:
    return next(a for a in manifest.good_albums() if a.design == design and not set(a.faults) & set(without))


def test_pages_carry_validators_and_answer_conditional_requests(server: SiteServer, manifest: Manifest) -> None:
    album = _good(manifest, "2022")
    with urllib.request.urlopen(server.url(album.url)) as response:
        assert b"albumTitle" not in response.read()
        etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert response.headers["Content-Type"].startswith("text/html")
    assert etag.startswith('"') and last_modified == formatdate(album.lastmod.timestamp(), usegmt=True)
    assert get(server.url(album.url), {"If-None-Match": etag}).status == 304
    assert get(server.url(album.url), {"If-Modified-Since": last_modified}).status == 304
    older = formatdate(album.lastmod.timestamp() - 86_400, usegmt=True)
    assert get(server.url(album.url), {"If-Modified-Since": older}).status == 200
    assert get(server.url(album.url), {"If-None-Match": '"other"', "If-Modified-Since": last_modified}).status == 200
    head = get(server.url(album.url), method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["ETag"] == etag
    assert server.count(kind="album", status=304) == 2


def test_urls_in_pages_point_back_at_the_server(server: SiteServer, manifest: Manifest) -> None:
    album = _good(manifest, "2022")
    page = read_album_page(get(server.url(album.path)).text)
    assert page["canonical"] == server.base_url + album.path
    assert BASE_PLACEHOLDER not in get(server.url("/sitemap.xml")).text
    assert f"Sitemap: {server.base_url}/sitemap.xml" in get(server.url("/robots.txt")).text
    cover = get(page["cover"])
    assert cover.status == 200 and cover.headers["Content-Type"] == f"image/{album.cover.format.lower()}"
    assert Image.open(io.BytesIO(cover.body)).size == (album.cover.width, album.cover.height)
    assert "ETag" in cover.headers and "Last-Modified" in cover.headers
    assert get(server.url("/moods")).status == 200 and get(server.url("/")).status == 200


def test_2023_fragments_are_served_beside_the_album_url(server: SiteServer, manifest: Manifest) -> None:
    album = _good(manifest, "2023", without=("server_error", "slow", "ajax_failure"))
    headers = {"Referer": server.url(album.url), "X-Requested-With": "XMLHttpRequest"}
    moods = get(server.url(album.path + "/moodsThemesAjax"), headers)
    review = get(server.url(album.path + "/reviewAjax"), headers)
    assert moods.status == review.status == 200 and "ETag" in moods.headers
    assert read_moods_fragment(moods.text)["moods"] == [(m.id, m.name) for m in album.moods]
    assert 'id="review"' in review.text
    old = _good(manifest, "2022")
    assert get(server.url(old.path + "/moodsThemesAjax")).status == 404
    assert server.count(kind="moods_ajax") == 2 and server.count(kind="review_ajax") == 1


def test_server_errors_answer_503_then_succeed(server: SiteServer, manifest: Manifest) -> None:
    album = next(
        a for a in manifest.albums if SERVER_ERROR in a.faults and not {"redirect_loop", "ajax_failure"} & set(a.faults)
    )
    path = next(p for p in album_paths(album) if picked(manifest.seed, SERVER_ERROR, p, 0.05))
    first = get(server.url(path))
    assert first.status == 503 and first.headers["Retry-After"] == "1"
    assert get(server.url(path)).status in (200, 404), "the retry gets through"
    assert server.count(status=503) == 1


def test_serve_time_overrides_make_every_album_url_fail_twice(site_dir: Path, manifest: Manifest) -> None:
    album = _good(manifest, "2022")
    with serving(site_dir, server_errors=1.0, server_error_attempts=2) as server:
        assert [get(server.url(album.path)).status for _ in range(3)] == [503, 503, 200]
        assert get(server.url("/robots.txt")).status == 200, "discovery is never failed"
        assert server.faults["server_error_attempts"] == 2


def test_failing_moods_fragment_answers_500_once(server: SiteServer, manifest: Manifest) -> None:
    album = next(a for a in manifest.albums if "ajax_failure" in a.faults and SERVER_ERROR not in a.faults)
    url = server.url(album.path + "/moodsThemesAjax")
    assert [get(url).status, get(url).status] == [500, 200]
    server.reset()
    assert get(url).status == 500, "reset() makes transient faults fire again"


def test_missing_cover_answers_404(server: SiteServer, manifest: Manifest) -> None:
    album = next(a for a in manifest.albums if "missing_cover" in a.faults)
    path = album.cover.path
    statuses = {get(server.url(path)).status for _ in range(2)}
    assert 404 in statuses and 200 not in statuses
    assert f'src="{server.url(album.cover_url)}"' in get(server.url(album.path)).text or "malformed" in album.faults


def test_redirect_loop_never_reaches_a_page(server: SiteServer, manifest: Manifest) -> None:
    album = next(a for a in manifest.albums if "redirect_loop" in a.faults)
    first = get(server.url(album.path))
    second = get(first.headers["Location"])
    assert first.status == second.status == 302
    assert second.headers["Location"] == server.url(album.path)
    with pytest.raises(urllib.error.HTTPError, match="redirect"):
        urllib.request.urlopen(server.url(album.path))


def test_slow_pages_answer_late(server: SiteServer, manifest: Manifest) -> None:
    album = next(a for a in manifest.albums if "slow" in a.faults and len(a.faults) == 1)
    started = time.perf_counter()
    assert get(server.url(album.path)).status == 200
    assert time.perf_counter() - started >= 0.3
    fast = _good(manifest, "2022")
    started = time.perf_counter()
    get(server.url(fast.path))
    assert time.perf_counter() - started < 0.3


def test_unknown_paths_and_traversal_answer_404(server: SiteServer) -> None:
    assert get(server.url("/album/no-such-album-mw0000000001")).status == 404
    assert get(server.url("/../manifest.json")).status == 404
    assert server.counts()["status_404"] == 2


def test_a_site_without_covers_renders_them_when_asked(tmp_path: Path) -> None:
    manifest = generate_site(tmp_path / "pages-only", 12, 3, covers=False)
    album = manifest.albums[0]
    assert not (tmp_path / "pages-only" / "www" / album.cover.file).exists()
    with serving(tmp_path / "pages-only") as server:
        cover = get(server.url(album.cover.path))
    assert cover.status == 200
    assert Image.open(io.BytesIO(cover.body)).format == album.cover.format


def test_the_server_keeps_up_with_a_crawler(server: SiteServer, manifest: Manifest) -> None:
    paths = [a.path for a in manifest.good_albums() if not set(a.faults) & {"slow", "server_error"}][:300]
    started = time.perf_counter()
    for path in paths:
        assert get(server.url(path)).status == 200
    rate = len(paths) / (time.perf_counter() - started)
    assert rate > 200, f"{rate:.0f} requests/s"
