"""Judges whether a crawl run is healthy: a site that cannot be read, or a page design that suddenly stops yielding
what the parsers need, fails the run with a reason that names what broke, instead of ending "finished".

Pure functions of the run's counts, the earlier runs' counts and the rules; nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from albumml.config import Settings
from albumml.errors import SITE_CHANGED

# What each page design's counts hold (keys of `crawl_runs.page_counts[design]`).
PAGES, NO_MOODS, NO_TITLE = "pages", "no_moods", "no_title"
MISSING_PARTS = {NO_MOODS: "no moods section", NO_TITLE: "no album title"}


@dataclass(frozen=True)
class HealthRules:
    """The thresholds a run is judged by (settings `crawl_min_parsed_share`, `crawl_design_change_*`)."""

    min_parsed_share: float
    change_margin: float
    min_design_pages: int
    usual_missing_share: Mapping[str, float]

    @classmethod
    def from_settings(cls, settings: Settings) -> HealthRules:
        return cls(
            min_parsed_share=settings.crawl_min_parsed_share,
            change_margin=settings.crawl_design_change_margin,
            min_design_pages=settings.crawl_design_change_min_pages,
            usual_missing_share={
                NO_MOODS: settings.crawl_usual_no_moods_share,
                NO_TITLE: settings.crawl_usual_no_title_share,
            },
        )


@dataclass(frozen=True)
class CrawlTally:
    """What one run saw: discovery, album pages fetched and parsed, and per page design what was missing."""

    discovering: bool = True
    sitemaps_read: int = 0
    discovery_failures: Mapping[str, int] = field(default_factory=dict)
    album_requests: int = 0
    album_responses: int = 0
    album_pages: int = 0
    album_pages_parsed: int = 0
    parse_failures: Mapping[str, int] = field(default_factory=dict)
    designs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], *, discovering: bool) -> CrawlTally:
        """The tally from the spider's Scrapy stats (`albumml/...` keys)."""

        def count(key: str) -> int:
            return int(stats.get(f"albumml/{key}", 0))

        designs: dict[str, dict[str, int]] = {}
        for key, value in stats.items():
            parts = key.split("/")
            if len(parts) == 4 and parts[:2] == ["albumml", "design"]:
                designs.setdefault(parts[2], {})[parts[3]] = int(value)
        return cls(
            discovering=discovering,
            sitemaps_read=count("discovery/sitemaps_read"),
            discovery_failures=_by_reason(stats, "albumml/discovery/failed/"),
            album_requests=count("album_requests"),
            album_responses=count("pages_fetched") + count("pages_not_modified") + count("pages_reparsed"),
            album_pages=count("pages_fetched") + count("pages_reparsed"),
            album_pages_parsed=count("pages_parsed"),
            parse_failures=_by_reason(stats, "albumml/parse_failed/"),
            designs=designs,
        )


def _by_reason(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {key.removeprefix(prefix): int(value) for key, value in stats.items() if key.startswith(prefix)}


def judge(tally: CrawlTally, history: Iterable[Mapping[str, Mapping[str, int]]], rules: HealthRules) -> str | None:
    """Why the run failed, in one line, or None when it is healthy."""
    return _unreachable(tally) or _unparsed(tally, rules) or _design_changed(tally, list(history), rules)


def _unreachable(tally: CrawlTally) -> str | None:
    """The site's robots.txt and every sitemap could not be read, or no album page answered at all."""
    if tally.discovering and tally.sitemaps_read == 0:
        failures = _reasons(tally.discovery_failures)
        return f"the site could not be read: robots.txt and every sitemap were unreachable ({failures})"
    if tally.album_requests and not tally.album_responses:
        return f"the site could not be read: none of the {tally.album_requests} album pages requested answered"
    return None


def _unparsed(tally: CrawlTally, rules: HealthRules) -> str | None:
    """Album pages were fetched but too few of them parsed."""
    pages, parsed = tally.album_pages, tally.album_pages_parsed
    if pages < rules.min_design_pages or parsed >= rules.min_parsed_share * pages:
        return None
    return (
        f"only {parsed} of {pages} album pages parsed ({parsed / pages:.0%}, below the {rules.min_parsed_share:.0%} "
        f"floor): {_reasons(tally.parse_failures)}; {SITE_CHANGED}"
    )


def _design_changed(
    tally: CrawlTally, history: list[Mapping[str, Mapping[str, int]]], rules: HealthRules
) -> str | None:
    """Pages of one design suddenly lack moods or titles far above their usual share."""
    for design, counts in sorted(tally.designs.items()):
        pages = counts.get(PAGES, 0)
        if pages < rules.min_design_pages:
            continue
        for part, words in MISSING_PARTS.items():
            missing = counts.get(part, 0)
            usual = usual_share(history, design, part, rules)
            if missing / pages > usual + rules.change_margin:
                return f"{SITE_CHANGED}: {missing} of {pages} {design} pages had {words} (usually {usual:.0%})"
    return None


def usual_share(history: list[Mapping[str, Mapping[str, int]]], design: str, part: str, rules: HealthRules) -> float:
    """The share of a design's pages missing `part` over earlier healthy runs; the rules' prior without history."""
    pages = sum(run.get(design, {}).get(PAGES, 0) for run in history)
    if pages < rules.min_design_pages:
        return rules.usual_missing_share[part]
    return sum(run.get(design, {}).get(part, 0) for run in history) / pages


def _reasons(counts: Mapping[str, int]) -> str:
    """ "reason n, reason m" in decreasing order, or "no reason recorded"."""
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    return ", ".join(f"{reason} {count}" for reason, count in ordered) or "no reason recorded"
