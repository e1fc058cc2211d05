"""Albums near each other in mood space: the catalogue's predicted mood scores under one model, kept in the store.

The vectors are computed once per model (from the backbone features cached per cover) and refreshed incrementally;
a query is then one matrix-vector product over the kept, normalised float32 matrix.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from albumml.catalogue import Catalogue, open_catalogue
from albumml.config import Settings
from albumml.errors import NoVectorError
from albumml.recommend.albums import (
    AlbumDetails,
    album_details,
    albums_with_cover,
    no_cover_message,
    require_albums,
)
from albumml.recommend.index import MoodIndex, refresh
from albumml.recommend.persistence import IndexMeta, folder, load_index, save_index
from albumml.recommend.vectors import Progress, model_vectoriser
from albumml.registry.models import AnalysedModel, resolve_model
from albumml.storage import Store, open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexStatus:
    """Where the catalogue's vectors are kept and what the last refresh did."""

    key: str
    location: str
    albums: int
    reused: int
    computed: int
    removed: int
    without_vector: int
    written: bool
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """The status as JSON-ready data."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class SimilarAlbum:
    """An album with its cosine to the query, its moods from the catalogue and its top predicted moods."""

    album_id: str
    title: str
    artist: str | None
    cosine: float
    moods: list[str]
    predicted: list[tuple[str, float]]

    def as_dict(self) -> dict[str, object]:
        """The album as JSON-ready data."""
        return {
            "album_id": self.album_id,
            "title": self.title,
            "artist": self.artist,
            "cosine": self.cosine,
            "moods": self.moods,
            "predicted": [{"mood": m, "score": s} for m, s in self.predicted],
        }


@dataclass(frozen=True)
class SimilarAlbums:
    """The query album and its nearest albums, best first, with the model and index behind them."""

    query: SimilarAlbum
    albums: list[SimilarAlbum]
    model_uri: str
    index: IndexStatus
    query_ms: float

    def as_dict(self) -> dict[str, object]:
        """The result as JSON-ready data."""
        return {
            "query": self.query.as_dict(),
            "albums": [album.as_dict() for album in self.albums],
            "model_uri": self.model_uri,
            "index": self.index.as_dict(),
            "query_ms": self.query_ms,
        }


@dataclass
class CatalogueIndex:
    """The catalogue's albums in mood space under one model, ready for repeated queries."""

    model: AnalysedModel
    index: MoodIndex
    meta: IndexMeta
    status: IndexStatus
    catalogue: Catalogue

    def predicted(self, row: int, top: int = 5) -> list[tuple[str, float]]:
        """The top predicted moods of an indexed album with the model's scores."""
        scores = self.index.scores(row)
        order = np.argsort(-scores, kind="stable")[: max(1, top)]
        return [(self.meta.vocabulary[j], float(scores[j])) for j in order]

    def require_vector(self, album: AlbumDetails) -> int:
        """The album's row; NoVectorError saying why it has none."""
        row = self.index.row(album.album_id)
        if row is not None:
            return row
        if album.cover_key is None:
            raise NoVectorError(no_cover_message(album))
        failure = self.meta.failed.get(album.album_id)
        reason = f"its cover could not be read ({failure.reason})" if failure else "it is not in the kept vectors"
        raise NoVectorError(
            f"album {album.album_id} ({album.title}) has no vector in mood space: {reason}; "
            "`albumml store verify` finds unreadable covers, and a re-crawl replaces them"
        )

    def similar(self, album_id: str, k: int = 10, top: int = 5) -> SimilarAlbums:
        """The `k` albums nearest `album_id` by cosine of their predicted mood scores, best first."""
        [album] = require_albums(self.catalogue, [album_id])
        row = self.require_vector(album)
        started = time.perf_counter()
        nearest = self.index.nearest_to_vector(self.index.vectors[row], k, row)
        query_ms = (time.perf_counter() - started) * 1000
        details = album_details(self.catalogue, [self.index.ids[other] for other, _ in nearest])

        def shown(position: int, cosine: float, about: AlbumDetails | None) -> SimilarAlbum:
            album_id = self.index.ids[position]
            title, artist, moods = (about.title, about.artist, about.moods) if about else (album_id, None, [])
            return SimilarAlbum(album_id, title, artist, cosine, moods, self.predicted(position, top))

        return SimilarAlbums(
            query=shown(row, 1.0, album),
            albums=[shown(other, cosine, details.get(self.index.ids[other])) for other, cosine in nearest],
            model_uri=self.model.describe(),
            index=self.status,
            query_ms=query_ms,
        )


def catalogue_index(
    settings: Settings,
    model_uri: str | None = None,
    *,
    catalogue: Catalogue | None = None,
    store: Store | None = None,
    progress: Progress | None = None,
) -> CatalogueIndex:
    """The catalogue's vectors under the model (default: the champion): kept ones reused, new albums added, saved."""
    started = time.perf_counter()
    model = resolve_model(settings, model_uri)
    catalogue = catalogue or open_catalogue(settings)
    store = store or open_store(settings)
    kept = load_index(store, model.key)
    if kept is None:
        mood_model = model.load()
        meta = IndexMeta(model.uri, model.identity, list(mood_model.vocabulary), mood_model.variant.uses_metadata)
        index = None
    else:
        index, meta = kept
    albums = albums_with_cover(catalogue, with_metadata=meta.with_metadata)
    vectorise = model_vectoriser(model.load, store, progress=progress)
    result = refresh(index, albums, vectorise, with_metadata=meta.with_metadata, failures=meta.failed)
    written = result.changed or kept is None
    if written:
        meta = save_index(store, model.key, result.index, replace(meta, failed=result.failed))
    status = IndexStatus(
        key=model.key,
        location=f"{store.url}/{folder(model.key)}",
        albums=len(result.index),
        reused=result.reused,
        computed=result.computed,
        removed=result.removed,
        without_vector=len(result.failed),
        written=written,
        seconds=time.perf_counter() - started,
    )
    log.info(
        "mood-space vectors of %d albums: %d reused, %d computed, %d dropped",
        status.albums,
        status.reused,
        status.computed,
        status.removed,
    )
    return CatalogueIndex(model, result.index, meta, status, catalogue)


def similar_albums(
    settings: Settings,
    album_id: str,
    *,
    k: int = 10,
    model_uri: str | None = None,
    top: int = 5,
    progress: Progress | None = None,
) -> SimilarAlbums:
    """The `k` albums nearest `album_id` in mood space; the album is checked before any model is loaded."""
    catalogue = open_catalogue(settings)
    [album] = require_albums(catalogue, [album_id])
    if album.cover_key is None:
        raise NoVectorError(no_cover_message(album))
    return catalogue_index(settings, model_uri, catalogue=catalogue, progress=progress).similar(album.album_id, k, top)
