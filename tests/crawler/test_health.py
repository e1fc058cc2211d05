"""Crawl health: an unreachable site, pages that stop parsing, or a design that suddenly loses its moods fail the run;
the usual faults of a real site do not."""

from __future__ import annotations

from crawler.health import NO_MOODS, NO_TITLE, PAGES, CrawlTally, HealthRules, judge, usual_share

RULES = HealthRules(
    min_parsed_share=0.5,
    change_margin=0.3,
    min_design_pages=20,
    usual_missing_share={NO_MOODS: 0.2, NO_TITLE: 0.05},
)


def tally(**overrides: object) -> CrawlTally:
    """A healthy run of 100 album pages of the 2023 design (8 without moods, 1 without a title)."""
    values: dict[str, object] = {
        "sitemaps_read": 3,
        "album_requests": 100,
        "album_responses": 100,
        "album_pages": 100,
        "album_pages_parsed": 96,
        "parse_failures": {"malformed_page": 4},
        "designs": {"2023": {PAGES: 100, NO_MOODS: 8, NO_TITLE: 1}},
    }
    values.update(overrides)
    return CrawlTally(**values)  # type: ignore[arg-type]


def test_a_run_with_the_usual_faults_is_healthy() -> None:
    assert judge(tally(), [], RULES) is None


def test_a_site_whose_robots_and_sitemaps_are_unreachable_fails() -> None:
    failure = judge(tally(sitemaps_read=0, discovery_failures={"connection": 2}, album_requests=0), [], RULES)
    assert failure is not None and "robots.txt and every sitemap were unreachable" in failure
    assert "connection 2" in failure


def test_album_urls_given_directly_need_no_sitemap_but_must_answer() -> None:
    direct = tally(discovering=False, sitemaps_read=0)
    assert judge(direct, [], RULES) is None
    silent = tally(discovering=False, sitemaps_read=0, album_responses=0, album_pages=0, album_pages_parsed=0)
    failure = judge(silent, [], RULES)
    assert failure is not None and "none of the 100 album pages" in failure


def test_pages_that_stop_parsing_fail_the_run_with_the_reasons() -> None:
    failure = judge(tally(album_pages_parsed=30, parse_failures={"not_an_album_page": 70}), [], RULES)
    assert failure is not None
    assert "only 30 of 100 album pages parsed" in failure and "not_an_album_page 70" in failure


def test_too_few_pages_are_not_judged() -> None:
    few = tally(album_pages=10, album_pages_parsed=0, designs={"2023": {PAGES: 10, NO_MOODS: 10}})
    assert judge(few, [], RULES) is None


def test_a_design_that_suddenly_loses_its_moods_fails_the_run() -> None:
    failure = judge(tally(designs={"2023": {PAGES: 100, NO_MOODS: 60}}), [], RULES)
    assert failure == "the page design may have changed: 60 of 100 2023 pages had no moods section (usually 20%)"


def test_the_usual_share_comes_from_earlier_runs() -> None:
    history = [{"2023": {PAGES: 200, NO_MOODS: 140}}, {"2023": {PAGES: 100, NO_MOODS: 70}, "2016": {PAGES: 5}}]
    assert usual_share(history, "2023", NO_MOODS, RULES) == 0.7
    assert usual_share(history, "2016", NO_MOODS, RULES) == 0.2  # too few pages measured: the prior
    # a site where most albums have no moods is not a redesign...
    assert judge(tally(designs={"2023": {PAGES: 100, NO_MOODS: 75}}), history, RULES) is None
    # ...but one whose titles vanish is
    failure = judge(tally(designs={"2023": {PAGES: 100, NO_MOODS: 75, NO_TITLE: 50}}), history, RULES)
    assert failure is not None and "50 of 100 2023 pages had no album title" in failure


def test_the_tally_reads_the_spiders_stats() -> None:
    stats = {
        "albumml/discovery/sitemaps_read": 2,
        "albumml/discovery/failed/http_404": 1,
        "albumml/album_requests": 40,
        "albumml/pages_fetched": 30,
        "albumml/pages_not_modified": 5,
        "albumml/pages_parsed": 28,
        "albumml/parse_failed/malformed_page": 2,
        "albumml/design/2023/pages": 20,
        "albumml/design/2023/no_moods": 3,
        "albumml/design/2016/pages": 9,
    }
    seen = CrawlTally.from_stats(stats, discovering=True)
    assert (seen.sitemaps_read, seen.album_requests, seen.album_responses) == (2, 40, 35)
    assert (seen.album_pages, seen.album_pages_parsed) == (30, 28)
    assert seen.discovery_failures == {"http_404": 1} and seen.parse_failures == {"malformed_page": 2}
    assert seen.designs == {"2023": {PAGES: 20, NO_MOODS: 3}, "2016": {PAGES: 9}}
