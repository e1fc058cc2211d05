"""The report's computed tables: average precision per mood, and the near-synonym moods the model confuses most."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score


@dataclass(frozen=True)
class MoodAP:
    """One mood's test AP beside its frequency in training and on the test split."""

    mood: str
    average_precision: float
    train_frequency: float
    test_albums: int


@dataclass(frozen=True)
class ConfusedPair:
    """A true mood the model missed while ranking a near-synonym in its place."""

    true_mood: str
    predicted_mood: str
    times: int
    cosine: float


def per_mood_ap(
    truth: np.ndarray, scores: np.ndarray, vocabulary: list[str], train_frequency: np.ndarray
) -> list[MoodAP]:
    """AP of every mood with at least one positive test album, best first."""
    rows = [
        MoodAP(
            mood,
            float(average_precision_score(truth[:, j], scores[:, j])),
            float(train_frequency[j]),
            int(truth[:, j].sum()),
        )
        for j, mood in enumerate(vocabulary)
        if truth[:, j].any()
    ]
    return sorted(rows, key=lambda row: -row.average_precision)


def confused_pairs(
    truth: np.ndarray,
    scores: np.ndarray,
    vocabulary: list[str],
    label_vectors: np.ndarray,
    *,
    k: int = 5,
    min_cosine: float = 0.4,
    top: int = 12,
) -> list[ConfusedPair]:
    """Pairs (true mood missed, near-synonym ranked in the top k instead), most frequent first.

    Near-synonyms are moods whose label vectors have cosine at least `min_cosine`; each album counts once per pair.
    """
    vectors = label_vectors / np.maximum(np.linalg.norm(label_vectors, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ vectors.T
    predicted = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    counts: Counter[tuple[int, int]] = Counter()
    for album, ranked in enumerate(predicted):
        chosen = set(ranked.tolist())
        missed = [t for t in np.flatnonzero(truth[album]) if t not in chosen]
        wrong = [p for p in chosen if not truth[album, p]]
        counts.update((t, p) for t in missed for p in wrong if similarity[t, p] >= min_cosine)
    ranked_pairs = sorted(counts.items(), key=lambda item: (-item[1], -similarity[item[0]]))[:top]
    return [ConfusedPair(vocabulary[t], vocabulary[p], n, float(similarity[t, p])) for (t, p), n in ranked_pairs]
