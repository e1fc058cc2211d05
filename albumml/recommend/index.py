"""The mood-space index: one L2-normalised float32 row of predicted mood scores per album, searched by cosine.

A query is one matrix-vector product and an `np.argpartition`, so it stays in milliseconds at the study's
127,467 albums; rows are refreshed incrementally as albums arrive, change cover or leave the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class AlbumInput:
    """What an album's vector is computed from: its cover, and the genres and year models 2 and 4 also read."""

    album_id: str
    cover_key: str
    genres: tuple[str, ...] = ()
    year: int | None = None

    def fingerprint(self, with_metadata: bool) -> str:
        """Changes exactly when the album's vector would: the cover, plus genres and year for metadata models."""
        if not with_metadata:
            return self.cover_key
        return f"{self.cover_key}|{','.join(self.genres)}|{'' if self.year is None else self.year}"


@dataclass(frozen=True)
class Vectors:
    """Raw per-mood score rows of the albums that could be vectorised, and why the others could not."""

    ids: list[str]
    scores: np.ndarray
    failed: dict[str, str] = field(default_factory=dict)


Vectorise = Callable[[Sequence[AlbumInput]], Vectors]


def normalise(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows scaled to unit length as float32 (all-zero rows stay zero) and their original norms."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1)
    safe = np.where(norms == 0, 1, norms).astype(np.float32)
    return np.ascontiguousarray(rows / safe[:, None]), norms.astype(np.float32)


@dataclass
class MoodIndex:
    """Album ids, their unit-length score rows, the rows' original norms and the input fingerprints."""

    ids: list[str]
    vectors: np.ndarray
    norms: np.ndarray
    fingerprints: list[str]
    _rows: dict[str, int] | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, width: int) -> MoodIndex:
        """An index without albums, for vectors of `width` moods."""
        return cls([], np.zeros((0, width), np.float32), np.zeros(0, np.float32), [])

    @classmethod
    def from_scores(cls, ids: Sequence[str], scores: np.ndarray, fingerprints: Sequence[str]) -> MoodIndex:
        """An index of raw score rows (normalised here)."""
        vectors, norms = normalise(scores)
        return cls(list(ids), vectors, norms, list(fingerprints))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def width(self) -> int:
        """How many moods each row scores."""
        return int(self.vectors.shape[1])

    def row(self, album_id: str) -> int | None:
        """The row of an album, or None when it is not indexed."""
        if self._rows is None:
            self._rows = {album_id: row for row, album_id in enumerate(self.ids)}
        return self._rows.get(album_id)

    def scores(self, row: int) -> np.ndarray:
        """The album's predicted per-mood scores as the model gave them."""
        return self.vectors[row] * self.norms[row]

    def nearest_to_vector(self, vector: np.ndarray, k: int, exclude: int | None = None) -> list[tuple[int, float]]:
        """The `k` rows of highest cosine to `vector` (unit length), best first, leaving out row `exclude`."""
        cosines = self.vectors @ np.asarray(vector, dtype=np.float32)
        if exclude is not None:
            cosines[exclude] = -np.inf
        available = len(self.ids) - (exclude is not None)
        k = min(k, available)
        if k <= 0:
            return []
        top = np.argpartition(-cosines, k - 1)[:k] if k < len(cosines) else np.arange(len(cosines))
        top = top[np.lexsort((top, -cosines[top]))]
        return [(int(row), float(cosines[row])) for row in top]

    def nearest(self, album_id: str, k: int = 10) -> list[tuple[str, float]]:
        """The `k` albums nearest `album_id` by cosine, best first, without the album itself."""
        row = self.row(album_id)
        if row is None:
            raise KeyError(album_id)
        return [(self.ids[other], cosine) for other, cosine in self.nearest_to_vector(self.vectors[row], k, row)]


@dataclass(frozen=True)
class Failure:
    """An album that got no vector, the inputs it was tried with and why."""

    fingerprint: str
    reason: str


@dataclass(frozen=True)
class Refresh:
    """The refreshed index and what it took: rows kept, computed, dropped, and albums that got no vector."""

    index: MoodIndex
    reused: int
    computed: int
    removed: int
    failed: dict[str, Failure]
    changed: bool


def refresh(
    index: MoodIndex | None,
    albums: Sequence[AlbumInput],
    vectorise: Vectorise,
    *,
    with_metadata: bool = False,
    failures: Mapping[str, Failure] | None = None,
) -> Refresh:
    """The index for `albums`: unchanged rows kept as they are, new or changed albums vectorised, gone ones dropped.

    Albums in `failures` are not tried again until their inputs change (a new cover, or new metadata).
    """
    wanted = {album.album_id: album.fingerprint(with_metadata) for album in albums}
    old = index if index is not None else MoodIndex.empty(0)
    keep = [row for row, album_id in enumerate(old.ids) if wanted.get(album_id) == old.fingerprints[row]]
    kept = {old.ids[row] for row in keep}
    still_failed = {
        album_id: failure
        for album_id, failure in (failures or {}).items()
        if wanted.get(album_id) == failure.fingerprint and album_id not in kept
    }
    pending = [album for album in albums if album.album_id not in kept and album.album_id not in still_failed]
    fresh = vectorise(pending) if pending else Vectors([], np.zeros((0, old.width), np.float32))
    vectors, norms = normalise(fresh.scores)
    if not fresh.ids:
        vectors, norms = old.vectors[keep], old.norms[keep]
    elif keep:
        if vectors.shape[1] != old.width:
            raise ValueError(f"new vectors score {vectors.shape[1]} moods where the index scores {old.width}")
        vectors, norms = np.concatenate([old.vectors[keep], vectors]), np.concatenate([old.norms[keep], norms])
    merged = MoodIndex(
        [old.ids[row] for row in keep] + list(fresh.ids),
        np.ascontiguousarray(vectors, dtype=np.float32),
        norms.astype(np.float32),
        [old.fingerprints[row] for row in keep] + [wanted[album_id] for album_id in fresh.ids],
    )
    failed = {**still_failed, **{album_id: Failure(wanted[album_id], why) for album_id, why in fresh.failed.items()}}
    removed = len(old) - len(keep)
    changed = bool(fresh.ids or removed or failed != dict(failures or {}))
    return Refresh(merged, len(keep), len(fresh.ids), removed, failed, changed)
