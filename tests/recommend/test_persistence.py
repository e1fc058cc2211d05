"""The index kept in the store: written whole, read back equal, an incomplete one is recomputed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from albumml.config import Settings
from albumml.recommend.index import Failure, MoodIndex
from albumml.recommend.persistence import IndexMeta, folder, load_index, save_index
from albumml.storage import open_store


def test_round_trip(settings: Settings) -> None:
    store = open_store(settings)
    scores = np.random.default_rng(0).random((30, 4)).astype(np.float32)
    index = MoodIndex.from_scores([f"mw{i:010d}" for i in range(30)], scores, [f"{i:064x}" for i in range(30)])
    meta = IndexMeta(
        "models:/m@champion",
        "registered:m:1",
        ["A", "B", "C", "D"],
        False,
        failed={"mw0000000099": Failure("ab", "cover_missing_from_store")},
    )
    written = save_index(store, "k1", index, meta)
    assert written.albums == 30 and written.updated
    loaded, read = load_index(store, "k1")
    assert read == written
    assert loaded.ids == index.ids and loaded.fingerprints == index.fingerprints
    assert np.array_equal(loaded.vectors, index.vectors) and loaded.vectors.dtype == np.float32
    assert loaded.scores(3) == pytest.approx(scores[3], rel=1e-5)
    assert {info.name for info in store.list_objects(folder("k1"))} == {
        "similar/k1/meta.json",
        "similar/k1/vectors.npy",
        "similar/k1/ids.parquet",
    }


def test_missing_or_incomplete_index_reads_as_none(settings: Settings) -> None:
    store = open_store(settings)
    assert load_index(store, "nothing") is None
    index = MoodIndex.from_scores(["a", "b"], np.ones((2, 3), np.float32), ["x", "y"])
    save_index(store, "k2", index, IndexMeta("u", "i", ["A", "B", "C"], False))
    raw = json.loads(store.get_object("similar/k2/meta.json"))
    store.put_object("similar/k2/meta.json", json.dumps({**raw, "albums": 3}).encode())
    assert load_index(store, "k2") is None
    store.put_object("similar/k2/meta.json", b"{not json")
    assert load_index(store, "k2") is None
