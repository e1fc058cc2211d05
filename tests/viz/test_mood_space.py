"""`albumml mood-space` end to end against the session's registered champion, and the map's meaning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from albumml.catalogue import open_catalogue
from albumml.dataset import load_snapshot
from albumml.recommend.albums import album_details
from albumml.registry.models import resolve_model
from albumml.storage import open_store
from albumml.viz import mood_space, mood_vectors
from tests.support.analysis import AnalysisChampion, run_albumml
from tests.support.viz import plotly_data


def test_mood_space_writes_a_png_and_an_offline_page_with_every_mood_and_album(
    analysis_champion: AnalysisChampion, tmp_path: Path
) -> None:
    shown = run_albumml(analysis_champion, "mood-space", "--albums", "6", "--out", str(tmp_path), "--json")
    assert shown.returncode == 0, shown.stderr[-3000:]
    result = json.loads(shown.stdout)
    assert result["snapshot_id"] == analysis_champion.snapshot_id
    store = open_store(analysis_champion.settings())
    snapshot = load_snapshot(store, analysis_champion.snapshot_id)
    test_ids = set(snapshot.manifest.loc[snapshot.manifest["split"] == "test", "album_id"])
    placed = result["albums"]
    assert len(placed) == 6 and {album["album_id"] for album in placed} <= test_ids

    image = Image.open(tmp_path / "mood_space.png")
    image.verify()
    assert image.format == "PNG" and min(image.size) > 600

    page = (tmp_path / "mood_space.html").read_text(encoding="utf-8")
    assert "<script src=" not in page
    traces = plotly_data(page)
    moods = next(trace for trace in traces if trace.get("name") == "moods")
    assert sorted(moods["hovertext"]) == sorted(snapshot.vocabulary) == sorted(set(moods["hovertext"]))
    hovers = " ".join(text for trace in traces for text in trace.get("hovertext", []) if trace.get("name") != "moods")
    titles = album_details(open_catalogue(analysis_champion.settings()), [a["album_id"] for a in placed])
    for album in placed:
        assert album["album_id"] in hovers
        assert album["title"] == titles[album["album_id"]].title
        assert set(album["moods"]) <= set(snapshot.vocabulary)
        assert f"predicted: {album['predicted'][0]['mood']} (" in hovers


def test_given_albums_are_placed_and_an_unknown_one_is_named(
    analysis_champion: AnalysisChampion, tmp_path: Path
) -> None:
    manifest = load_snapshot(open_store(analysis_champion.settings()), analysis_champion.snapshot_id).manifest
    train = manifest.loc[manifest["split"] == "train", "album_id"].iloc[:2].tolist()
    shown = run_albumml(
        analysis_champion,
        "mood-space",
        "--album",
        train[0],
        "--album",
        train[1].upper(),
        "--out",
        str(tmp_path),
        "--seed",
        "3",
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert train[0] in shown.stdout and train[1] in shown.stdout and "mood_space.html" in shown.stdout
    page = (tmp_path / "mood_space.html").read_text(encoding="utf-8")
    assert train[0] in page and train[1] in page

    unknown = run_albumml(analysis_champion, "mood-space", "--album", "mw0999999999", "--out", str(tmp_path))
    assert unknown.returncode == 1
    assert "mw0999999999" in unknown.stderr and "Traceback" not in unknown.stderr


def test_moods_near_in_embedding_space_are_near_on_the_map(analysis_champion: AnalysisChampion) -> None:
    settings = analysis_champion.settings()
    space = mood_space(settings, albums=10, seed=1)
    assert len(space.albums) == 10 and space.png()[:8] == b"\x89PNG\r\n\x1a\n"
    vectors = mood_vectors(resolve_model(settings).load(), open_store(settings))
    cosine = vectors @ vectors.T
    np.fill_diagonal(cosine, -np.inf)
    neighbour = cosine.argmax(axis=1)
    xy = space.mood_xy
    # against chance: a random other mood sits at the mean pairwise distance, and among a mood's 10 nearest on
    # the map with probability 10/139 (measured on this map: 0.55 of the mean, and 44% in the 5 nearest)
    near = np.linalg.norm(xy - xy[neighbour], axis=1).mean()
    pairs = np.linalg.norm(xy[:, None] - xy[None, :], axis=2)
    everyone = pairs[np.triu_indices(len(xy), 1)].mean()
    assert near < 0.7 * everyone
    np.fill_diagonal(pairs, np.inf)
    rank = np.array([(pairs[i] < pairs[i, neighbour[i]]).sum() for i in range(len(xy))])
    assert np.mean(rank < 10) > 4 * 10 / (len(xy) - 1)
