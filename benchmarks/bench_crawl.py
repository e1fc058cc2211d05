"""Crawl pages/s of the sample site (covers stored) against `scrapy bench`, and an unchanged re-crawl's cost."""

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
from benchmarks.harness import Figure, Report
from benchmarks.scrapy_bench import scrapy_bench_pages_per_second
from sample_site import FAST_CRAWL_SETTINGS, Faults, generate_site, serving


def _crawl(home: Path, url: str) -> float:
    """Seconds one `albumml crawl run` takes (the crawl in its own process, as in production), with the sample
    site's fast settings: the polite defaults would measure the delay, not the crawler."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "albumml", "crawl", "run", "--url", url, "--no-progress"],
        env={**os.environ, **FAST_CRAWL_SETTINGS, "ALBUMML_HOME": str(home)},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run(report: Report, *, albums: int = 2_000) -> None:
    """First crawl and an unchanged re-crawl of a generated site, beside `scrapy bench` in the same run."""
    baseline = scrapy_bench_pages_per_second()
    with tempfile.TemporaryDirectory() as folder:
        site, home = Path(folder) / "site", Path(folder) / "home"
        generate_site(site, albums=albums, seed=1, faults=Faults())
        upgrade(open_catalogue(load_settings(home=home), check_schema=False).engine)
        with serving(site) as server:
            first = _crawl(home, server.base_url)
            counts = server.counts()
            pages = sum(counts.get(kind, 0) for kind in ("robots", "sitemap", "album", "moods_ajax", "review_ajax"))
            responses = pages + counts.get("cover", 0)
            server.reset()
            again = _crawl(home, server.base_url)
            refetched = server.count("album") + server.count("cover")
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
