"""The whole life of albumml on a hostile site: every command succeeds and shows the site's text as data.

A sample site whose albums carry markup, math, rich markup, formulas, quotes, escapes and emoji in every field is
crawled into PostgreSQL; the catalogue must hold the text as the pages showed it (control characters stripped).
The mood vocabulary is then renamed to hostile names (the site owns the vocabulary: a future vocabulary file could
carry any of them), and a snapshot, all four models with their reports, the champion gate, predict, explain,
mood-space, similar, the agreement study, report fetch, `snapshot show` and `models list` run as users run them.
Every HTML page opens in headless Chromium without running or injecting anything, no CSV cell starts a formula,
and no terminal output carries an escape sequence.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from albumml.catalogue import open_catalogue
from albumml.catalogue.models import AlbumMood, Mood
from albumml.catalogue.records import MoodTag
from albumml.config import Settings, load_settings
from albumml.dataset import load_snapshot
from albumml.storage import open_store
from sample_site import Faults, generate_site, serving
from sample_site.hostile import HOSTILE_TEXT
from tests.support.browser import chromium, injected
from tests.support.crawling import crawl, migrated

pytestmark = pytest.mark.slow

ALBUMS = 360
SEED = 41
MIN_MOOD_COUNT = 8
# Mood names for the renamed vocabulary: each is markup or a formula in some output.
HOSTILE_MOODS = (
    "$x^2$ & $$",
    "[/]",
    "[bold]Loud[/bold]",
    "<a href='https://evil.example/'>Linked</a>",
    "<script>window.pwned=1</script>",
    '<img src=x onerror="window.pwned=1">',
    '=HYPERLINK("https://evil.example","x")',
    "+Plus",
    "-Minus",
    "@At",
    "'Quoted' \"mood\" “curly”",
    "Emoji 🎸🔥",
)
# What a page's text may carry but a stored field may not: C0/C1 controls (whitespace aside), bidi and zero-width.
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff]")
TERMINAL_ESCAPES = re.compile("[\x1b\x07\x9b\u202a-\u202e\u2066-\u2069]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_stored(text: str | None) -> str | None:
    """The text a page shows, as the catalogue should hold it: invisible characters gone, whitespace collapsed."""
    if text is None:
        return None
    return " ".join(INVISIBLE.sub("", text).split()) or None


@dataclass(frozen=True)
class Life:
    """The crawled hostile site: its folder, its manifest, the environment the CLI runs with, and the settings."""

    site: Path
    manifest: object
    env: dict[str, str]
    settings: Settings
    work: Path


def run(life: Life, *args: str) -> subprocess.CompletedProcess[str]:
    """`albumml ARGS` in its own process; it must succeed and print no escape sequence on either stream."""
    done = subprocess.run(
        [sys.executable, "-m", "albumml", *args],
        env={**os.environ, "COLUMNS": "200", **life.env},
        capture_output=True,
        text=True,
        timeout=900,
        cwd=life.work,
    )
    assert done.returncode == 0, f"albumml {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    for stream in (done.stdout, done.stderr):
        assert not TERMINAL_ESCAPES.search(stream), f"albumml {args[0]} printed an escape: {stream[-2000:]!r}"
        assert "Traceback" not in stream
    return done


@pytest.fixture(scope="module")
def life(tmp_path_factory: pytest.TempPathFactory, mlflow_tracking: str, module_postgres_url: str) -> Iterator[Life]:
    root = tmp_path_factory.mktemp("hostile-life")
    manifest = generate_site(root / "site", albums=ALBUMS, seed=SEED, faults=Faults(hostile_text=0.3))
    env = {
        "ALBUMML_HOME": str(root / "home"),
        "ALBUMML_DATABASE_URL": module_postgres_url,
        "ALBUMML_MLFLOW_TRACKING_URI": mlflow_tracking,
        "ALBUMML_MLFLOW_EXPERIMENT": "hostile-life",
        "ALBUMML_MODEL_NAME": "album-mood-hostile",
    }
    settings = load_settings(home=root / "home", database_url=module_postgres_url, mlflow_tracking_uri=mlflow_tracking)
    migrated(settings)
    with serving(root / "site") as server:
        crawled = crawl(settings, server.base_url)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    (root / "work").mkdir()
    yield Life(root / "site", manifest, env, settings, root / "work")


def test_the_catalogue_holds_hostile_text_as_the_site_showed_it(life: Life) -> None:
    catalogue = open_catalogue(life.settings)
    hostile = [album for album in life.manifest.albums if HOSTILE_TEXT in album.faults]
    assert len(hostile) == round(0.3 * ALBUMS)
    with Session(catalogue.engine) as session:
        vocabulary = {row.id: row.name for row in session.execute(select(Mood.id, Mood.name))}
    for album in hostile:
        stored = catalogue.album(album.id)
        assert stored is not None, album.id
        assert stored.title == as_stored(album.title)
        assert stored.artist == as_stored(album.artist)
        assert stored.review_author == as_stored(album.review_author)
        expected_review = "\n\n".join(as_stored(p) for p in album.review_paragraphs) or None
        assert stored.review_text == expected_review
        assert stored.genres == [as_stored(tag.name) for tag in album.genres]
        assert stored.styles == [as_stored(tag.name) for tag in album.styles]
        # a page never renames a mood: the catalogue keeps the vocabulary's names, in the page's order
        assert [(link.mood.id, link.mood.name) for link in stored.moods] == [
            (mood.id, vocabulary[mood.id]) for mood in album.moods
        ]
    errors = catalogue.crawl_run(1)[1]
    assert errors == {"vocabulary_mismatch": sum(1 for album in hostile if album.moods)}


def rename_moods_hostile(settings: Settings) -> dict[str, str]:
    """Rename the most used moods to hostile names; returns id -> new name."""
    catalogue = open_catalogue(settings)
    most_used = select(AlbumMood.mood_id).group_by(AlbumMood.mood_id).order_by(func.count().desc(), AlbumMood.mood_id)
    with Session(catalogue.engine) as session:
        ids = list(session.scalars(most_used.limit(len(HOSTILE_MOODS))))
    renamed = dict(zip(ids, HOSTILE_MOODS, strict=True))
    catalogue.upsert_vocabulary(moods=[MoodTag(id=mood_id, name=name) for mood_id, name in renamed.items()])
    return renamed


def assert_formula_free(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.reader(file):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), f"{path.name}: formula cell {cell!r}"


def assert_inert(browser: object, page: Path) -> dict:
    found = injected(browser, page)
    assert found["pwned"] is None, page
    assert "pwned" not in found["title"], page
    assert found["images"] == 0 and found["links"] == 0, (page, found)
    return found


def fill_sheet(blank: Path, out: Path, rater: str, moods: dict[str, list[str]]) -> None:
    """A rater's copy of the blank sheet, saved as a spreadsheet saves text that starts like a formula."""
    with blank.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["rater"] = rater
        cell = ";".join(moods.get(row["album_id"], []))
        row["moods"] = "'" + cell if cell.startswith((*FORMULA_STARTS, "'")) else cell
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_every_command_of_the_life_shows_hostile_text_as_data(life: Life) -> None:
    renamed = rename_moods_hostile(life.settings)
    work = life.work

    created = run(life, "snapshot", "create", "--min-mood-count", str(MIN_MOOD_COUNT)).stdout
    snapshot_id = created.split()[1]
    store = open_store(life.settings)
    snapshot = load_snapshot(store, snapshot_id)
    assert set(renamed.values()) <= set(snapshot.vocabulary)
    shown = run(life, "snapshot", "show", snapshot_id).stdout
    assert "[/]" in shown and "$x^2$ & $$" in shown

    runs = []
    # the classifier and model 4, which holds what models 2 and 3 add: the hostile genres and years as metadata,
    # the hostile mood names embedded as label vectors
    for model in ("1", "4"):
        trained = run(life, "train", "--snapshot", snapshot_id, "--model", model, "--epochs", "4", "--report", "--json")
        runs.append(json.loads(trained.stdout)["run_id"])
    for run_id in runs:
        run(life, "register", run_id)
    listed = run(life, "models", "list").stdout
    assert all(run_id[:8] in listed for run_id in runs)

    covers = sorted((life.site / "www" / "images" / "cover").iterdir())[:3]
    predicted = run(life, "predict", *map(str, covers), "--top", str(len(snapshot.vocabulary))).stdout
    assert "[/]" in predicted and "<script>window.pwned=1</script>" in predicted
    as_json = json.loads(run(life, "predict", str(covers[0]), "--top", "500", "--json").stdout)
    assert set(renamed.values()) <= {m["mood"] for m in as_json[0]["moods"]}

    explained = json.loads(run(life, "explain", *map(str, covers), "--out", "explanations", "--json").stdout)
    assert explained and list((work / "explanations").glob("*.png"))

    run(life, "mood-space", "--out", "mood-space", "--albums", "12")
    hostile_album = next(
        a for a in life.manifest.albums if HOSTILE_TEXT in a.faults and a.id in set(snapshot.manifest["album_id"])
    )
    similar = run(life, "similar", hostile_album.id, "--k", "5").stdout
    assert f"albums nearest {hostile_album.id}" in similar

    run(life, "agreement", "sample", "--n", "8", "--out", "study")
    assert_formula_free(work / "study" / "sheet.csv")
    truth = dict(zip(snapshot.manifest["album_id"], snapshot.manifest["moods"], strict=True))
    with (work / "study" / "sheet.csv").open(newline="", encoding="utf-8") as file:
        sampled = [row["album_id"] for row in csv.DictReader(file)]
    fill_sheet(work / "study" / "sheet.csv", work / "study" / "a.csv", "a", {i: list(truth[i])[:3] for i in sampled})
    fill_sheet(work / "study" / "sheet.csv", work / "study" / "b.csv", "b", {i: list(truth[i])[:2] for i in sampled})
    scored = run(life, "agreement", "score", "study/a.csv", "study/b.csv", "--per-mood").stdout
    assert "kappa" in scored.lower()

    champion_run = runs[0]
    run(life, "report", champion_run, "--out", "reports")
    reports = sorted(work.glob("reports/**/*.html"))
    assert reports
    for table in work.glob("**/*.csv"):
        if table.parent.name != "study" or table.name == "sheet.csv":
            assert_formula_free(table)

    pages = [*reports, work / "mood-space" / "mood_space.html", work / "study" / "rate.html"]
    with chromium() as browser:
        shown = {page: assert_inert(browser, page)["text"] for page in pages}
    assert any(name in shown[reports[0]] for name in ("[/]", "$x^2$ & $$", "@At", "+Plus"))
