"""The read-back of label-space points: the learned form solves sklearn's own logistic regression, reads moods the
standardised form cannot, is chosen on validation only, and survives a bundle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from albumml.evaluation import micro_ap
from albumml.evaluation.logistic import SOLVER_PRECISION, fit_logistic
from albumml.models.calibration import (
    LEARNED,
    STANDARDISED,
    LabelSpaceSplit,
    LearnedReadBack,
    ReadBack,
    fit_read_back,
    read_back_from_arrays,
)

MOODS, DIM = 10, 24


def label_space(seed: int, albums: int) -> LabelSpaceSplit:
    """Points whose direction carries the moods through a mixing no single mood's cosine undoes: each mood moves
    the point along its own random direction, and mood vectors are unrelated to those directions."""
    directions = np.random.default_rng(7).normal(size=(MOODS, DIM))
    mood_vectors = np.random.default_rng(8).normal(size=(MOODS, DIM))
    rng = np.random.default_rng(seed)
    truth = rng.random((albums, MOODS)) < np.linspace(0.5, 0.05, MOODS)
    points = truth @ directions + rng.normal(scale=1.0, size=(albums, DIM)) + 3.0
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    cosines = unit @ (mood_vectors / np.linalg.norm(mood_vectors, axis=1, keepdims=True)).T
    return LabelSpaceSplit(points, cosines, truth)


def test_fit_logistic_finds_sklearns_solution() -> None:
    split = label_space(1, 300)
    features = (split.points - split.points.mean(axis=0)) / split.points.std(axis=0)
    weight, bias = fit_logistic(features, split.truth, strength=0.1, precision=torch.float64)
    for mood in (0, 4, 9):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reference = LogisticRegression(C=0.1, max_iter=5000, tol=1e-10).fit(features, split.truth[:, mood])
        assert np.allclose(weight[mood], reference.coef_[0], atol=2e-3)
        assert bias[mood] == pytest.approx(reference.intercept_[0], abs=2e-3)


def test_the_learned_read_back_reads_what_cosines_miss_and_validation_chooses_it() -> None:
    train, validation, test = label_space(1, 600), label_space(2, 200), label_space(3, 300)
    chosen = fit_read_back(train, validation)
    assert chosen.kind == LEARNED and chosen.describe().startswith("learned C=")
    standardised = fit_read_back(train, validation, strengths=())
    assert standardised.kind == STANDARDISED
    learned_ap = micro_ap(test.truth, chosen(test.points, test.cosines))
    standardised_ap = micro_ap(test.truth, standardised(test.points, test.cosines))
    frequency_ap = micro_ap(test.truth, np.tile(train.truth.mean(axis=0), (len(test.truth), 1)))
    assert learned_ap > standardised_ap + 0.1
    assert learned_ap > frequency_ap + 0.2


@pytest.mark.parametrize("form", [LEARNED, STANDARDISED])
def test_both_forms_survive_their_arrays(form: str) -> None:
    train, validation, test = label_space(1, 300), label_space(2, 100), label_space(3, 50)
    read_back = fit_read_back(
        train,
        validation,
        strengths=() if form == STANDARDISED else (0.1,),
        temperatures=(1.0,) if form == STANDARDISED else (),
    )
    again = read_back_from_arrays(read_back.as_arrays())
    assert type(again) is (LearnedReadBack if form == LEARNED else ReadBack)
    assert np.allclose(again(test.points, test.cosines), read_back(test.points, test.cosines))


def test_a_learned_read_back_needs_the_points() -> None:
    read_back = fit_read_back(label_space(1, 200), label_space(2, 80), temperatures=())
    with pytest.raises(ValueError, match="predicted points"):
        read_back(None, label_space(3, 10).cosines)


def test_fit_logistic_in_float32_lands_near_sklearns_solution() -> None:
    split = label_space(1, 300)
    features = (split.points - split.points.mean(axis=0)) / split.points.std(axis=0)
    weight, bias = fit_logistic(features, split.truth, strength=0.1, precision=torch.float32)
    assert weight.dtype == np.float64
    reference = LogisticRegression(C=0.1, max_iter=5000, tol=1e-10).fit(features, split.truth[:, 4])
    assert np.allclose(weight[4], reference.coef_[0], atol=1e-2)
    assert bias[4] == pytest.approx(reference.intercept_[0], abs=1e-2)


def test_the_float32_read_back_reads_as_the_float64_one_does() -> None:
    """The learned read-back solves in float32 for speed (models 3 and 4 fit four strengths on every training
    album): it makes the same choice and its test micro AP stays within a thousandth of the float64 solution's."""
    train, validation, test = label_space(1, 600), label_space(2, 200), label_space(3, 300)
    fast = fit_read_back(train, validation, temperatures=())
    exact = fit_read_back(train, validation, temperatures=(), precision=torch.float64)
    assert SOLVER_PRECISION is torch.float32 and fast.describe() == exact.describe()
    fast_scores, exact_scores = fast(test.points, test.cosines), exact(test.points, test.cosines)
    assert micro_ap(test.truth, fast_scores) == pytest.approx(micro_ap(test.truth, exact_scores), abs=1e-3)
    assert np.corrcoef(fast_scores.ravel(), exact_scores.ravel())[0, 1] > 0.999
