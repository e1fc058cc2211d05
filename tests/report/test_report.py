"""The per-run HTML report: its tables computed right, and the logged page rendered in headless Chromium."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageStat
from sklearn.metrics import average_precision_score

from albumml.report.analysis import confused_pairs, per_mood_ap
from tests.support.browser import chromium


def test_per_mood_ap_matches_sklearn_and_skips_moods_without_positives() -> None:
    rng = np.random.default_rng(0)
    truth = rng.random((60, 4)) < 0.3
    truth[:, 3] = False
    scores = rng.random((60, 4)) + truth * 0.5
    rows = per_mood_ap(truth, scores, ["a", "b", "c", "never"], np.array([0.1, 0.2, 0.3, 0.0]))
    assert [row.mood for row in rows] == sorted(
        "abc", key=lambda m: -average_precision_score(truth[:, "abc".index(m)], scores[:, "abc".index(m)])
    )
    for row in rows:
        j = "abc".index(row.mood)
        assert row.average_precision == pytest.approx(average_precision_score(truth[:, j], scores[:, j]))
        assert row.test_albums == truth[:, j].sum()


def test_confusions_count_near_synonyms_guessed_for_missed_moods_only() -> None:
    vocabulary = ["upbeat", "energetic", "gloomy", "sombre"]
    vectors = np.array([[1.0, 0.1, 0], [0.9, 0.3, 0], [0, 0, 1.0], [0, 0.2, 0.95]])
    truth = np.zeros((5, 4), bool)
    truth[:, 0] = True
    truth[4, 2] = True
    scores = np.zeros((5, 4))
    scores[:3, 1] = 1.0
    scores[3, 0] = 1.0
    scores[4, 3] = 1.0
    pairs = confused_pairs(truth, scores, vocabulary, vectors, k=1, min_cosine=0.8)
    assert [(p.true_mood, p.predicted_mood, p.times) for p in pairs] == [
        ("upbeat", "energetic", 3),
        ("gloomy", "sombre", 1),
    ]
    assert all(p.cosine >= 0.8 for p in pairs)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def fetched_report(analysis_champion, tmp_path_factory) -> Path:
    """The champion run's report, fetched with `albumml report RUN_ID` in a fresh process."""
    out = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        [sys.executable, "-m", "albumml", "report", analysis_champion.run_id, "--out", str(out)],
        env={**os.environ, **analysis_champion.environment},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / analysis_champion.run_id / "report" / "report.html"


def open_page(browser, path: Path) -> tuple[object, list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems


def test_the_report_renders_every_figure_offline_without_console_errors(browser, fetched_report: Path) -> None:
    page, problems = open_page(browser, fetched_report)
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.alt, e.naturalWidth, e.naturalHeight])")
    titles = [alt for alt, _, _ in images]
    assert any("Loss" in t for t in titles) and any("Precision-recall" in t for t in titles), titles
    assert "Mood space" in titles
    assert sum("What the model looked at" in t for t in titles) == 2
    assert all(width > 200 and height > 100 for _, width, height in images), images
    text = page.inner_text("body")
    for expected in ("micro_ap", "label frequency", "random", "champion", "best", "worst", "Near-synonyms"):
        assert expected in text
    assert "could not be made" not in text
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    assert shot.height > 2000
    assert ImageStat.Stat(shot).stddev[0] > 20
    assert problems == []
    page.close()


def test_the_linked_interactive_mood_space_draws_its_plot(browser, fetched_report: Path) -> None:
    page, problems = open_page(browser, fetched_report.with_name("mood_space.html"))
    page.wait_for_selector("svg.main-svg", timeout=30_000)
    assert page.locator("g.scatterlayer g.trace").count() >= 2
    assert problems == []
    page.close()


def test_a_run_without_a_report_is_a_clear_error(analysis_champion, tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "albumml", "report", "0" * 32, "--out", str(tmp_path)],
        env={**os.environ, **analysis_champion.environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "has no report to fetch" in done.stderr
