"""A whole study scored from label sets: rater pairs, the model's top-k, common covers, and what is refused."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from albumml.agreement import ModelOpinion, compare, score_study, top_moods
from albumml.errors import AgreementError

VOCABULARY = ["Brash", "Cathartic", "Literate", "Rustic", "Wistful"]
ANN = {"a": {"Brash"}, "b": {"Rustic", "Wistful"}, "c": {"Literate"}, "d": {"Brash", "Cathartic", "Wistful"}}
BOB = {"a": {"Brash"}, "b": {"Rustic"}, "c": {"Wistful"}, "d": {"Brash"}, "e": {"Rustic"}}
CEL = {"a": {"Literate"}, "b": {"Rustic", "Wistful"}, "c": {"Literate"}, "d": {"Cathartic"}}


def test_every_pair_of_raters_on_the_covers_all_of_them_labelled() -> None:
    report = score_study({"ann": ANN, "bob": BOB, "cel": CEL}, VOCABULARY)
    assert report.covers == ["a", "b", "c", "d"] and report.dropped == {"bob": ["e"]} and report.dropped_covers == 1
    assert [(p.first, p.second) for p in report.pairs] == list(combinations(["ann", "bob", "cel"], 2))
    for pair, (x, y) in zip(report.pairs, combinations([ANN, BOB, CEL], 2), strict=True):
        expected = compare({c: x[c] for c in "abcd"}, {c: y[c] for c in "abcd"}, VOCABULARY)
        assert pair.micro_kappa == pytest.approx(expected.micro_kappa)
    assert [(r.name, r.covers_rated, r.mean_moods) for r in report.raters] == [
        ("ann", 4, 1.75),
        ("bob", 5, 1.0),
        ("cel", 4, 1.25),
    ]
    assert report.model is None and report.model_pairs == []
    assert report.as_dict()["covers_dropped"] == 1


def test_one_rater_without_a_model_is_refused() -> None:
    with pytest.raises(AgreementError, match=r"only one rater \(ann\) and no model"):
        score_study({"ann": ANN}, VOCABULARY)
    with pytest.raises(AgreementError, match="no rater"):
        score_study({}, VOCABULARY)


def test_a_rater_who_labelled_nothing_is_named() -> None:
    with pytest.raises(AgreementError, match="rater 'bob' labelled no cover"):
        score_study({"ann": ANN, "bob": {}}, VOCABULARY)


def test_raters_without_a_common_cover_are_refused() -> None:
    with pytest.raises(AgreementError, match="no cover was labelled by every rater"):
        score_study({"ann": {"a": {"Brash"}}, "bob": {"b": {"Brash"}}}, VOCABULARY)


def test_top_moods_keep_to_the_vocabulary() -> None:
    scores = np.array([0.9, 0.8, 0.1, 0.7, 0.2])
    assert top_moods(scores, ["Foreign", "Brash", "Rustic", "Literate", "Wistful"], VOCABULARY, 2) == {
        "Brash",
        "Literate",
    }


def _scores_for(labels: dict[str, set[str]], model_vocabulary: list[str]) -> dict[str, np.ndarray]:
    """Scores that rank a cover's labelled moods first (in vocabulary order), the rest by a fixed descending ramp."""
    ramp = np.linspace(0.5, 0.1, len(model_vocabulary))
    return {
        c: np.array([1.0 if m in moods else r for m, r in zip(model_vocabulary, ramp, strict=True)])
        for c, moods in labels.items()
    }


def test_a_model_that_ranks_the_raters_moods_first_agrees_perfectly_with_k_from_the_rater() -> None:
    model = ModelOpinion("m", VOCABULARY, _scores_for(ANN, VOCABULARY))
    report = score_study({"ann": ANN}, VOCABULARY, model)
    (pair,) = report.model_pairs
    assert (pair.first, pair.second) == ("ann", "m") and pair.micro_kappa == 1.0
    assert report.k_rule == "per cover, as many as the rater chose" and report.top_k is None


def test_a_fixed_top_k_gives_the_model_k_moods_per_cover() -> None:
    model = ModelOpinion("m", VOCABULARY, _scores_for(ANN, VOCABULARY))
    report = score_study({"ann": ANN, "bob": BOB}, VOCABULARY, model, top_k=3)
    assert report.k_rule == "3 per cover" and len(report.model_pairs) == 2
    ann, _ = report.model_pairs
    # With k = 3 the model adds the ramp's best unchosen moods: cover a gets Brash, Cathartic, Literate.
    chosen = {
        "a": {"Brash", "Cathartic", "Literate"},
        "b": {"Rustic", "Wistful", "Brash"},
        "c": {"Literate", "Brash", "Cathartic"},
        "d": {"Brash", "Cathartic", "Wistful"},
    }
    assert ann.micro_kappa == pytest.approx(compare(ANN, chosen, VOCABULARY).micro_kappa)
    assert {m: f.second_count for m, f in ann.per_mood.items()} == {
        m: sum(m in moods for moods in chosen.values()) for m in VOCABULARY
    }
    assert report.as_dict()["model"]["top_k"] == 3


def test_moods_the_model_does_not_know_are_reported_and_never_chosen() -> None:
    known = ["Brash", "Rustic", "Wistful", "Other"]
    model = ModelOpinion("m", known, {c: np.array([0.1, 0.2, 0.3, 0.9]) for c in ANN})
    report = score_study({"ann": ANN}, VOCABULARY, model)
    assert report.model_unknown_moods == ["Cathartic", "Literate"]
    assert report.model_pairs[0].per_mood["Literate"].second_count == 0
    assert report.model_pairs[0].per_mood["Wistful"].second_count == 4
    with pytest.raises(AgreementError, match="knows none of the sample's moods"):
        score_study({"ann": ANN}, VOCABULARY, ModelOpinion("m", ["X"], {c: np.array([1.0]) for c in ANN}))


def test_a_model_without_scores_for_a_cover_is_refused() -> None:
    model = ModelOpinion("m", VOCABULARY, {"a": np.ones(5)})
    with pytest.raises(AgreementError, match="no scores for covers b, c, d"):
        score_study({"ann": ANN}, VOCABULARY, model)
