"""The mood-space index on synthetic vectors: planted neighbours, brute force, incremental refresh, failures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from albumml.recommend.index import AlbumInput, Failure, MoodIndex, Vectors, refresh

MOODS = 150


def random_scores(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, MOODS)).astype(np.float32)


def brute_force(scores: np.ndarray, row: int, k: int) -> list[tuple[int, float]]:
    """Cosine in float64 against every album, full sort, the album itself left out."""
    matrix = scores.astype(np.float64)
    cosines = matrix @ matrix[row] / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(matrix[row]))
    order = [i for i in np.argsort(-cosines, kind="stable") if i != row][:k]
    return [(int(i), float(cosines[i])) for i in order]


def planted() -> tuple[np.ndarray, list[str]]:
    """1,000 random albums; album 0 has near-duplicates at rows 10, 20, 30 at growing distances."""
    scores = random_scores(1_000)
    rng = np.random.default_rng(1)
    for row, noise in ((10, 0.001), (20, 0.01), (30, 0.05)):
        scores[row] = scores[0] + rng.normal(0, noise, MOODS).astype(np.float32)
    return scores, [f"mw{i:010d}" for i in range(len(scores))]


def test_finds_exactly_the_planted_neighbours_in_order_and_never_the_album_itself() -> None:
    scores, ids = planted()
    index = MoodIndex.from_scores(ids, scores, ids)
    nearest = index.nearest(ids[0], k=3)
    assert [album_id for album_id, _ in nearest] == [ids[10], ids[20], ids[30]]
    assert nearest[0][1] > nearest[1][1] > nearest[2][1] > 0.98
    assert ids[0] not in [album_id for album_id, _ in index.nearest(ids[0], k=999)]
    assert len(index.nearest(ids[0], k=5_000)) == 999


@pytest.mark.parametrize("row", [0, 10, 123, 999])
def test_results_equal_brute_force(row: int) -> None:
    scores, ids = planted()
    index = MoodIndex.from_scores(ids, scores, ids)
    ours = index.nearest(ids[row], k=25)
    expected = brute_force(scores, row, 25)
    assert [album_id for album_id, _ in ours] == [ids[i] for i, _ in expected]
    assert [cosine for _, cosine in ours] == pytest.approx([cosine for _, cosine in expected], abs=1e-5)


def test_vectors_are_unit_length_float32_and_scores_come_back() -> None:
    scores = random_scores(50)
    index = MoodIndex.from_scores([str(i) for i in range(50)], scores, [""] * 50)
    assert index.vectors.dtype == np.float32 and index.vectors.flags.c_contiguous
    assert np.linalg.norm(index.vectors, axis=1) == pytest.approx(np.ones(50), abs=1e-5)
    assert index.scores(7) == pytest.approx(scores[7], rel=1e-5)


def test_unknown_album_is_a_key_error() -> None:
    index = MoodIndex.from_scores(["a", "b"], random_scores(2), ["", ""])
    with pytest.raises(KeyError):
        index.nearest("c")


class CountingModel:
    """A stand-in for the model: a fixed score row per cover, and a record of every album it was asked about."""

    def __init__(self, unreadable: Sequence[str] = ()) -> None:
        self.calls: list[list[str]] = []
        self.unreadable = set(unreadable)

    def __call__(self, albums: Sequence[AlbumInput]) -> Vectors:
        self.calls.append([album.album_id for album in albums])
        usable = [album for album in albums if album.cover_key not in self.unreadable]
        rows = [random_scores(1, seed=int(album.cover_key, 16) % 2**32)[0] for album in usable]
        return Vectors(
            [album.album_id for album in usable],
            np.array(rows, np.float32).reshape(-1, MOODS),
            {album.album_id: "cover_corrupt_in_store" for album in albums if album.cover_key in self.unreadable},
        )


def albums(numbers: range, cover: int = 0) -> list[AlbumInput]:
    return [AlbumInput(f"mw{n:010d}", f"{n + cover:064x}") for n in numbers]


def test_refresh_adds_new_albums_without_recomputing_old_ones() -> None:
    model = CountingModel()
    first = refresh(None, albums(range(100)), model)
    assert (first.computed, first.reused, first.removed, first.changed) == (100, 0, 0, True)
    again = refresh(first.index, albums(range(100)), model)
    assert (again.computed, again.reused, again.changed) == (0, 100, False)
    assert len(model.calls) == 1

    grown = refresh(first.index, albums(range(105)), model)
    assert model.calls[-1] == [f"mw{n:010d}" for n in range(100, 105)]
    assert (grown.computed, grown.reused) == (5, 100)
    assert np.array_equal(grown.index.vectors[:100], first.index.vectors)
    from_scratch = refresh(None, albums(range(105)), CountingModel())
    for album_id in grown.index.ids:
        ours, fresh = grown.index.row(album_id), from_scratch.index.row(album_id)
        assert grown.index.vectors[ours] == pytest.approx(from_scratch.index.vectors[fresh])


def test_refresh_recomputes_changed_covers_and_drops_albums_that_left() -> None:
    model = CountingModel()
    first = refresh(None, albums(range(20)), model)
    changed = albums(range(1, 20))
    changed[4] = AlbumInput(changed[4].album_id, f"{999:064x}")
    result = refresh(first.index, changed, model)
    assert model.calls[-1] == [changed[4].album_id]
    assert (result.computed, result.reused, result.removed) == (1, 18, 2)
    assert "mw0000000000" not in result.index.ids and len(result.index) == 19


def test_metadata_models_recompute_when_genres_or_year_change() -> None:
    model = CountingModel()
    before = [AlbumInput("mw0000000001", f"{1:064x}", ("Rock",), 1971)]
    first = refresh(None, before, model, with_metadata=True)
    after = [AlbumInput("mw0000000001", f"{1:064x}", ("Rock", "Folk"), 1971)]
    assert refresh(first.index, after, model, with_metadata=False).computed == 1
    assert refresh(first.index, after, model, with_metadata=True).computed == 1
    assert refresh(first.index, before, model, with_metadata=True).computed == 0


def test_unreadable_covers_are_reported_and_not_retried_until_they_change() -> None:
    model = CountingModel(unreadable=[f"{3:064x}"])
    first = refresh(None, albums(range(10)), model)
    assert first.failed == {"mw0000000003": Failure(f"{3:064x}", "cover_corrupt_in_store")}
    assert "mw0000000003" not in first.index.ids and len(first.index) == 9
    again = refresh(first.index, albums(range(10)), model, failures=first.failed)
    assert len(model.calls) == 1 and not again.changed and again.failed == first.failed
    recrawled = albums(range(10))
    recrawled[3] = AlbumInput("mw0000000003", f"{333:064x}")
    fixed = refresh(again.index, recrawled, model, failures=again.failed)
    assert model.calls[-1] == ["mw0000000003"] and not fixed.failed and len(fixed.index) == 10


def test_refresh_of_an_empty_catalogue_is_empty() -> None:
    result = refresh(None, [], CountingModel())
    assert len(result.index) == 0 and result.index.nearest_to_vector(np.ones(0, np.float32), 5) == []
