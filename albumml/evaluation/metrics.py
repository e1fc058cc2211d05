"""Metrics of multi-label mood predictions (the study's PR-AUC and more) and the baselines every model must beat.

All functions are pure: they take arrays (albums x moods) and return numbers, so they are tested without servers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import rankdata

from albumml.errors import EvaluationError
from albumml.evaluation.kappa import paired_kappas


@dataclass(frozen=True)
class Metrics:
    """One model's (or baseline's) figures on one split."""

    micro_ap: float
    macro_ap: float
    micro_roc_auc: float
    macro_roc_auc: float
    precision_at_k: float
    recall_at_k: float
    mean_kappa_at_k: float
    k: int
    albums: int
    moods_scored: int

    def as_dict(self) -> dict[str, float]:
        """The figures as a flat mapping, for logging to MLflow."""
        return {name: float(value) for name, value in asdict(self).items()}


def multi_hot(mood_lists: Iterable[Sequence[str]], vocabulary: Sequence[str]) -> np.ndarray:
    """Albums' moods as a boolean matrix over the vocabulary; moods outside it are ignored."""
    index = {mood: i for i, mood in enumerate(vocabulary)}
    rows = list(mood_lists)
    matrix = np.zeros((len(rows), len(vocabulary)), dtype=bool)
    for row, moods in enumerate(rows):
        for mood in moods:
            if mood in index:
                matrix[row, index[mood]] = True
    return matrix


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """A boolean matrix marking each row's k highest scores (ties broken by column order)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    chosen = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(chosen, order, True, axis=1)
    return chosen


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    """Average precision of one ranking (scikit-learn's step-wise definition: precision at each distinct score,
    weighted by the recall it adds); 0 when nothing is positive. One sort, no input validation: an epoch's
    evaluation calls it for every mood."""
    order = np.argsort(-scores, kind="mergesort")
    ranked, positive = scores[order], truth[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
    true_positives = np.cumsum(positive, dtype=np.float64)[last_of_tie]
    if not true_positives.size or true_positives[-1] == 0:
        return 0.0
    precision = true_positives / (last_of_tie + 1)
    recall = true_positives / true_positives[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def roc_auc_columns(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC-AUC of each column (ties count a half, as the trapezoidal curve does), from average ranks."""
    ranks = rankdata(scores, axis=0)
    positives = truth.sum(axis=0)
    negatives = truth.shape[0] - positives
    return ((ranks * truth).sum(axis=0) - positives * (positives + 1) / 2) / (positives * negatives)


def micro_ap(truth: np.ndarray, scores: np.ndarray) -> float:
    """Micro-averaged average precision over every (album, mood) pair; 0 when no pair is positive."""
    return average_precision(np.asarray(truth, dtype=bool).ravel(), np.asarray(scores, dtype=np.float64).ravel())


def evaluate(truth: np.ndarray, scores: np.ndarray, k: int = 5) -> Metrics:
    """Micro and macro average precision and ROC-AUC, precision@k, recall@k and mean Cohen's kappa at k.

    Macro figures average over moods that have both a positive and a negative album in `truth` (others have no
    defined AP or AUC; with none, they are NaN); kappa compares, per album, the top-k predicted moods with the true
    ones over the vocabulary.
    """
    truth = np.asarray(truth, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    if truth.shape != scores.shape or truth.ndim != 2:
        raise EvaluationError(f"labels {truth.shape} and scores {scores.shape} must be the same albums x moods shape")
    if not truth.any():
        raise EvaluationError("no album has any true mood: nothing to evaluate")
    if not np.isfinite(scores).all():
        raise EvaluationError("scores contain NaN or infinity")
    scored = truth.any(axis=0) & ~truth.all(axis=0)
    chosen = _top_k(scores, k)
    hits = (chosen & truth).sum(axis=1)
    positives = truth.sum(axis=1)
    has_moods = positives > 0
    # an album whose chosen moods are exactly its true ones agrees perfectly (kappa undefined only then)
    kappas = [1.0 if k is None else k for k in paired_kappas(truth[has_moods], chosen[has_moods], axis=1)[0]]
    # a split too small for any mood to have both a positive and a negative album has no macro figure
    macro = scored.any()
    flat_truth, flat_scores = truth.ravel(), scores.ravel()
    return Metrics(
        micro_ap=micro_ap(truth, scores),
        macro_ap=float(np.mean([average_precision(truth[:, j], scores[:, j]) for j in np.flatnonzero(scored)]))
        if macro
        else float("nan"),
        micro_roc_auc=float(roc_auc_columns(flat_truth[:, None], flat_scores[:, None])[0]),
        macro_roc_auc=float(np.mean(roc_auc_columns(truth[:, scored], scores[:, scored]))) if macro else float("nan"),
        precision_at_k=float(np.mean(hits / k)),
        recall_at_k=float(np.mean(hits[has_moods] / positives[has_moods])),
        mean_kappa_at_k=float(np.mean(kappas)),
        k=k,
        albums=int(truth.shape[0]),
        moods_scored=int(scored.sum()),
    )


def frequency_baseline(train_truth: np.ndarray, albums: int) -> np.ndarray:
    """Every album gets the training split's mood frequencies: the score a model must beat."""
    frequencies = np.asarray(train_truth, dtype=np.float64).mean(axis=0)
    return np.tile(frequencies, (albums, 1))


def random_baseline(albums: int, moods: int, seed: int = 0) -> np.ndarray:
    """Uniform random scores, seeded."""
    return np.random.default_rng(seed).random((albums, moods))


def evaluate_with_baselines(
    truth: np.ndarray, scores: np.ndarray, train_truth: np.ndarray, *, k: int = 5, seed: int = 0
) -> dict[str, Metrics]:
    """The model's metrics beside the label-frequency and random baselines on the same albums."""
    albums, moods = np.asarray(truth).shape
    return {
        "model": evaluate(truth, scores, k),
        "label_frequency": evaluate(truth, frequency_baseline(train_truth, albums), k),
        "random": evaluate(truth, random_baseline(albums, moods, seed), k),
    }


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length (float64; an all-zero row stays zero)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def semantic_closeness(predicted: np.ndarray, truth: np.ndarray, label_vectors: np.ndarray) -> float:
    """Mean cosine between each predicted point and the vectors of its album's true moods (models 3 and 4)."""
    cosines = unit_rows(predicted) @ unit_rows(label_vectors).T
    truth = np.asarray(truth, dtype=bool)
    per_album = [cosines[i, truth[i]].mean() for i in range(truth.shape[0]) if truth[i].any()]
    if not per_album:
        raise EvaluationError("no album has any true mood: nothing to compare")
    return float(np.mean(per_album))


@dataclass(frozen=True)
class MistakeCloseness:
    """How near, in the label space, wrong guesses land to an album's true moods: the mean cosine between each
    wrong mood among a scorer's top k and the nearest true mood of its album, and the same for a wrong mood drawn
    at random (`chance`). The study's claim is that label-space models err towards related moods."""

    mean: float
    chance: float
    mistakes: int


def mistake_closeness(scores: np.ndarray, truth: np.ndarray, label_vectors: np.ndarray, k: int = 5) -> MistakeCloseness:
    """The closeness of the top-k mistakes of `scores` (albums x moods) to each album's true moods."""
    labels = unit_rows(label_vectors)
    similarity = labels @ labels.T  # mood x mood cosines
    truth = np.asarray(truth, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    k = max(1, min(k, truth.shape[1]))
    picked: list[float] = []
    chance: list[float] = []
    for row in range(truth.shape[0]):
        true = truth[row]
        if not true.any() or true.all():
            continue
        nearest_true = similarity[:, true].max(axis=1)  # each mood's cosine to this album's nearest true mood
        top = np.argsort(-scores[row], kind="stable")[:k]
        picked.extend(nearest_true[top[~true[top]]])
        chance.append(float(nearest_true[~true].mean()))
    if not chance:
        raise EvaluationError("no album has both true and untrue moods: no mistake to measure")
    mean = float(np.mean(picked)) if picked else float("nan")
    return MistakeCloseness(mean, float(np.mean(chance)), len(picked))
