"""The index kept in the store per model: `similar/<key>/vectors.npy`, `ids.parquet` and `meta.json`."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from albumml.recommend.index import Failure, MoodIndex
from albumml.storage import Store

log = logging.getLogger(__name__)

PREFIX = "similar/"
FORMAT = 1


@dataclass(frozen=True)
class IndexMeta:
    """What a kept index was computed with: the model, its vocabulary, and albums that got no vector."""

    model_uri: str
    identity: str
    vocabulary: list[str]
    with_metadata: bool
    albums: int = 0
    updated: str = ""
    failed: dict[str, Failure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The metadata as JSON-ready data."""
        return {
            "format": FORMAT,
            "model_uri": self.model_uri,
            "identity": self.identity,
            "vocabulary": self.vocabulary,
            "with_metadata": self.with_metadata,
            "albums": self.albums,
            "updated": self.updated,
            "failed": {album_id: [f.fingerprint, f.reason] for album_id, f in self.failed.items()},
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> IndexMeta:
        """The metadata written by `as_dict`."""
        if raw.get("format") != FORMAT:
            raise ValueError(f"format {raw.get('format')}, expected {FORMAT}")
        failed = {album_id: Failure(*entry) for album_id, entry in raw["failed"].items()}
        return cls(
            raw["model_uri"],
            raw["identity"],
            list(raw["vocabulary"]),
            bool(raw["with_metadata"]),
            int(raw["albums"]),
            raw["updated"],
            failed,
        )


def folder(key: str) -> str:
    """The store folder of the index kept under `key`."""
    return f"{PREFIX}{key}/"


def save_index(store: Store, key: str, index: MoodIndex, meta: IndexMeta) -> IndexMeta:
    """Write the index (vectors, then ids, then the metadata that marks it complete); returns the metadata written."""
    base = folder(key)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(index.vectors, dtype=np.float32))
    store.put_object(base + "vectors.npy", buffer.getvalue())
    buffer = io.BytesIO()
    pd.DataFrame({"album_id": index.ids, "fingerprint": index.fingerprints, "norm": index.norms}).to_parquet(
        buffer, index=False
    )
    store.put_object(base + "ids.parquet", buffer.getvalue())
    written = replace(meta, albums=len(index), updated=datetime.now(UTC).isoformat(timespec="seconds"))
    store.put_object(base + "meta.json", json.dumps(written.as_dict(), indent=1).encode())
    log.info("kept mood-space vectors of %d albums as %s in %s", len(index), base, store.url)
    return written


def load_index(store: Store, key: str) -> tuple[MoodIndex, IndexMeta] | None:
    """The index kept under `key` and its metadata; None when there is none or it is incomplete."""
    base = folder(key)
    if not store.has_object(base + "meta.json"):
        return None
    try:
        meta = IndexMeta.from_dict(json.loads(store.get_object(base + "meta.json")))
        vectors = np.load(io.BytesIO(store.get_object(base + "vectors.npy")), allow_pickle=False)
        rows = pd.read_parquet(io.BytesIO(store.get_object(base + "ids.parquet")))
    except (KeyError, TypeError, ValueError, OSError) as error:
        log.warning("the kept mood-space index %s in %s is unreadable (%s); recomputing it", base, store.url, error)
        return None
    if vectors.ndim != 2 or vectors.shape != (len(rows), len(meta.vocabulary)) or len(rows) != meta.albums:
        log.warning("the kept mood-space index %s in %s is incomplete; recomputing it", base, store.url)
        return None
    index = MoodIndex(
        rows["album_id"].tolist(),
        np.ascontiguousarray(vectors, dtype=np.float32),
        rows["norm"].to_numpy(np.float32),
        rows["fingerprint"].tolist(),
    )
    return index, meta
