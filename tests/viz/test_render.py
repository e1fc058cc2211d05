"""Both drawings of the map: a valid PNG, and a self-contained plotly page whose hovers name moods and albums."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumml.viz.mood_space import PlacedAlbum
from albumml.viz.render import album_label, matplotlib_figure, plotly_figure
from tests.support.browser import chromium
from tests.support.hostile import HOSTILE
from tests.support.viz import plotly_data

HOSTILE_TITLE = "Mood space of $x$ [/] <b>bold</b> \x1b[2J"

MOODS = ["Brash", "Bittersweet", "Literate", "Wistful", "Rollicking", "Eerie", "Sad/Wistful", "Tender & Warm"]


def placed() -> list[PlacedAlbum]:
    return [
        PlacedAlbum(
            "mw0000000001",
            "Songs <of> Love & Hate",
            "Leonard Cohen",
            ["Bittersweet", "Literate"],
            [("Literate", 0.91), ("Wistful", 0.42)],
            (0.5, 0.5),
        ),
        PlacedAlbum("mw0000000002", "Fun House", None, ["Brash"], [("Brash", 0.8)], (-1.0, 2.0)),
    ]


def test_png_is_a_valid_image() -> None:
    xy = np.random.default_rng(0).normal(size=(len(MOODS), 2))
    figure = matplotlib_figure(MOODS, xy, placed(), "a map")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=60)
    image = Image.open(io.BytesIO(buffer.getvalue()))
    image.verify()
    assert image.format == "PNG" and image.size[0] > 500


def test_page_is_self_contained_and_hovers_name_every_mood_and_album() -> None:
    xy = np.random.default_rng(0).normal(size=(len(MOODS), 2))
    page = plotly_figure(MOODS, xy, placed(), "a map").to_html(include_plotlyjs=True)
    assert not re.search(r"<script[^>]+src=", page)
    traces = plotly_data(page)
    moods = next(trace for trace in traces if trace.get("name") == "moods")
    assert [html.unescape(t) for t in moods["hovertext"]] == MOODS and [
        html.unescape(t) for t in moods["text"]
    ] == MOODS
    hovers = " ".join(text for trace in traces for text in trace.get("hovertext", []) if trace.get("name") != "moods")
    assert "Songs &lt;of&gt; Love &amp; Hate" in hovers and "Leonard Cohen" in hovers and "Fun House" in hovers
    assert "true moods: Bittersweet, Literate" in hovers and "Literate (0.91)" in hovers
    lines = [trace for trace in traces if trace.get("mode") == "lines"]
    assert [sum(value is None for value in trace["x"]) for trace in lines] == [2, 1]


def hostile_albums() -> list[PlacedAlbum]:
    """Albums whose titles, artists and moods are hostile text, each with a true and a predicted mood."""
    return [
        PlacedAlbum(
            f"mw{i:010d}",
            text,
            HOSTILE[-1 - i],
            [HOSTILE[(i + 1) % len(HOSTILE)]],
            [(HOSTILE[(i + 2) % len(HOSTILE)], 0.5)],
            (float(i), float(-i)),
        )
        for i, text in enumerate(HOSTILE[:6])
    ]


def test_the_png_draws_hostile_moods_and_titles_as_written() -> None:
    xy = np.random.default_rng(1).normal(size=(len(HOSTILE), 2))
    albums = hostile_albums()
    figure = matplotlib_figure(list(HOSTILE), xy, albums, HOSTILE_TITLE)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "PNG"
    axes = figure.axes[0]
    assert [text.get_text() for text in axes.texts] == list(HOSTILE)
    assert axes.get_title(loc="left") == HOSTILE_TITLE
    assert [text.get_text() for text in axes.get_legend().get_texts()] == [album_label(a) for a in albums]
    drawn = [*axes.texts, axes.title, axes._left_title, *axes.get_legend().get_texts()]
    assert all(not text.get_parse_math() and not text.get_usetex() for text in drawn if text.get_text())


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def test_the_page_shows_hostile_text_once_and_runs_none_of_it(browser, tmp_path: Path) -> None:
    moods = [text for text in HOSTILE if len(text) < 100]
    xy = np.random.default_rng(2).normal(size=(len(moods), 2))
    albums = [a for a in hostile_albums() if {*a.moods, *(m for m, _ in a.predicted)} <= set(moods)]
    path = tmp_path / "mood_space.html"
    path.write_text(plotly_figure(moods, xy, albums, HOSTILE_TITLE).to_html(include_plotlyjs=True), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("g.textpoint text")
        found = page.evaluate(
            """() => ({
                pwned: window.pwned === undefined ? null : String(window.pwned),
                title: document.title,
                links: document.querySelectorAll("svg a, a[href*='evil']").length,
                images: document.querySelectorAll("img").length,
                moods: Array.from(document.querySelectorAll("g.textpoint text"), (t) => t.textContent),
                legend: Array.from(document.querySelectorAll("text.legendtext"), (t) => t.textContent),
                heading: document.querySelector(".gtitle").textContent,
            })"""
        )
    finally:
        page.close()
    assert found["pwned"] is None and found["title"] == "" and found["links"] == 0 and found["images"] == 0
    assert found["moods"] == [m.replace("\n", "") for m in moods]
    assert found["legend"] == ["moods", *(album_label(a) for a in albums)]
    assert found["heading"] == HOSTILE_TITLE
