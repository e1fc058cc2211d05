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
from albumml.catalogue.models import Album, AlbumMood, AlbumTheme, Mood, Theme
from albumml.catalogue.records import IMPORTED_DESIGN
from albumml.dataset.checks import check_snapshot
from albumml.dataset.config import SnapshotConfig, split_of
from albumml.errors import SnapshotError
from albumml.storage import Store
from albumml.targets import Target

PREFIX = "snapshots/"


@dataclass
class Snapshot:
    """A frozen dataset: the manifest (one row an album), the kept vocabulary and the metadata.

    The manifest's label column is named after the snapshot's target (`moods`, the study's, or `genres`, `styles`,
    `themes`) and keeps the labels in the page's order; the vocabulary is the target's kept labels.
    """

    id: str
    manifest: pd.DataFrame
    vocabulary: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> Target:
        """What the snapshot's models learn (moods for snapshots made before targets existed)."""
        return Target(self.meta.get("config", {}).get("target", Target.MOODS))

    def labels(self, rows: pd.DataFrame | None = None) -> list[list[str]]:
        """Each album's labels in page order, for `rows` of the manifest (all when None)."""
        frame = self.manifest if rows is None else rows
        return [list(labels) for labels in frame[self.target.value]]


def _linked_names_query(target: Target) -> Any:
    """Each album's moods or themes by name, in the page's order."""
    link, vocabulary, column = (
        (AlbumMood, Mood, AlbumMood.mood_id) if target == Target.MOODS else (AlbumTheme, Theme, AlbumTheme.theme_id)
    )
    return (
        select(Album.id, vocabulary.name)
        .join(link, link.album_id == Album.id)
        .join(vocabulary, vocabulary.id == column)
        .order_by(Album.id, link.position)
    )


LEARNABLE = (
    Album.cover_key.is_not(None),
    or_(and_(Album.review_text.is_not(None), Album.review_text != ""), Album.page_design == IMPORTED_DESIGN),
)


def _eligible_albums(catalogue: Catalogue, target: Target) -> list[dict[str, Any]]:
    """Reviewed albums (and albums a labelled-cover import brought) with a stored cover, with the target's labels
    in the page's order."""
    albums: dict[str, dict[str, Any]] = {}
    query = select(Album.id, Album.cover_key, Album.genres, Album.styles, Album.year).where(*LEARNABLE)
    with database_errors(catalogue.engine), catalogue.engine.connect() as connection:
        for album_id, cover_key, genres, styles, year in connection.execute(query.order_by(Album.id)):
            row: dict[str, Any] = {"album_id": album_id, "cover_key": cover_key, "genres": list(genres), "year": year}
            if target == Target.STYLES:
                row["styles"] = list(styles)
            elif target in (Target.MOODS, Target.THEMES):
                row[target.value] = []
            albums[album_id] = row
        if target in (Target.MOODS, Target.THEMES):
            for album_id, name in connection.execute(_linked_names_query(target).where(*LEARNABLE)):
                albums[album_id][target.value].append(name)
    return [row for row in albums.values() if row[target.value]]


def manifest_columns(target: Target) -> list[str]:
    """The manifest's columns: the target's labels, then the genres (metadata) unless they are the target."""
    middle = [target.value] if target == Target.GENRES else [target.value, "genres"]
    return ["album_id", "cover_key", *middle, "year", "split"]


def build_snapshot(catalogue: Catalogue, config: SnapshotConfig | None = None) -> Snapshot:
    """Select, filter and split the catalogue's learnable albums; raise when none qualify."""
    config = config or SnapshotConfig()
    column = config.target.value
    rows = _eligible_albums(catalogue, config.target)
    counts = Counter(label for row in rows for label in dict.fromkeys(row[column]))
    vocabulary = sorted(label for label, n in counts.items() if n >= config.min_mood_count)
    kept = set(vocabulary)
    manifest_rows = []
    for row in rows:
        labels = list(dict.fromkeys(label for label in row[column] if label in kept))
        if labels:
            manifest_rows.append({**row, column: labels, "split": split_of(row["album_id"], config)})
    if not manifest_rows:
        raise SnapshotError(
            f"no album qualifies ({len(rows)} learnable albums with a cover and {column}; none has one of its "
            f"{column} on at least {config.min_mood_count} of them): crawl or import more albums, or lower "
            "--min-mood-count"
        )
    manifest = pd.DataFrame(manifest_rows, columns=manifest_columns(config.target))
    snapshot_id = _content_id(manifest_rows, vocabulary, config)
    training = [row for row in manifest_rows if row["split"] == "train"]
    frequencies = Counter(label for row in training for label in row[column])
    train = len(training)
    meta = {
        "id": snapshot_id,
        "config": config.model_dump(mode="json"),
        "target": column,
        "albums": len(manifest_rows),
        "albums_by_split": dict(Counter(row["split"] for row in manifest_rows)),
        "eligible_albums": len(rows),
        "albums_without_kept_moods": len(rows) - len(manifest_rows),
        "moods_kept": len(vocabulary),
        "moods_dropped": len(counts) - len(vocabulary),
        "dropped_moods": sorted(set(counts) - kept),
        "train_label_frequency": {label: frequencies[label] / train if train else 0.0 for label in vocabulary},
    }
    check_snapshot(snapshot_id, manifest, vocabulary, config)
    return Snapshot(snapshot_id, manifest, vocabulary, meta)


def _content_id(rows: list[dict[str, Any]], vocabulary: list[str], config: SnapshotConfig) -> str:
    canonical = json.dumps(
        {
            "rows": sorted(rows, key=lambda row: row["album_id"]),
            "vocabulary": vocabulary,
            "config": config.identity(),
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
    for column in ("moods", "genres", "styles", "themes"):  # parquet gives arrays back: the lists they were
        if column in manifest:
            manifest[column] = manifest[column].map(list)
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
