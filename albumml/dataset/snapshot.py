"""Snapshots: the albums a model may learn from, frozen with their mood vocabulary and a stable split.

The same catalogue state and configuration give the same snapshot id; an album's split is a function of a hash
of its id alone, so it never changes side as the catalogue grows and no test album leaks into training.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, or_, select

from albumml.catalogue import Catalogue
from albumml.catalogue.engine import database_errors
from albumml.catalogue.imports import IMPORTED_DESIGN
from albumml.catalogue.models import Album, AlbumMood, Mood
from albumml.dataset.checks import check_snapshot
from albumml.dataset.config import SnapshotConfig, split_of
from albumml.errors import SnapshotError
from albumml.storage import Store

PREFIX = "snapshots/"


@dataclass
class Snapshot:
    """A frozen dataset: the manifest (one row an album), the kept vocabulary and the metadata."""

    id: str
    manifest: pd.DataFrame
    vocabulary: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


def _eligible_albums(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Reviewed albums (and albums a labelled-cover import brought) with a stored cover, with their moods in the
    site's order."""
    albums: dict[str, dict[str, Any]] = {}
    query = (
        select(Album.id, Album.cover_key, Album.genres, Album.year, Mood.name)
        .join(AlbumMood, AlbumMood.album_id == Album.id)
        .join(Mood, Mood.id == AlbumMood.mood_id)
        .where(
            Album.cover_key.is_not(None),
            or_(and_(Album.review_text.is_not(None), Album.review_text != ""), Album.page_design == IMPORTED_DESIGN),
        )
        .order_by(Album.id, AlbumMood.position)
    )
    with database_errors(catalogue.engine), catalogue.engine.connect() as connection:
        for album_id, cover_key, genres, year, mood in connection.execute(query):
            row = albums.setdefault(
                album_id,
                {"album_id": album_id, "cover_key": cover_key, "genres": list(genres), "year": year, "moods": []},
            )
            row["moods"].append(mood)
    return list(albums.values())


def build_snapshot(catalogue: Catalogue, config: SnapshotConfig | None = None) -> Snapshot:
    """Select, filter and split the catalogue's learnable albums; raise when none qualify."""
    config = config or SnapshotConfig()
    rows = _eligible_albums(catalogue)
    counts = Counter(mood for row in rows for mood in row["moods"])
    vocabulary = sorted(mood for mood, n in counts.items() if n >= config.min_mood_count)
    kept = set(vocabulary)
    manifest_rows = []
    for row in rows:
        moods = [mood for mood in row["moods"] if mood in kept]
        if moods:
            manifest_rows.append({**row, "moods": moods, "split": split_of(row["album_id"], config)})
    if not manifest_rows:
        raise SnapshotError(
            f"no album qualifies ({len(rows)} reviewed albums with a cover; none has a mood on at least "
            f"{config.min_mood_count} of them): crawl more albums or lower --min-mood-count"
        )
    manifest = pd.DataFrame(manifest_rows, columns=["album_id", "cover_key", "moods", "genres", "year", "split"])
    snapshot_id = _content_id(manifest_rows, vocabulary, config)
    training = [row for row in manifest_rows if row["split"] == "train"]
    frequencies = Counter(mood for row in training for mood in row["moods"])
    train = len(training)
    meta = {
        "id": snapshot_id,
        "config": config.model_dump(),
        "albums": len(manifest_rows),
        "albums_by_split": dict(Counter(row["split"] for row in manifest_rows)),
        "eligible_albums": len(rows),
        "albums_without_kept_moods": len(rows) - len(manifest_rows),
        "moods_kept": len(vocabulary),
        "moods_dropped": len(counts) - len(vocabulary),
        "dropped_moods": sorted(set(counts) - kept),
        "train_label_frequency": {mood: frequencies[mood] / train if train else 0.0 for mood in vocabulary},
    }
    check_snapshot(snapshot_id, manifest, vocabulary, config)
    return Snapshot(snapshot_id, manifest, vocabulary, meta)


def _content_id(rows: list[dict[str, Any]], vocabulary: list[str], config: SnapshotConfig) -> str:
    canonical = json.dumps(
        {
            "rows": sorted(rows, key=lambda row: row["album_id"]),
            "vocabulary": vocabulary,
            "config": config.model_dump(),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def save_snapshot(store: Store, snapshot: Snapshot) -> bool:
    """Write the snapshot under `snapshots/<id>/` unless it is there already (snapshots are immutable)."""
    folder = f"{PREFIX}{snapshot.id}/"
    if store.has_object(folder + "meta.json"):
        return False
    buffer = io.BytesIO()
    snapshot.manifest.to_parquet(buffer, index=False)
    store.put_object(folder + "manifest.parquet", buffer.getvalue())
    store.put_object(folder + "vocabulary.json", json.dumps(snapshot.vocabulary, indent=1).encode())
    store.put_object(folder + "meta.json", json.dumps(snapshot.meta, indent=1, sort_keys=True).encode())
    return True


def load_snapshot(store: Store, snapshot_id: str) -> Snapshot:
    """Read a snapshot back from the store."""
    folder = f"{PREFIX}{snapshot_id}/"
    if not store.has_object(folder + "meta.json"):
        raise SnapshotError(f"no snapshot {snapshot_id!r} in {store.url}; `albumml snapshot list` shows what exists")
    manifest = pd.read_parquet(io.BytesIO(store.get_object(folder + "manifest.parquet")))
    manifest["moods"] = manifest["moods"].map(list)
    manifest["genres"] = manifest["genres"].map(list)
    vocabulary = json.loads(store.get_object(folder + "vocabulary.json"))
    meta = json.loads(store.get_object(folder + "meta.json"))
    return Snapshot(snapshot_id, manifest, vocabulary, meta)


def list_snapshots(store: Store) -> list[dict[str, Any]]:
    """The metadata of every snapshot in the store."""
    return [
        json.loads(store.get_object(info.name))
        for info in store.list_objects(PREFIX)
        if info.name.endswith("/meta.json")
    ]
