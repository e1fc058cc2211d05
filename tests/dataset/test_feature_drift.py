"""The kernel two-sample test on cover features: no shift between two draws of one distribution, a clear one when
the new covers' features move."""

from __future__ import annotations

import numpy as np
import pytest

from albumml.dataset.feature_drift import FeatureShift, mmd_test


def draws(seed: int, n: int, shift: float = 0.0, dim: int = 32) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)) + shift


def test_two_draws_of_one_distribution_show_no_shift() -> None:
    mmd2, p_value = mmd_test(draws(1, 200), draws(2, 60))
    assert p_value > 0.05
    assert abs(mmd2) < 0.02


def test_moved_features_are_detected_and_the_figure_grows_with_the_move() -> None:
    small, p_small = mmd_test(draws(1, 200), draws(2, 60, shift=0.3))
    large, p_large = mmd_test(draws(1, 200), draws(2, 60, shift=1.0))
    assert p_large < 0.01
    assert p_small < 0.05
    assert large > small > 0


def test_a_side_with_one_vector_is_refused() -> None:
    with pytest.raises(ValueError, match="two vectors"):
        mmd_test(draws(1, 10), draws(2, 1))


def test_the_summary_names_both_snapshots_and_the_verdict() -> None:
    shift = FeatureShift("aaa", "bbb", 100, 12, 0.05, 0.004)
    text = shift.markdown()
    assert "12 new albums of bbb" in text and "100 of aaa" in text
    assert "look different" in text
    assert "no shift" in FeatureShift("aaa", "bbb", 100, 12, 0.0, 0.6).markdown()
