"""Where albums fall in the label-embedding space of their moods.

Models 3 and 4 predict a point in that space directly: the head's output, normalised. Models 1 and 2 predict
per-mood scores, so their point is the score-weighted mean of the label vectors of their top moods, normalised:
the place in label space those moods, weighted by confidence, point to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from albumml.labels import MINILM_SOURCE, cached_embeddings
from albumml.models.bundle import MoodModel
from albumml.storage import Store

TOP = 5


@dataclass(frozen=True)
class Predictions:
    """Albums' points in label space (unit rows) and their per-mood scores."""

    points: np.ndarray
    scores: np.ndarray


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero), as float32."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


def mood_vectors(model: MoodModel, store: Store, source: str = MINILM_SOURCE) -> np.ndarray:
    """One unit vector per mood of the model's vocabulary: the model's own label vectors, else cached embeddings."""
    if model.label_vectors is not None:
        return unit_rows(model.label_vectors.detach().float().cpu().numpy())
    return cached_embeddings(store, model.vocabulary, source).vectors


def weighted_points(scores: np.ndarray, label_vectors: np.ndarray, top: int = TOP) -> np.ndarray:
    """Each row's score-weighted mean of the label vectors of its `top` moods, normalised (models 1 and 2)."""
    scores = np.asarray(scores, dtype=np.float32)
    top = max(1, min(top, scores.shape[1]))
    best = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    weights = np.take_along_axis(scores, best, axis=1)
    return unit_rows(np.einsum("ak,akd->ad", weights, label_vectors[best]))


@torch.no_grad()
def predict_points(
    model: MoodModel,
    features: torch.Tensor,
    metadata: torch.Tensor | None,
    label_vectors: np.ndarray,
    top: int = TOP,
) -> Predictions:
    """The albums' points in label space and their scores, from backbone features (and metadata for 2 and 4)."""
    scores = model.scores_from_features(features, metadata)
    if model.variant.regresses_embeddings:
        head = model.head.eval()
        metadata = metadata.to(model.device) if metadata is not None else None
        outputs = head(features.to(model.device).float(), metadata).float().cpu().numpy()
        return Predictions(unit_rows(outputs), scores)
    return Predictions(weighted_points(scores, label_vectors, top), scores)
