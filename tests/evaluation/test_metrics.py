"""Metrics and baselines: exact on hand-computed cases, and a model with signal beats the baselines."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from albumml.errors import EvaluationError
from albumml.evaluation import (
    evaluate,
    evaluate_with_baselines,
    frequency_baseline,
    mistake_closeness,
    multi_hot,
    semantic_closeness,
)

VOCABULARY = ["Brash", "Literate", "Rustic", "Wistful"]


def test_multi_hot_follows_the_vocabulary_and_ignores_unknown_moods() -> None:
    matrix = multi_hot([["Rustic", "Brash"], ["Unknown"], []], VOCABULARY)
    assert matrix.tolist() == [[True, False, True, False], [False] * 4, [False] * 4]


def test_perfect_scores_score_perfectly() -> None:
    truth = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 1]], dtype=bool)
    metrics = evaluate(truth, truth.astype(float), k=2)
    assert metrics.micro_ap == metrics.macro_ap == metrics.micro_roc_auc == metrics.macro_roc_auc == 1.0
    assert metrics.recall_at_k == pytest.approx((1 + 1 + 2 / 3) / 3)
    assert metrics.precision_at_k == pytest.approx((1 + 0.5 + 1) / 3)


def test_hand_computed_precision_recall_and_kappa() -> None:
    truth = np.array([[1, 1, 0, 0, 0, 0]], dtype=bool)
    scores = np.array([[0.9, 0.1, 0.8, 0.0, 0.0, 0.0]])
    metrics = evaluate(np.vstack([truth, ~truth]), np.vstack([scores, 1 - scores]), k=2)
    chosen_first = np.array([1, 0, 1, 0, 0, 0], dtype=bool)
    chosen_second = np.array([0, 0, 0, 1, 1, 0], dtype=bool)  # ties at 1.0 go to the earlier moods
    assert metrics.precision_at_k == pytest.approx((0.5 + 1.0) / 2)
    assert metrics.recall_at_k == pytest.approx((0.5 + 0.5) / 2)
    expected = (cohen_kappa_score(truth[0], chosen_first) + cohen_kappa_score(~truth[0], chosen_second)) / 2
    assert metrics.mean_kappa_at_k == pytest.approx(expected)


def test_macro_skips_moods_without_positives() -> None:
    truth = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]], dtype=bool)
    metrics = evaluate(truth, np.random.default_rng(0).random(truth.shape), k=1)
    assert metrics.moods_scored == 2


@pytest.mark.slow
def test_signal_beats_the_frequency_baseline_and_noise_does_not() -> None:
    rng = np.random.default_rng(7)
    albums, moods = 600, 12
    prevalence = np.linspace(0.45, 0.03, moods)
    truth = rng.random((albums, moods)) < prevalence
    informative = truth + rng.normal(0, 0.6, truth.shape)
    train = rng.random((2000, moods)) < prevalence

    results = evaluate_with_baselines(truth, informative, train, k=3)
    assert results["model"].micro_ap > 1.5 * results["label_frequency"].micro_ap
    assert results["label_frequency"].micro_ap > results["random"].micro_ap
    noise = evaluate(truth, rng.random(truth.shape), k=3)
    assert noise.micro_ap < results["label_frequency"].micro_ap


def test_frequency_baseline_repeats_training_frequencies() -> None:
    train = np.array([[1, 0], [1, 1], [0, 0], [1, 0]], dtype=bool)
    assert frequency_baseline(train, 2).tolist() == [[0.75, 0.25], [0.75, 0.25]]


def test_semantic_closeness_is_the_mean_cosine_to_true_moods() -> None:
    labels = np.eye(3)
    truth = np.array([[1, 0, 0], [0, 1, 1]], dtype=bool)
    predicted = np.array([[2.0, 0, 0], [0, 1, 0]])
    assert semantic_closeness(predicted, truth, labels) == pytest.approx((1.0 + 0.5) / 2)


@pytest.mark.parametrize(
    ("truth", "scores", "message"),
    [
        (np.zeros((2, 3), dtype=bool), np.zeros((2, 3)), "no album has any true mood"),
        (np.eye(3, dtype=bool), np.zeros((3, 2)), "same albums x moods shape"),
        (np.eye(3, dtype=bool), np.full((3, 3), np.nan), "NaN"),
    ],
)
def test_incomparable_inputs_are_clear_errors(truth: np.ndarray, scores: np.ndarray, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        evaluate(truth, scores)


def test_mistake_closeness_measures_how_near_wrong_picks_land() -> None:
    # moods 0 and 1 are near each other, 2 and 3 are far from both
    vectors = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    truth = np.array([[True, False, False, False], [True, False, False, False]])
    near = np.array([[0.9, 0.8, 0.1, 0.0], [0.9, 0.8, 0.1, 0.0]])  # top 2: the true mood, then its neighbour
    far = np.array([[0.9, 0.1, 0.8, 0.0], [0.9, 0.0, 0.1, 0.8]])  # top 2: the true mood, then a far one
    close, distant = mistake_closeness(near, truth, vectors, k=2), mistake_closeness(far, truth, vectors, k=2)
    assert close.mean == pytest.approx(0.8) and close.mistakes == 2
    assert distant.mean == pytest.approx(0.0)
    # a random wrong mood: the mean over moods 1-3 of their cosine to mood 0
    assert close.chance == pytest.approx((0.8 + 0.0 + 0.0) / 3) == distant.chance


def test_mistake_closeness_needs_an_album_with_a_mistake_to_make() -> None:
    vectors = np.eye(3)
    with pytest.raises(EvaluationError, match="no mistake"):
        mistake_closeness(np.ones((2, 3)), np.ones((2, 3), dtype=bool), vectors)


def test_a_split_where_no_mood_has_both_kinds_of_album_has_no_macro_figures() -> None:
    truth = np.array([[True, False, True]])  # one album: every mood is all-positive or all-negative
    metrics = evaluate(truth, np.array([[0.9, 0.1, 0.4]]), k=2)
    assert np.isnan(metrics.macro_ap) and np.isnan(metrics.macro_roc_auc) and metrics.moods_scored == 0
    assert metrics.micro_ap == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_figures_equal_scikit_learns_on_rankings_with_ties(seed: int) -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(seed)
    truth = rng.random((120, 40)) < 0.15
    truth[:, 0] = False  # a mood no album has: left out of the macro figures
    scores = np.round(rng.random((120, 40)), 1)  # coarse scores: many ties
    found = evaluate(truth, scores, k=5)
    scored = truth.any(axis=0) & ~truth.all(axis=0)
    assert found.micro_ap == pytest.approx(average_precision_score(truth.ravel(), scores.ravel()), abs=1e-12)
    assert found.macro_ap == pytest.approx(
        average_precision_score(truth[:, scored], scores[:, scored], average="macro"), abs=1e-12
    )
    assert found.micro_roc_auc == pytest.approx(roc_auc_score(truth.ravel(), scores.ravel()), abs=1e-12)
    assert found.macro_roc_auc == pytest.approx(
        roc_auc_score(truth[:, scored], scores[:, scored], average="macro"), abs=1e-12
    )
    order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    chosen = np.zeros_like(truth)
    np.put_along_axis(chosen, order, True, axis=1)
    rows = truth.any(axis=1)
    expected = [
        1.0 if np.array_equal(t, c) else cohen_kappa_score(t, c) for t, c in zip(truth[rows], chosen[rows], strict=True)
    ]
    assert found.mean_kappa_at_k == pytest.approx(np.mean(expected), abs=1e-12)
