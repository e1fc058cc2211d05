"""The nightly's choice of candidate: the best variant on validation, never on the test split it is judged on."""

from __future__ import annotations

import pytest

from albumml.errors import AlbummlError
from albumml.pipeline import best_candidate


def test_the_candidate_is_the_best_on_validation_even_when_another_tests_better() -> None:
    trained = [
        {"variant": 1, "validation_micro_ap": 0.41, "test_micro_ap": 0.46},
        {"variant": 3, "validation_micro_ap": 0.44, "test_micro_ap": 0.40},
        {"variant": 4, "validation_micro_ap": 0.43, "test_micro_ap": 0.45},
    ]
    assert best_candidate(trained)["variant"] == 3


def test_no_trained_variant_is_a_clear_error() -> None:
    with pytest.raises(AlbummlError, match="no variant was trained"):
        best_candidate([])
