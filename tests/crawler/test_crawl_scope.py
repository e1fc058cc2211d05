"""A crawl of a hostile site over real HTTP stays on it: links, covers, redirects, sitemaps and meta refreshes that
point at other hosts, at local files or at the cloud metadata address are refused, recorded with their reason and
never fetched.

A second server on 127.0.0.2 stands for the rest of the world: it is linked to directly (a local address, so
`forbidden_address`), and it is the crawl's HTTP proxy for every host but the site, so a request that escaped the
scope to `offsite.example` or 169.254.169.254 would reach it (and no real network) instead of failing unseen."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import select

from albumml.catalogue.models import CrawlError
from albumml.config import Settings
from sample_site import Faults, SiteAlbum, generate_site
from tests.support.crawling import crawl, migrated
from tests.support.recording_server import Answer, RecordingServer, site_file

pytestmark = pytest.mark.slow

METADATA = "http://169.254.169.254"
OFFSITE = "http://offsite.example"
XML = {"Content-Type": "application/xml"}


def sitemap_index(*locations: str) -> Answer:
    entries = "".join(f"<sitemap><loc>{location}</loc></sitemap>" for location in locations)
    body = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
    return Answer(body=(body + "</sitemapindex>").encode(), headers=XML)


def url_set(*locations: str) -> Answer:
    entries = "".join(f"<url><loc>{location}</loc></url>" for location in locations)
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    return Answer(body=body.encode(), headers=XML)


def redirect(location: str) -> Answer:
    return Answer(301, b"moved", {"Location": location})


def a_real_jpeg() -> bytes:
    """A valid cover nobody else has: if it were read from disk, the store would keep it."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), (17, 201, 99)).save(buffer, format="JPEG")
    return buffer.getvalue()


def path_of(url: str) -> str:
    return urlsplit(url).path


def page_with(site: Path, album: SiteAlbum, base: str, old: str, new: str) -> Answer:
    """The album's page as `base` serves it, with every `old` URL (plain or JSON-escaped) turned into `new`."""
    body = site_file(site, path_of(album.url), base)
    for before, after in ((old, new), (old.replace("/", "\\/"), new.replace("/", "\\/"))):
        body = body.replace(before.encode(), after.encode())
    return Answer(body=body)


def stored_files(settings: Settings) -> list[bytes]:
    return [path.read_bytes() for path in Path(settings.store_url).rglob("*") if path.is_file()]


def test_a_hostile_site_cannot_send_the_crawl_elsewhere(tmp_path: Path, settings: Settings) -> None:
    site = tmp_path / "site"
    manifest = generate_site(site, albums=40, seed=4, faults=Faults())
    old = [album for album in manifest.albums if album.design == "2022"][:4]
    new = next(album for album in manifest.albums if album.design == "2023")
    assert len(old) == 4
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(a_real_jpeg())
    secret_url = secret.as_uri()
    catalogue = migrated(settings)

    with RecordingServer("127.0.0.1") as hostile, RecordingServer("127.0.0.2") as other:
        good, offsite_cover, file_cover, metadata_cover = old
        covers = {album.id: hostile.url("/" + album.cover.file) for album in old}
        refresh = b'<html><head><meta http-equiv="refresh" content="0; url=%s"></head></html>'
        hostile.routes = {
            "/robots.txt": Answer(
                body=f"User-agent: *\nSitemap: {hostile.url('/sitemap.xml')}\nSitemap: {OFFSITE}/sitemap.xml\n".encode()
            ),
            "/sitemap.xml": sitemap_index(
                hostile.url("/sitemaps/albums.xml"),
                f"{OFFSITE}/sitemaps/more.xml",
                other.url("/sitemaps/local.xml"),
                "file:///etc/passwd",
                f"{METADATA}/latest/meta-data/sitemap.xml",
            ),
            "/sitemaps/albums.xml": url_set(
                *(hostile.url(path_of(album.url)) for album in (*old, new)),
                f"{OFFSITE}/album/elsewhere-mw0000000005",
                other.url("/album/next-door-mw0000000009"),
                f"{secret.parent.as_uri()}/album/secret-mw0000000006",
                f"{METADATA}/album/metadata-mw0000000007",
                hostile.url("/album/gone-offsite-mw0000000002"),
                hostile.url("/album/gone-metadata-mw0000000003"),
                hostile.url("/album/gone-to-a-file-mw0000000004"),
                hostile.url("/album/refreshing-mw0000000008"),
            ),
            path_of(good.url): Answer(body=site_file(site, path_of(good.url), hostile.base_url)),
            "/" + good.cover.file: Answer(body=(site / "www" / good.cover.file).read_bytes()),
            path_of(offsite_cover.url): page_with(
                site, offsite_cover, hostile.base_url, covers[offsite_cover.id], f"{OFFSITE}/cover.jpg"
            ),
            path_of(file_cover.url): page_with(site, file_cover, hostile.base_url, covers[file_cover.id], secret_url),
            path_of(metadata_cover.url): page_with(
                site, metadata_cover, hostile.base_url, covers[metadata_cover.id], f"{METADATA}/cover.jpg"
            ),
            path_of(new.url): page_with(site, new, hostile.base_url, hostile.base_url, OFFSITE),
            "/album/gone-offsite-mw0000000002": redirect(f"{OFFSITE}/album/moved-mw0000000002"),
            "/album/gone-metadata-mw0000000003": redirect(f"{METADATA}/album/moved-mw0000000003"),
            "/album/gone-to-a-file-mw0000000004": redirect(secret_url),
            "/album/refreshing-mw0000000008": Answer(body=refresh % other.url("/album/x-mw0000000008").encode()),
        }
        proxy = {"http_proxy": other.base_url, "https_proxy": other.base_url, "no_proxy": "127.0.0.1"}
        done = crawl(settings, hostile.base_url, "--json", ALBUMML_CRAWL_RETRY_TIMES="0", **proxy)

    assert other.hits == [], f"a request left the site: {[hit.path for hit in other.hits]}"
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    with catalogue.engine.connect() as connection:
        rows = connection.execute(select(CrawlError.reason, CrawlError.url).where(CrawlError.run_id == summary["id"]))
        errors = {(reason, url) for reason, url in rows}
    expected = {
        ("offsite_url", f"{OFFSITE}/sitemap.xml"),
        ("offsite_url", f"{OFFSITE}/sitemaps/more.xml"),
        ("offsite_url", f"{OFFSITE}/album/elsewhere-mw0000000005"),
        ("offsite_url", f"{OFFSITE}/album/moved-mw0000000002"),
        ("offsite_url", f"{OFFSITE}/cover.jpg"),
        ("offsite_url", f"{OFFSITE}{path_of(new.url)}/moodsThemesAjax"),
        ("forbidden_scheme", "file:///etc/passwd"),
        ("forbidden_scheme", f"{secret.parent.as_uri()}/album/secret-mw0000000006"),
        ("forbidden_scheme", secret_url),
        ("forbidden_address", other.url("/sitemaps/local.xml")),
        ("forbidden_address", other.url("/album/next-door-mw0000000009")),
        ("forbidden_address", f"{METADATA}/latest/meta-data/sitemap.xml"),
        ("forbidden_address", f"{METADATA}/album/metadata-mw0000000007"),
        ("forbidden_address", f"{METADATA}/album/moved-mw0000000003"),
        ("forbidden_address", f"{METADATA}/cover.jpg"),
    }
    assert expected <= errors, sorted(errors)
    refused = Counter(reason for reason, _ in expected)
    assert {reason: summary["errors_by_reason"].get(reason) for reason in refused} == dict(refused)

    assert secret.read_bytes() not in stored_files(settings), "a local file reached the store"
    stored = catalogue.album(good.id)
    assert stored is not None and stored.cover_key is not None, "the site's own album and cover are crawled"
    for album in (offsite_cover, file_cover, metadata_cover):
        kept = catalogue.album(album.id)
        assert kept is not None and kept.cover_key is None, f"{album.id}: stored, without its refused cover"
    assert catalogue.album(new.id) is None, "a 2023 album whose fragments are off the site is not stored"
    asked = {path_of(hit.path) for hit in hostile.hits}
    assert "/album/refreshing-mw0000000008" in asked and "/album/gone-to-a-file-mw0000000004" in asked
