"""The linear probe and the nearest-neighbour anchor on features that carry the labels: both learn far more than
label frequency, choose their knob on validation, and treat a label training never shows as unlearnable."""

from __future__ import annotations

import numpy as np
import pytest

from albumml.evaluation import anchors, frequency_baseline, micro_ap
from albumml.evaluation.anchors import (
    LINEAR_PROBE,
    NEAREST_NEIGHBOURS,
    Split,
    fit_anchors,
    linear_probe,
    nearest_neighbours,
)


def labelled(seed: int, albums: int, labels: int = 12, dim: int = 48, signal: float = 1.0) -> Split:
    """Features that are a noisy linear image of the labels (a shared projection, so splits agree)."""
    projection = np.random.default_rng(99).normal(size=(labels, dim)) * signal
    rng = np.random.default_rng(seed)
    truth = rng.random((albums, labels)) < 0.2
    features = truth @ projection + rng.normal(scale=1.0, size=(albums, dim))
    return Split(features.astype(np.float32), truth)


def test_both_anchors_learn_far_more_than_label_frequency() -> None:
    train, validation, test = labelled(1, 400), labelled(2, 120), labelled(3, 150)
    frequency = micro_ap(test.truth, frequency_baseline(train.truth, len(test.truth)))
    fitted = {anchor.name: anchor for anchor in fit_anchors(train, validation, test.features)}
    assert set(fitted) == {LINEAR_PROBE, NEAREST_NEIGHBOURS}
    probe = micro_ap(test.truth, fitted[LINEAR_PROBE].scores)
    knn = micro_ap(test.truth, fitted[NEAREST_NEIGHBOURS].scores)
    assert probe > frequency + 0.3
    assert knn > frequency + 0.15
    assert fitted[LINEAR_PROBE].scores.shape == test.truth.shape
    assert fitted[LINEAR_PROBE].choice.startswith("C=") and fitted[NEAREST_NEIGHBOURS].choice.startswith("k=")


def test_the_probe_strength_is_chosen_on_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    # few albums, a faint signal in many dimensions: the weakest regularisation overfits, validation picks stronger
    splits = [labelled(seed, albums, dim=400, signal=0.05) for seed, albums in ((4, 60), (5, 200), (6, 50))]
    train, validation, test = splits
    chosen = linear_probe(train, validation, test.features)
    monkeypatch.setattr(anchors, "PROBE_STRENGTHS", (1.0,))
    weakest = linear_probe(train, validation, test.features)
    assert chosen.validation_micro_ap > weakest.validation_micro_ap


def test_a_label_training_never_shows_scores_its_frequency() -> None:
    train, validation, test = labelled(7, 200), labelled(8, 80), labelled(9, 80)
    train.truth[:, 0] = False
    probe = linear_probe(train, validation, test.features)
    knn = nearest_neighbours(train, validation, test.features)
    assert np.allclose(probe.scores[:, 0], 0.0)
    assert np.allclose(knn.scores[:, 0], 0.0)


def test_neighbour_votes_in_blocks_equal_a_brute_force_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block-wise search (blocks of 7 queries here) finds what scikit-learn's exhaustive cosine search finds, and the
    votes are each label's similarity-weighted share among the k nearest."""
    from sklearn.neighbors import NearestNeighbors

    monkeypatch.setattr(anchors, "SIMILARITY_BLOCK_ROWS", 7)
    train, validation, test = labelled(10, 300), labelled(11, 60), labelled(12, 45)
    chosen = nearest_neighbours(train, validation, test.features)
    k = int(chosen.choice.removeprefix("k="))
    search = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(train.features)
    distances, indices = search.kneighbors(test.features)
    weights = np.clip(1 - distances, 0, None) + 1e-9
    expected = (weights[:, :, None] * train.truth[indices]).sum(axis=1) / weights.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(chosen.scores, expected, rtol=1e-5, atol=1e-6)
    # the same choice and validation figure as one block of every query
    monkeypatch.setattr(anchors, "SIMILARITY_BLOCK_ROWS", 10_000)
    whole = nearest_neighbours(train, validation, test.features)
    assert (whole.choice, whole.validation_micro_ap) == (chosen.choice, chosen.validation_micro_ap)
    np.testing.assert_allclose(whole.scores, chosen.scores, rtol=1e-6)  # float32 products, blocked differently


def test_the_float32_probe_scores_as_the_float64_one_does() -> None:
    """The probe solves in float32 for speed: it chooses the same strength and its test micro AP stays within a
    thousandth of the float64 solution's."""
    import torch

    train, validation, test = labelled(13, 400), labelled(14, 120), labelled(15, 150)
    fast = linear_probe(train, validation, test.features)
    exact = linear_probe(train, validation, test.features, torch.float64)
    assert anchors.SOLVER_PRECISION is torch.float32 and fast.choice == exact.choice
    assert micro_ap(test.truth, fast.scores) == pytest.approx(micro_ap(test.truth, exact.scores), abs=1e-3)
    assert np.corrcoef(fast.scores.ravel(), exact.scores.ravel())[0, 1] > 0.999
