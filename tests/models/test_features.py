"""The frozen-feature cache: computed once, read back identically, keyed by the recipe, bad covers skipped."""

from __future__ import annotations

import io
import weakref

import numpy as np
import pytest
from PIL import Image

from albumml.config import Settings
from albumml.models import features, runtime
from albumml.models.backbones import load_backbone
from albumml.models.features import extract_features, feature_key
from albumml.storage import Store, open_store


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet_lite0")


def cover(colour: tuple[int, int, int], image_format: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.fixture
def store(settings: Settings) -> Store:
    return open_store(settings)


def test_features_are_computed_once_and_read_back_identically(store: Store, lite0) -> None:
    keys = [store.put_blob(cover(c)).key for c in [(200, 30, 30), (20, 40, 220), (240, 240, 240)]]
    keys.append(store.put_blob(cover((10, 200, 10), "PNG")).key)
    first = extract_features(store, lite0, keys, batch_size=3)
    assert (first.computed, first.cached, first.failed) == (4, 0, {})
    assert first.vectors.shape == (4, lite0.feature_dim)

    again = extract_features(store, lite0, [*keys, keys[0]])
    assert (again.computed, again.cached) == (0, 4)
    np.testing.assert_array_equal(again.vectors[:4], first.vectors)
    np.testing.assert_array_equal(again.vectors[4], first.vectors[0])
    assert not np.allclose(first.vectors[0], first.vectors[1])


def test_unreadable_covers_are_skipped_and_counted(store: Store, lite0) -> None:
    good = store.put_blob(cover((90, 90, 30))).key
    not_image = store.put_blob(b"<html>not an image</html>").key
    absent = "f" * 64
    result = extract_features(store, lite0, [good, not_image, absent])
    assert result.cover_keys == [good]
    assert set(result.failed) == {not_image, absent}
    assert result.failed[absent] == "cover_missing_from_store"
    assert result.failed[not_image].startswith("cover_undecodable")


def test_a_failed_cover_between_good_ones_leaves_each_vector_on_its_own_cover(store: Store, lite0) -> None:
    colours = [(200, 30, 30), (20, 40, 220), (240, 240, 240), (10, 200, 10)]
    good = [store.put_blob(cover(c)).key for c in colours]
    alone = {key: extract_features(store, lite0, [key]).vectors[0] for key in good}
    broken = store.put_blob(b"not a cover").key
    asked = [good[0], broken, good[1], good[2], broken, good[3]]
    result = extract_features(store, lite0, asked)
    assert result.cover_keys == good and list(result.failed) == [broken]
    assert result.vectors.shape == (4, lite0.feature_dim)
    for key, vector in zip(good, result.vectors, strict=True):
        np.testing.assert_array_equal(vector, alone[key])


def test_the_kept_rows_move_up_in_place_and_repeats_are_copied() -> None:
    table = np.arange(12, dtype=np.float32).reshape(6, 2)
    original = table.copy()
    assert features._rows(table, list(range(6))) is table
    kept = features._rows(table, [0, 2, 3, 5])
    assert np.shares_memory(kept, table)
    np.testing.assert_array_equal(kept, original[[0, 2, 3, 5]])
    repeated = features._rows(original.copy(), [1, 1, 4])
    np.testing.assert_array_equal(repeated, original[[1, 1, 4]])


def test_the_cache_key_names_backbone_weights_and_transform(lite0) -> None:
    random_lite0 = load_backbone("efficientnet_lite0", weights="none")
    assert feature_key(lite0) != feature_key(random_lite0)
    assert feature_key(lite0) == feature_key(load_backbone("efficientnet_lite0"))


def test_vectors_are_kept_in_shards_and_a_new_cover_writes_one_more(
    store: Store, lite0, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(features, "SHARD_SIZE", 2)
    keys = [store.put_blob(cover((40 * n, 30, 200 - 20 * n))).key for n in range(5)]
    first = extract_features(store, lite0, keys, batch_size=2)
    prefix = f"features/{feature_key(lite0)}/"
    names = [info.name for info in store.list_objects(prefix)]
    assert all("/shards/" in name for name in names)  # no object per cover
    assert sum(name.endswith(".npz") for name in names) == 3  # 2 + 2 + 1 vectors
    extra = store.put_blob(cover((1, 2, 3))).key
    again = extract_features(store, lite0, [*keys, extra])
    assert (again.computed, again.cached) == (1, 5)
    assert sum(info.name.endswith(".npz") for info in store.list_objects(prefix)) == 4
    np.testing.assert_array_equal(again.vectors[:5], first.vectors)


class TrackedCover(bytearray):
    """Cover bytes whose lifetime a test can watch (bytes itself takes no weak reference)."""


def test_a_covers_bytes_are_freed_once_its_batch_is_computed(
    store: Store, lite0, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [store.put_blob(cover((20 * n, 100, 250 - 20 * n))).key for n in range(12)]
    read: list[weakref.ref[TrackedCover]] = []
    get_blob = store.get_blob

    def tracked(key: str) -> TrackedCover:
        data = TrackedCover(get_blob(key))
        read.append(weakref.ref(data))
        return data

    monkeypatch.setattr(store, "get_blob", tracked)
    alive: list[int] = []
    result = extract_features(
        store, lite0, keys, batch_size=2, readers=2, progress=lambda _: alive.append(sum(r() is not None for r in read))
    )
    assert result.computed == 12 and len(read) == 12
    # at most the batches read ahead and the one computed: a catalogue's covers are never all in memory at once
    assert max(alive) <= (2 + 1) * 2, alive


def test_vectors_kept_alone_by_earlier_versions_are_still_read(store: Store, lite0) -> None:
    key = store.put_blob(cover((120, 60, 10))).key
    vector = np.arange(lite0.feature_dim, dtype=np.float32)
    buffer = io.BytesIO()
    np.save(buffer, vector)
    store.put_object(f"features/{feature_key(lite0)}/{key[:2]}/{key}.npy", buffer.getvalue())
    result = extract_features(store, lite0, [key])
    assert (result.computed, result.cached) == (0, 1)
    np.testing.assert_array_equal(result.vectors[0], vector)


def test_the_settings_choose_the_runtime_and_the_result_names_it(
    store: Store, lite0, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [store.put_blob(cover((30 * n, 90, 60))).key for n in range(3)]
    monkeypatch.setattr(runtime, "COMPILE_PAYS_OFF", 1)  # worth converting for one cover, so the default shows
    monkeypatch.setenv("ALBUMML_FEATURE_RUNTIME", "torch")
    by_torch = extract_features(store, lite0, keys[:2])
    assert by_torch.runtime == "torch"
    monkeypatch.delenv("ALBUMML_FEATURE_RUNTIME")
    by_default = extract_features(store, lite0, keys)  # two read back, one computed by the default runtime
    assert (by_default.computed, by_default.cached, by_default.runtime) == (1, 2, "openvino")
    assert extract_features(store, lite0, keys).runtime == ""  # nothing computed
