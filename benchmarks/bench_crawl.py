"""Crawl pages/s of the sample site (covers stored) against `scrapy bench`, an unchanged re-crawl's cost, the
archive's overhead (the same crawl without it) and a re-parse's albums/s against the first crawl's."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from albumml.catalogue import open_catalogue
from albumml.catalogue.migrate import upgrade
from albumml.config import load_settings
from albumml.storage import open_store
from benchmarks.harness import Figure, Report
from benchmarks.scrapy_bench import scrapy_bench_pages_per_second
from sample_site import FAST_CRAWL_SETTINGS, Faults, generate_site, serving


def _albumml(home: Path, *arguments: str, **environment: str) -> float:
    """Seconds one `albumml ...` command takes (a crawl runs in its own process, as in production), with the sample
    site's fast settings: the polite defaults would measure the delay, not the crawler."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "albumml", *arguments, "--no-progress"],
        env={**os.environ, **FAST_CRAWL_SETTINGS, "ALBUMML_HOME": str(home), **environment},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def _crawl(home: Path, url: str, **environment: str) -> float:
    """Seconds one `albumml crawl run` takes."""
    return _albumml(home, "crawl", "run", "--url", url, **environment)


def _fresh_home(home: Path) -> Path:
    upgrade(open_catalogue(load_settings(home=home), check_schema=False).engine)
    return home


def run(report: Report, *, albums: int = 2_000, rounds: int = 2) -> None:
    """First crawl and an unchanged re-crawl of a generated site, beside `scrapy bench` in the same run."""
    baseline = scrapy_bench_pages_per_second()
    with tempfile.TemporaryDirectory() as folder:
        site, home = Path(folder) / "site", _fresh_home(Path(folder) / "home")
        generate_site(site, albums=albums, seed=1, faults=Faults())
        with serving(site) as server:
            # first crawls with and without the archive alternate, each side keeping its best of `rounds` (the
            # machine is shared: one slow moment must not decide the overhead)
            without_archive = first = float("inf")
            for round_number in range(rounds):
                bare = _fresh_home(Path(folder) / f"bare-{round_number}")
                without_archive = min(without_archive, _crawl(bare, server.base_url, ALBUMML_CRAWL_ARCHIVE="false"))
                server.reset()
                target = home if round_number == 0 else _fresh_home(Path(folder) / f"home-{round_number}")
                first = min(first, _crawl(target, server.base_url))
                counts = server.counts()
                server.reset()
            pages = sum(counts.get(kind, 0) for kind in ("robots", "sitemap", "album", "moods_ajax", "review_ajax"))
            responses = pages + counts.get("cover", 0)
            again = _crawl(home, server.base_url)
            refetched = server.count("album") + server.count("cover")
            server.reset()
            reparsed = _albumml(home, "crawl", "reparse", "--run", "1")
            requested = sum(server.counts().values())
        archive = open_store(load_settings(home=home)).stats()["archives"]
    note = f"{albums:,} albums, {responses:,} responses incl. covers stored; process start included"
    report.add(Figure("crawl", "first crawl", "responses/s", responses / first, "scrapy bench", baseline, 0.5, note))
    report.add(
        Figure(
            "crawl",
            "unchanged re-crawl",
            "s",
            again,
            "first crawl (s)",
            first,
            note=f"album pages and covers fetched again: {refetched} (target 0); ratio is the re-crawl's share",
        )
    )
    report.add(
        Figure(
            "crawl",
            "first crawl with its WARC archive",
            "responses/s",
            responses / first,
            "the same crawl without an archive",
            responses / without_archive,
            0.85,
            f"archive overhead {first / without_archive - 1:+.1%} (target under 15%); "
            f"{archive.objects} archive of {archive.bytes:,} bytes",
        )
    )
    report.add(
        Figure(
            "crawl",
            "crawl reparse (archive of the first crawl)",
            "albums/s",
            albums / reparsed,
            "first crawl",
            albums / first,
            note=f"requests to the site during the re-parse: {requested} (target 0); process start included",
        )
    )
