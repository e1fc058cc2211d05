"""How sure a difference is: a paired bootstrap over albums of one scorer's micro AP minus another's.

Both scorers are judged on the same resampled albums each time, so what the albums share (hard covers, rare moods)
cancels out and the interval is about the difference alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from albumml.evaluation.metrics import micro_ap

RESAMPLES = 1000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Difference:
    """Micro AP of A minus B on all albums, and the bootstrap's central interval of that difference."""

    difference: float
    low: float
    high: float
    confidence: float = CONFIDENCE

    @property
    def sure(self) -> bool:
        """Whether the interval lies wholly above zero: A beats B beyond resampling noise."""
        return self.low > 0

    def text(self) -> str:
        """`+0.0123 [+0.0040, +0.0210]`: the difference and its interval."""
        return f"{self.difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}]"


@dataclass(frozen=True)
class RankedPairs:
    """Every (album, label) pair of one scorer, ranked by score once: a resample then only re-weights the pairs
    (an album drawn twice counts twice), which makes each resample's micro AP one linear pass instead of a sort."""

    positive: np.ndarray  # in rank order
    album: np.ndarray  # in rank order
    last_of_tie: np.ndarray  # rank positions where a run of equal scores ends

    @classmethod
    def of(cls, truth: np.ndarray, scores: np.ndarray) -> RankedPairs:
        labels = truth.shape[1]
        flat = np.asarray(scores, dtype=np.float64).ravel()
        order = np.argsort(-flat, kind="mergesort")
        ranked = flat[order]
        last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
        return cls(truth.ravel()[order].astype(np.float64), order // labels, last_of_tie)

    def micro_ap(self, weights: np.ndarray) -> float:
        """Micro AP with each album's pairs counted `weights[album]` times (sklearn's step-wise definition)."""
        weight = weights[self.album]
        true_positives = np.cumsum(weight * self.positive)[self.last_of_tie]
        seen = np.cumsum(weight)[self.last_of_tie]
        if true_positives[-1] <= 0:
            return 0.0
        precision = np.divide(true_positives, seen, out=np.zeros_like(seen), where=seen > 0)
        recall = true_positives / true_positives[-1]
        return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def paired_bootstrap(
    truth: np.ndarray,
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Difference:
    """Micro AP of `scores_a` minus `scores_b` on `truth` (albums x labels), with a paired bootstrap interval."""
    truth = np.asarray(truth, dtype=bool)
    rng = np.random.default_rng(seed)
    albums = truth.shape[0]
    ranked_a, ranked_b = RankedPairs.of(truth, scores_a), RankedPairs.of(truth, scores_b)
    positive_albums = truth.any(axis=1)
    differences = []
    for _ in range(resamples):
        counts = np.bincount(rng.integers(0, albums, albums), minlength=albums).astype(np.float64)
        if not (counts * positive_albums).any():  # a resample without a single positive has no AP
            continue
        differences.append(ranked_a.micro_ap(counts) - ranked_b.micro_ap(counts))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return Difference(micro_ap(truth, scores_a) - micro_ap(truth, scores_b), float(low), float(high), confidence)
