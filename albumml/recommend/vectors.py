"""Predicted per-mood scores of catalogue albums, from the backbone features cached in the store per cover."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from albumml.models.bundle import MoodModel
from albumml.models.features import extract_features
from albumml.recommend.index import AlbumInput, Vectorise, Vectors
from albumml.storage import Store

CHUNK = 4096


@dataclass
class Progress:
    """Callbacks for a progress display: how many covers there are to go through, and each batch done."""

    total: Callable[[int], None] | None = None
    advance: Callable[[int], None] | None = None


def album_scores(model: MoodModel, albums: Sequence[AlbumInput], features: dict[str, np.ndarray]) -> np.ndarray:
    """The model's per-mood scores (albums x vocabulary) from each album's cover features (and metadata)."""
    matrix = torch.from_numpy(np.stack([features[album.cover_key] for album in albums]).astype(np.float32))
    metadata = model.metadata([list(a.genres) for a in albums], [a.year for a in albums], len(albums))
    return model.scores_from_features(matrix, metadata)


def model_vectoriser(
    model: Callable[[], MoodModel], store: Store, *, chunk: int = CHUNK, progress: Progress | None = None
) -> Vectorise:
    """Vectorises albums in chunks: cached features (computed and cached where missing), then the model's head.

    `model` is called on first use, so an index with nothing to compute never loads the model.
    """
    progress = progress or Progress()

    def vectorise(albums: Sequence[AlbumInput]) -> Vectors:
        parts = [list(albums[start : start + chunk]) for start in range(0, len(albums), chunk)]
        if progress.total is not None:
            progress.total(sum(len({album.cover_key for album in part}) for part in parts))
        mood_model = model()
        ids: list[str] = []
        rows: list[np.ndarray] = []
        failed: dict[str, str] = {}
        for part in parts:
            covers = [album.cover_key for album in part]
            features = extract_features(store, mood_model.backbone, covers, progress=progress.advance)
            by_cover = dict(zip(features.cover_keys, features.vectors, strict=True))
            usable = [album for album in part if album.cover_key in by_cover]
            failed.update({a.album_id: features.failed[a.cover_key] for a in part if a.cover_key in features.failed})
            if usable:
                rows.append(album_scores(mood_model, usable, by_cover))
                ids += [album.album_id for album in usable]
        width = len(mood_model.vocabulary)
        return Vectors(ids, np.concatenate(rows) if rows else np.zeros((0, width), np.float32), failed)

    return vectorise
