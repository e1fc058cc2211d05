"""The strong anchors every model stands beside, fitted on the same cached features and splits: a linear probe
(a logistic regression per label on standardised features, solved jointly by `albumml.evaluation.logistic`) and a
k-nearest-neighbour scorer (cosine similarity), each with its one knob chosen on the validation split. Label
frequency is a low bar; these are what a data scientist would try first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from albumml.evaluation.logistic import SOLVER_PRECISION, fit_logistic
from albumml.evaluation.metrics import micro_ap

# Inverse regularisation strengths the probe tries: on standardised cover features the best sat at 1e-3 (sample
# site) to 1e-2; weaker ones overfit and converge slowest.
PROBE_STRENGTHS = (1e-4, 1e-3, 1e-2, 1e-1)
NEIGHBOUR_COUNTS = (5, 10, 25, 50)
LINEAR_PROBE = "linear probe"
NEAREST_NEIGHBOURS = "k nearest neighbours"
# Each anchor's short name in metric and tag names (baseline_probe_micro_ap, gate.baseline_knn_micro_ap).
ANCHOR_KEYS = {LINEAR_PROBE: "probe", NEAREST_NEIGHBOURS: "knn"}


@dataclass(frozen=True)
class Split:
    """Feature vectors of one split's albums and their labels (albums x labels, boolean)."""

    features: np.ndarray
    truth: np.ndarray


@dataclass(frozen=True)
class Anchor:
    """An anchor's scores on the test albums, the knob value validation chose, and its validation micro AP."""

    name: str
    choice: str
    validation_micro_ap: float
    scores: np.ndarray


def _probe_scores(
    strength: float, train: Split, evaluated: list[np.ndarray], learnable: np.ndarray, precision: torch.dtype
) -> list[np.ndarray]:
    """Logistic-regression scores of `evaluated` feature sets; labels with one class in training score their
    training frequency (nothing to learn)."""
    frequency = train.truth.mean(axis=0)
    outputs = [np.tile(frequency, (len(features), 1)).astype(np.float64) for features in evaluated]
    if learnable.any():
        weight, bias = fit_logistic(train.features, train.truth[:, learnable], strength, precision)
        for output, features in zip(outputs, evaluated, strict=True):
            output[:, learnable] = np.asarray(features, dtype=np.float64) @ weight.T + bias
    return outputs


def linear_probe(
    train: Split, validation: Split, test_features: np.ndarray, precision: torch.dtype = SOLVER_PRECISION
) -> Anchor:
    """One-vs-rest logistic regression on standardised features, its strength C chosen on validation micro AP;
    solved in `precision` (float32 by default: at the study's size the probe was two thirds of featurize)."""
    scaler = StandardScaler().fit(train.features)
    scaled_train = Split(scaler.transform(train.features), train.truth)
    scaled_validation, scaled_test = scaler.transform(validation.features), scaler.transform(test_features)
    positives = train.truth.sum(axis=0)
    learnable = (positives > 0) & (positives < len(train.truth))
    best: tuple[float, float, np.ndarray] | None = None
    for strength in PROBE_STRENGTHS:  # one fit per strength scores both splits; the test scores wait unseen
        validation_scores, test_scores = _probe_scores(
            strength, scaled_train, [scaled_validation, scaled_test], learnable, precision
        )
        figure = micro_ap(validation.truth, validation_scores)
        if best is None or figure > best[1]:
            best = (strength, figure, test_scores)
    assert best is not None
    return Anchor(LINEAR_PROBE, f"C={best[0]:g}", best[1], best[2])


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


# Query albums per similarity block: at the study's full scale (about 12.7k validation and 102k training albums)
# one block is 256 x 102k float32 = 104 MB, where the whole matrix (and its argpartition) would need over 20 GB.
SIMILARITY_BLOCK_ROWS = 256


@dataclass(frozen=True)
class Neighbours:
    """Each query album's nearest training albums, most similar first, and their cosine similarities."""

    indices: np.ndarray
    similarities: np.ndarray


def _nearest(queries: np.ndarray, reference: np.ndarray, k: int) -> Neighbours:
    """The `k` most similar rows of unit-length `reference` for each unit-length query, one block of queries at a
    time, so memory stays at a block's similarities whatever the number of albums."""
    k = min(k, len(reference))
    indices = np.empty((len(queries), k), dtype=np.int64)
    similarities = np.empty((len(queries), k), dtype=np.float64)
    for start in range(0, len(queries), SIMILARITY_BLOCK_ROWS):
        block = queries[start : start + SIMILARITY_BLOCK_ROWS] @ reference.T
        top = np.argpartition(block, len(reference) - k, axis=1)[:, len(reference) - k :]
        top_similarities = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-top_similarities, axis=1, kind="stable")
        rows = slice(start, start + len(block))
        indices[rows] = np.take_along_axis(top, order, axis=1)
        similarities[rows] = np.take_along_axis(top_similarities, order, axis=1)
    return Neighbours(indices, similarities)


def _neighbour_scores(neighbours: Neighbours, labels: np.ndarray, k: int) -> np.ndarray:
    """Each album's score per label: the similarity-weighted share of its k nearest training albums with it."""
    weights = np.clip(neighbours.similarities[:, :k], 0, None) + 1e-9
    votes = np.zeros((len(weights), labels.shape[1]), dtype=np.float64)
    for rank in range(weights.shape[1]):  # one neighbour rank at a time: albums x labels, never x k as well
        votes += weights[:, rank, None] * labels[neighbours.indices[:, rank]]
    return votes / weights.sum(axis=1, keepdims=True)


def nearest_neighbours(train: Split, validation: Split, test_features: np.ndarray) -> Anchor:
    """Cosine k-nearest-neighbour label votes, k chosen on validation micro AP (the largest k's neighbours are
    found once; each smaller k takes its nearest ones)."""
    reference = _unit(train.features)
    validation_neighbours = _nearest(_unit(validation.features), reference, max(NEIGHBOUR_COUNTS))
    best: tuple[int, float] | None = None
    for k in NEIGHBOUR_COUNTS:
        figure = micro_ap(validation.truth, _neighbour_scores(validation_neighbours, train.truth, k))
        if best is None or figure > best[1]:
            best = (k, figure)
    assert best is not None
    test_neighbours = _nearest(_unit(test_features), reference, best[0])
    return Anchor(NEAREST_NEIGHBOURS, f"k={best[0]}", best[1], _neighbour_scores(test_neighbours, train.truth, best[0]))


def fit_anchors(train: Split, validation: Split, test_features: np.ndarray) -> list[Anchor]:
    """Both anchors, fitted on `train` and chosen on `validation`, scoring the test albums."""
    return [linear_probe(train, validation, test_features), nearest_neighbours(train, validation, test_features)]
