"""The mood-space map: a t-SNE picture of the mood vocabulary's label embeddings with albums placed where their
predictions fall, beside their true moods (the study's figure), as a PNG and a self-contained interactive page.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from albumml.catalogue import Catalogue, open_catalogue
from albumml.config import Settings
from albumml.dataset.snapshot import Snapshot, load_snapshot
from albumml.errors import AnalysisError, NoVectorError, SnapshotError, UnknownAlbumError
from albumml.models.bundle import MoodModel
from albumml.models.features import extract_features
from albumml.recommend.albums import (
    AlbumDetails,
    album_details,
    no_cover_message,
    normalise_id,
    require_albums,
)
from albumml.registry.models import resolve_model
from albumml.storage import Store, open_store
from albumml.viz.layout import tsne_layout
from albumml.viz.placed import PlacedAlbum
from albumml.viz.points import TOP, mood_vectors, predict_points
from albumml.viz.render import matplotlib_figure, plotly_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

ALBUMS = 12
PNG_NAME = "mood_space.png"
HTML_NAME = "mood_space.html"


@dataclass
class MoodSpace:
    """The map's data and both figures; `save` writes the PNG and the HTML page."""

    moods: list[str]
    mood_xy: np.ndarray
    albums: list[PlacedAlbum]
    title: str
    figure: Figure
    plotly: Any
    model_uri: str = ""
    snapshot_id: str = ""
    png_path: Path | None = None
    html_path: Path | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    def png(self, dpi: int = 150) -> bytes:
        """The matplotlib figure as PNG bytes (to embed in a report)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()

    def html(self, include_plotlyjs: bool | str = True, full_html: bool = True) -> str:
        """The interactive figure as HTML; plotly.js inlined by default, so the page opens offline."""
        return self.plotly.to_html(include_plotlyjs=include_plotlyjs, full_html=full_html)

    def save(self, folder: Path, dpi: int = 150) -> tuple[Path, Path]:
        """Write `mood_space.png` and `mood_space.html` (self-contained) under `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        self.png_path, self.html_path = folder / PNG_NAME, folder / HTML_NAME
        self.png_path.write_bytes(self.png(dpi))
        self.html_path.write_text(self.html(), encoding="utf-8")
        return self.png_path, self.html_path


@dataclass(frozen=True)
class ChosenAlbum:
    """An album picked for the map: what its prediction is computed from, its true moods, title and artist."""

    album_id: str
    cover_key: str
    genres: list[str]
    year: int | None
    moods: list[str]
    title: str
    artist: str | None


def _from_manifest(row: dict[str, Any], details: dict[str, AlbumDetails], labels: str = "moods") -> ChosenAlbum:
    about = details.get(row["album_id"])
    year = None if pd.isna(row["year"]) else int(row["year"])
    return ChosenAlbum(
        row["album_id"],
        row["cover_key"],
        list(row["genres"]),
        year,
        list(row[labels]),  # the snapshot target's labels (moods unless it learns genres, styles or themes)
        about.title if about else row["album_id"],
        about.artist if about else None,
    )


def _given_albums(snapshot: Snapshot, catalogue: Catalogue | None, album_ids: Sequence[str]) -> list[ChosenAlbum]:
    ids = list(dict.fromkeys(normalise_id(album_id) for album_id in album_ids))
    manifest = snapshot.manifest.set_index("album_id", drop=False)
    details = {album.album_id: album for album in require_albums(catalogue, ids)} if catalogue is not None else {}
    outside = [album_id for album_id in ids if album_id not in manifest.index and album_id not in details]
    if outside:
        raise UnknownAlbumError(
            f"albums {', '.join(outside)} are not in snapshot {snapshot.id}; open the catalogue to place others"
        )
    chosen = []
    for album_id in ids:
        if album_id in manifest.index:
            chosen.append(_from_manifest(manifest.loc[album_id].to_dict(), details, snapshot.target.value))
            continue
        album = details[album_id]
        if album.cover_key is None:
            raise NoVectorError(no_cover_message(album))
        chosen.append(
            ChosenAlbum(
                album.album_id,
                album.cover_key,
                list(album.genres),
                album.year,
                list(album.moods),
                album.title,
                album.artist,
            )
        )
    return chosen


def choose_albums(
    snapshot: Snapshot,
    catalogue: Catalogue | None,
    *,
    albums: int = ALBUMS,
    album_ids: Sequence[str] | None = None,
    seed: int = 0,
) -> list[ChosenAlbum]:
    """The given albums (from the snapshot, else the catalogue), or `albums` random test albums of the snapshot."""
    if album_ids:
        return _given_albums(snapshot, catalogue, album_ids)
    test = snapshot.manifest[snapshot.manifest["split"] == "test"]
    if test.empty:
        raise SnapshotError(f"snapshot {snapshot.id} has no test albums to place; pass album ids with --album")
    picked = test.sample(n=min(max(albums, 0), len(test)), random_state=seed)
    details = album_details(catalogue, list(picked["album_id"])) if catalogue is not None else {}
    return [_from_manifest(row, details, snapshot.target.value) for row in picked.to_dict("records")]


def mood_space_figure(
    model: MoodModel,
    store: Store,
    snapshot: Snapshot,
    *,
    catalogue: Catalogue | None = None,
    albums: int = ALBUMS,
    album_ids: Sequence[str] | None = None,
    seed: int = 0,
    top: int = TOP,
    model_uri: str = "",
    out: Path | None = None,
) -> MoodSpace:
    """The map of `model`'s mood vocabulary with chosen albums of `snapshot` (or given ids) placed in it.

    Titles and artists come from `catalogue` when given; with `out` the PNG and HTML are written there.
    """
    chosen = choose_albums(snapshot, catalogue, albums=albums, album_ids=album_ids, seed=seed)
    features = extract_features(store, model.backbone, [album.cover_key for album in chosen])
    skipped = {
        album.album_id: features.failed[album.cover_key] for album in chosen if album.cover_key in features.failed
    }
    if skipped and album_ids:
        album_id, reason = next(iter(skipped.items()))
        raise NoVectorError(f"album {album_id} has no vector in mood space: its cover could not be read ({reason})")
    for album_id, reason in skipped.items():
        log.warning("album %s left off the map: its cover could not be read (%s)", album_id, reason)
    placed = [album for album in chosen if album.album_id not in skipped]
    by_cover = dict(zip(features.cover_keys, features.vectors, strict=True))
    label_vectors = mood_vectors(model, store)
    vocabulary = list(model.vocabulary)
    if placed:
        matrix = torch.from_numpy(np.stack([by_cover[album.cover_key] for album in placed]).astype(np.float32))
        metadata = model.metadata([a.genres for a in placed], [a.year for a in placed], len(placed))
        predictions = predict_points(model, matrix, metadata, label_vectors, top)
        points = predictions.points
    else:
        points = np.zeros((0, label_vectors.shape[1]), np.float32)
    xy = tsne_layout(np.concatenate([label_vectors, points]), seed=seed)
    mood_xy, album_xy = xy[: len(vocabulary)], xy[len(vocabulary) :]
    known = set(vocabulary)
    ranked = model.rank(predictions.scores, top) if placed else []
    albums_on_map = [
        PlacedAlbum(
            album.album_id,
            album.title,
            album.artist,
            [m for m in album.moods if m in known],
            ranked[i],
            (float(album_xy[i, 0]), float(album_xy[i, 1])),
        )
        for i, album in enumerate(placed)
    ]
    title = (
        f"Mood space: {len(vocabulary)} moods (t-SNE of their label embeddings) and {len(placed)} albums' predictions"
        + (f" ({model_uri}, snapshot {snapshot.id})" if model_uri else f" (snapshot {snapshot.id})")
    )
    space = MoodSpace(
        vocabulary,
        mood_xy,
        albums_on_map,
        title,
        matplotlib_figure(vocabulary, mood_xy, albums_on_map, title),
        plotly_figure(vocabulary, mood_xy, albums_on_map, title),
        model_uri,
        snapshot.id,
        skipped=skipped,
    )
    if out is not None:
        space.save(out)
    return space


def mood_space(
    settings: Settings,
    *,
    model_uri: str | None = None,
    snapshot_id: str | None = None,
    albums: int = ALBUMS,
    album_ids: Sequence[str] | None = None,
    seed: int = 0,
    out: Path | None = None,
) -> MoodSpace:
    """The map for a model URI (default: the champion) on a snapshot (default: the one the model was trained on)."""
    catalogue = open_catalogue(settings)
    if album_ids:
        require_albums(catalogue, album_ids)
    analysed = resolve_model(settings, model_uri)
    snapshot_id = snapshot_id or analysed.snapshot_id
    if not snapshot_id:
        raise AnalysisError(
            f"model {analysed.uri} has no snapshot_id tag to say what it was trained on; pass --snapshot "
            "(`albumml snapshot list` shows them)"
        )
    store = open_store(settings)
    return mood_space_figure(
        analysed.load(),
        store,
        load_snapshot(store, snapshot_id),
        catalogue=catalogue,
        albums=albums,
        album_ids=album_ids,
        seed=seed,
        model_uri=analysed.describe(),
        out=out,
    )
