"""Reading moods back from a label-space point (models 3, 4): cosine per mood, standardised, plus the mood's prior.

Raw cosines rank moods by closeness in the embedding space alone, which ignores how common a mood is and how
spread its cosines are; on real covers that read-back only ties the label-frequency baseline. Standardising each
mood's cosine over the training albums and adding its training log-odds, with one temperature fitted on the
validation split, turns the same point into calibrated, comparable scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from albumml.evaluation import evaluate

TEMPERATURES: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
EPSILON = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class ReadBack:
    """Per-mood cosine mean and spread on the training albums, the moods' log-odds prior, and a temperature."""

    mean: np.ndarray
    std: np.ndarray
    prior_logit: np.ndarray
    temperature: float

    def __call__(self, cosines: np.ndarray) -> np.ndarray:
        """Scores in (0, 1) for cosines of shape (albums, moods)."""
        z = (np.asarray(cosines, dtype=np.float64) - self.mean) / self.std
        return 1 / (1 + np.exp(-(self.prior_logit + self.temperature * z)))

    def as_arrays(self) -> dict[str, np.ndarray]:
        """The read-back as plain arrays, for a model bundle."""
        return {
            "mean": self.mean,
            "std": self.std,
            "prior_logit": self.prior_logit,
            "temperature": np.array(self.temperature),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ReadBack:
        """The read-back saved by `as_arrays`."""
        return cls(arrays["mean"], arrays["std"], arrays["prior_logit"], float(arrays["temperature"]))


def standardiser(train_cosines: np.ndarray, train_truth: np.ndarray, temperature: float = 1.0) -> ReadBack:
    """A read-back from the training albums' cosines and moods, at a given temperature."""
    cosines = np.asarray(train_cosines, dtype=np.float64)
    frequency = np.asarray(train_truth, dtype=np.float64).mean(axis=0)
    return ReadBack(cosines.mean(axis=0), cosines.std(axis=0) + 1e-6, _logit(frequency), temperature)


def fit_read_back(
    train_cosines: np.ndarray,
    train_truth: np.ndarray,
    validation_cosines: np.ndarray,
    validation_truth: np.ndarray,
    temperatures: Sequence[float] = TEMPERATURES,
) -> ReadBack:
    """The read-back whose temperature gives the best validation micro AP."""
    base = standardiser(train_cosines, train_truth)
    best = max(
        temperatures,
        key=lambda t: (
            evaluate(validation_truth, ReadBack(base.mean, base.std, base.prior_logit, t)(validation_cosines)).micro_ap
        ),
    )
    return ReadBack(base.mean, base.std, base.prior_logit, float(best))
