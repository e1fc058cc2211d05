"""Both drawings of the map: a valid PNG, and a self-contained plotly page whose hovers name moods and albums."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image

from albumml.viz.mood_space import PlacedAlbum
from albumml.viz.render import matplotlib_figure, plotly_figure
from tests.support.viz import plotly_data

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
    assert moods["hovertext"] == MOODS and moods["text"] == MOODS
    hovers = " ".join(text for trace in traces for text in trace.get("hovertext", []) if trace.get("name") != "moods")
    assert "Songs &lt;of&gt; Love &amp; Hate" in hovers and "Leonard Cohen" in hovers and "Fun House" in hovers
    assert "true moods: Bittersweet, Literate" in hovers and "Literate (0.91)" in hovers
    lines = [trace for trace in traces if trace.get("mode") == "lines"]
    assert [sum(value is None for value in trace["x"]) for trace in lines] == [2, 1]
