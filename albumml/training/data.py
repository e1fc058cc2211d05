"""The tensors a head trains on: a snapshot's albums with their cached features, metadata and moods, by split."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from albumml.dataset.snapshot import Snapshot
from albumml.errors import SnapshotError
from albumml.evaluation import multi_hot
from albumml.models.backbones import Backbone
from albumml.models.features import FeatureSet, extract_features
from albumml.models.fitting import HeadData
from albumml.models.heads import metadata_features
from albumml.storage import Store
from albumml.targets import Target

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
MAX_ORDERED = 40


@dataclass
class TrainingData:
    """Each split's tensors, the vocabulary and genres they index, and the covers that could not be read."""

    splits: dict[str, HeadData]
    vocabulary: list[str]
    genres: list[str]
    album_ids: dict[str, list[str]]
    example_cover: str
    skipped: dict[str, str] = field(default_factory=dict)
    target: Target = Target.MOODS


def ordered_indices(mood_lists: list[list[str]], vocabulary: list[str], width: int = MAX_ORDERED) -> torch.Tensor:
    """Each album's moods as vocabulary indices in the site's order, padded with -1."""
    index = {mood: i for i, mood in enumerate(vocabulary)}
    rows = np.full((len(mood_lists), width), -1, dtype=np.int64)
    for row, moods in enumerate(mood_lists):
        positions = [index[mood] for mood in moods if mood in index][:width]
        rows[row, : len(positions)] = positions
    return torch.from_numpy(rows)


def years_of(manifest: pd.DataFrame) -> list[int | None]:
    """The manifest's years, None where unknown."""
    return [None if pd.isna(year) else int(year) for year in manifest["year"]]


def metadata_genres(snapshot: Snapshot) -> list[str]:
    """The genres models 2 and 4 take as metadata: none when the genres are what they learn (nothing leaks)."""
    if snapshot.target == Target.GENRES:
        return []
    return sorted({genre for album in snapshot.manifest["genres"] for genre in album})


def head_data(
    manifest: pd.DataFrame,
    vectors: np.ndarray,
    vocabulary: list[str],
    genres: list[str],
    target: Target = Target.MOODS,
) -> HeadData:
    """One split's tensors from its manifest rows and their feature vectors (same order): the target's labels as
    truth and in page order, and metadata (`genres` multi-hot, none for a genres target, and the year)."""
    labels = [list(m) for m in manifest[target.value]]
    genre_lists = [list(g) for g in manifest["genres"]] if genres else [[] for _ in range(len(manifest))]
    return HeadData(
        features=torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)),
        truth=torch.from_numpy(multi_hot(labels, vocabulary)),
        ordered_moods=ordered_indices(labels, vocabulary),
        metadata=metadata_features(genre_lists, years_of(manifest), genres),
    )


def readable_features(
    store: Store,
    backbone: Backbone,
    rows: pd.DataFrame,
    *,
    device: str | None = None,
    progress: Callable[[int], None] | None = None,
    features: FeatureSet | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, str]]:
    """The manifest rows whose covers could be read, their feature vectors by cover key, and why others could not
    (from `features` when the caller already extracted them for these rows)."""
    if features is None:
        features = extract_features(store, backbone, list(rows["cover_key"]), device=device, progress=progress)
    by_cover = dict(zip(features.cover_keys, features.vectors, strict=True))
    return rows[rows["cover_key"].isin(by_cover)], by_cover, features.failed


def prepare(
    store: Store,
    snapshot: Snapshot,
    backbone: Backbone,
    *,
    device: str | None = None,
    progress: Callable[[int], None] | None = None,
    features: FeatureSet | None = None,
) -> TrainingData:
    """Cached (or newly computed) features of the snapshot's covers, split; unreadable covers skipped and counted.
    `features`, when given, are the snapshot's covers' already extracted (nothing is read again)."""
    manifest = snapshot.manifest
    if manifest.empty:
        raise SnapshotError(f"snapshot {snapshot.id} holds no albums: crawl more, or lower --min-mood-count")
    readable, by_cover, failed = readable_features(
        store, backbone, manifest, device=device, progress=progress, features=features
    )
    if failed:
        log.warning("%d covers of snapshot %s skipped: %s", len(failed), snapshot.id, failed)
    genres = metadata_genres(snapshot)
    splits: dict[str, HeadData] = {}
    album_ids: dict[str, list[str]] = {}
    for split in SPLITS:
        rows = readable[readable["split"] == split]
        if rows.empty:
            raise SnapshotError(f"snapshot {snapshot.id} has no readable {split} albums: it is too small to train on")
        vectors = np.stack([by_cover[key] for key in rows["cover_key"]])
        splits[split] = head_data(rows, vectors, snapshot.vocabulary, genres, snapshot.target)
        album_ids[split] = list(rows["album_id"])
    example = str(readable["cover_key"].iloc[0])
    return TrainingData(splits, list(snapshot.vocabulary), genres, album_ids, example, dict(failed), snapshot.target)
