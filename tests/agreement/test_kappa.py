"""Cohen's kappa on constructed label sets whose answers are known independently (sklearn, a hand-worked table)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from albumml.agreement import cohen_kappa, compare, compare_matrices, landis_koch
from albumml.errors import AgreementError

VOCABULARY = ["Brash", "Cathartic", "Literate", "Rustic", "Wistful", "Never"]


def test_raters_who_agree_perfectly_score_one() -> None:
    labels = {"a": {"Brash", "Literate"}, "b": {"Rustic"}, "c": {"Wistful", "Brash"}, "d": {"Cathartic"}}
    pair = compare(labels, dict(labels), VOCABULARY, ("ann", "bob"))
    assert pair.micro_kappa == pair.macro_kappa == pair.per_cover_kappa == pair.observed == 1.0
    assert landis_koch(pair.micro_kappa) == "almost perfect"
    assert pair.undefined_moods == ["Never"]
    assert pair.per_mood["Brash"].kappa == 1.0 and pair.per_mood["Brash"].first_count == 2


def test_hand_worked_two_by_two_table() -> None:
    # 50 covers: both yes 20, only the first 5, only the second 10, neither 15.
    # observed (20 + 15) / 50 = 0.70; chance 0.5 * 0.6 + 0.5 * 0.4 = 0.50; kappa (0.70 - 0.50) / (1 - 0.50) = 0.40.
    first = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    second = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.40)
    pair = compare_matrices(np.array(first)[:, None], np.array(second)[:, None], ["Brash"])
    assert pair.per_mood["Brash"].kappa == pytest.approx(0.40)
    assert pair.per_mood["Brash"].observed == pytest.approx(0.70)
    assert (pair.per_mood["Brash"].first_count, pair.per_mood["Brash"].second_count) == (25, 30)
    assert landis_koch(0.40) == "fair"


def test_a_rater_against_a_shuffled_copy_is_near_zero() -> None:
    rng = np.random.default_rng(7)
    first = rng.random((3000, 4)) < 0.3
    second = first[rng.permutation(len(first))]
    pair = compare_matrices(first, second, VOCABULARY[:4])
    assert abs(pair.micro_kappa) < 0.05 and abs(pair.macro_kappa) < 0.05
    assert pair.observed == pytest.approx(0.3 * 0.3 + 0.7 * 0.7, abs=0.02)
    assert landis_koch(pair.micro_kappa) in {"poor", "slight"}


def test_every_figure_matches_sklearn_and_undefined_moods_are_left_out() -> None:
    rng = np.random.default_rng(3)
    first = rng.random((40, 6)) < [0.5, 0.2, 0.1, 0.6, 0.05, 0]
    second = first ^ (rng.random((40, 6)) < 0.2)
    second[:, 5] = False  # neither rater ever chose "Never": its kappa is undefined, not 0 or 1
    second[:, 4] = False
    first[:, 4] = True  # the first always chose "Wistful", the second never did: defined, and 0
    pair = compare_matrices(first, second, VOCABULARY, ("ann", "bob"))
    expected = {mood: cohen_kappa_score(first[:, j], second[:, j]) for j, mood in enumerate(VOCABULARY[:5])}
    for mood, kappa in expected.items():
        assert pair.per_mood[mood].kappa == pytest.approx(kappa)
    assert pair.per_mood["Wistful"].kappa == 0
    assert pair.per_mood["Never"].kappa is None and landis_koch(None) == "undefined"
    assert pair.undefined_moods == ["Never"] and pair.defined_moods == 5
    assert pair.macro_kappa == pytest.approx(np.mean(list(expected.values())))
    assert pair.micro_kappa == pytest.approx(cohen_kappa_score(first.ravel(), second.ravel()))
    assert pair.observed == pytest.approx((first == second).mean())
    per_cover = [cohen_kappa_score(first[i], second[i]) for i in range(40)]
    assert pair.per_cover_kappa == pytest.approx(np.mean(per_cover))
    as_json = pair.as_dict()
    assert as_json["per_mood"]["Never"] == {
        "kappa": None,
        "band": "undefined",
        "observed_agreement": 1.0,
        "first_count": 0,
        "second_count": 0,
    }
    assert as_json["moods_undefined"] == ["Never"] and as_json["macro_band"] == landis_koch(pair.macro_kappa)


def test_a_mood_both_always_chose_is_undefined() -> None:
    first = np.array([[1, 1], [1, 0], [1, 1]], dtype=bool)
    second = np.array([[1, 0], [1, 1], [1, 1]], dtype=bool)
    pair = compare_matrices(first, second, ["Brash", "Rustic"])
    assert pair.per_mood["Brash"].kappa is None and pair.per_mood["Brash"].observed == 1.0
    assert pair.macro_kappa == pytest.approx(cohen_kappa_score(first[:, 1], second[:, 1]))


def test_nothing_defined_gives_no_macro_kappa() -> None:
    pair = compare({"a": set(), "b": set()}, {"a": set(), "b": set()}, ["Brash"])
    assert pair.macro_kappa is None and pair.micro_kappa is None and pair.per_cover_kappa is None


def test_only_covers_both_labelled_are_compared() -> None:
    pair = compare({"a": {"Brash"}, "b": {"Rustic"}}, {"a": {"Brash"}, "c": {"Rustic"}}, VOCABULARY)
    assert pair.covers == 1
    with pytest.raises(AgreementError, match="no cover in common"):
        compare({"a": {"Brash"}}, {"b": {"Brash"}}, VOCABULARY)


def test_unknown_moods_are_named_with_close_matches() -> None:
    with pytest.raises(AgreementError, match=r"'Brassh' on cover a \(did you mean 'Brash'\?\)"):
        compare({"a": {"Brassh"}}, {"a": {"Brash"}}, VOCABULARY, ("ann", "bob"))


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.3, "poor"),
        (-0.004, "slight"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.204, "slight"),
        (0.21, "fair"),
        (0.4, "fair"),
        (0.41, "moderate"),
        (0.6, "moderate"),
        (0.61, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
    ],
)
def test_landis_koch_bands(kappa: float, band: str) -> None:
    assert landis_koch(kappa) == band


def test_decisions_must_pair_up() -> None:
    with pytest.raises(AgreementError, match="same, non-zero number"):
        cohen_kappa([1, 0], [1])
