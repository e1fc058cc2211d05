"""429/503 `Retry-After` is honoured (seconds and HTTP-date forms) up to a cap: parsed without a network, and
measured at a real server between a refused request and its retry."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import pytest
from scrapy.http import Response

from albumml.config import Settings
from crawler.middlewares import retry_after_s
from sample_site import Faults, generate_site
from tests.support.crawling import crawl, migrated
from tests.support.recording_server import Answer, RecordingServer, in_turn, site_file

NOW = 1_700_000_000.0


def answered(retry_after: str | None) -> Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Response("http://site.test/album/x-mw0000000001", status=429, headers=headers)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1", 1.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        (formatdate(NOW + 30, usegmt=True), 30.0),
        (formatdate(NOW - 30, usegmt=True), 0.0),  # a date gone by: no wait
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),  # not a delay-seconds value (RFC 9110: a non-negative integer)
    ],
)
def test_retry_after_is_read_in_both_forms(value: str | None, seconds: float | None) -> None:
    assert retry_after_s(answered(value), now=NOW) == seconds


@pytest.mark.slow
def test_a_rate_limited_crawl_waits_as_asked_and_no_longer_than_the_cap(tmp_path: Path, settings: Settings) -> None:
    site = tmp_path / "site"
    manifest = generate_site(site, albums=30, seed=8, faults=Faults())
    seconds, dated, huge = [album for album in manifest.albums if album.design == "2022"][:3]
    cap = 3.0
    catalogue = migrated(settings)
    with RecordingServer("127.0.0.1") as server:
        paths = {album.id: "/album/" + album.url.rsplit("/album/", 1)[1] for album in (seconds, dated, huge)}

        def page(album_id: str) -> Answer:
            return Answer(body=site_file(site, paths[album_id], server.base_url))

        def two_seconds_from_now() -> Answer:
            return Answer(503, b"busy", {"Retry-After": formatdate(time.time() + 2, usegmt=True)})

        server.routes = {
            paths[seconds.id]: in_turn(Answer(429, b"slow down", {"Retry-After": "1"}), page(seconds.id)),
            paths[dated.id]: in_turn(two_seconds_from_now, page(dated.id)),
            paths[huge.id]: in_turn(Answer(429, b"slow down", {"Retry-After": "86400"}), page(huge.id)),
        }
        urls = tmp_path / "albums.txt"
        urls.write_text("".join(server.url(path) + "\n" for path in paths.values()))
        done = crawl(
            settings,
            server.url(paths[seconds.id]),
            "--urls-file",
            str(urls),
            ALBUMML_CRAWL_RETRY_AFTER_MAX_S=str(cap),  # the sample site's fast settings turn Retry-After off
            ALBUMML_CRAWL_OBEY_ROBOTS="false",
        )
        gaps = {album_id: server.times(path) for album_id, path in paths.items()}

    assert done.returncode == 0, done.stderr[-3000:]
    for album_id, times in gaps.items():
        assert len(times) == 2, f"{album_id}: asked {len(times)} times"
        assert catalogue.album(album_id) is not None, f"{album_id} was stored after its retry"
    gap = {album_id: times[1] - times[0] for album_id, times in gaps.items()}
    assert 0.95 <= gap[seconds.id] < cap, gap  # Retry-After: 1 (the backoff is 0.05 s)
    assert 0.95 <= gap[dated.id] < cap, gap  # an HTTP date 1-2 s ahead (dates have whole seconds)
    assert cap - 0.05 <= gap[huge.id] < cap + 2.5, gap  # a day asked for, the cap waited
