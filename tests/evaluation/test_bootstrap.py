"""The paired bootstrap: a clear gain has an interval above zero, a scorer against itself an interval at zero, and
a coin-flip difference an interval that spans zero."""

from __future__ import annotations

import numpy as np
import pytest

from albumml.evaluation import micro_ap
from albumml.evaluation.bootstrap import RankedPairs, paired_bootstrap


def scored(seed: int, albums: int = 300, labels: int = 8, signal: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random((albums, labels)) < 0.2
    return truth, truth * signal + rng.normal(size=truth.shape)


def test_a_clear_gain_is_sure_and_its_interval_holds_the_difference() -> None:
    truth, strong = scored(1, signal=2.0)
    weak = strong + np.random.default_rng(9).normal(scale=3.0, size=strong.shape)
    difference = paired_bootstrap(truth, strong, weak, resamples=300)
    assert difference.difference == pytest.approx(micro_ap(truth, strong) - micro_ap(truth, weak))
    assert difference.low <= difference.difference <= difference.high
    assert difference.sure and difference.low > 0.05


def test_a_scorer_against_itself_differs_by_exactly_nothing() -> None:
    truth, scores = scored(2)
    difference = paired_bootstrap(truth, scores, scores.copy(), resamples=100)
    assert difference.difference == difference.low == difference.high == 0
    assert not difference.sure


def test_two_equally_good_scorers_get_an_interval_across_zero() -> None:
    truth, _ = scored(3)
    rng = np.random.default_rng(4)
    a, b = truth + rng.normal(size=truth.shape), truth + rng.normal(size=truth.shape)
    difference = paired_bootstrap(truth, a, b, resamples=300)
    assert difference.low < 0 < difference.high
    assert difference.text().count("[") == 1 and difference.text().startswith(("+", "-"))


def test_a_resample_scores_as_sklearn_scores_the_resampled_albums() -> None:
    truth, scores = scored(5, albums=60)
    scores = np.round(scores, 1)  # ties, which sklearn ranks as one step
    rows = np.random.default_rng(6).integers(0, 60, 60)
    counts = np.bincount(rows, minlength=60).astype(float)
    assert RankedPairs.of(truth, scores).micro_ap(counts) == pytest.approx(micro_ap(truth[rows], scores[rows]))
    assert RankedPairs.of(truth, scores).micro_ap(np.ones(60)) == pytest.approx(micro_ap(truth, scores))
