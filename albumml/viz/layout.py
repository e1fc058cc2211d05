"""The 2-D t-SNE layout of moods and album points together (t-SNE cannot place points after fitting)."""

from __future__ import annotations

import numpy as np
from sklearn.manifold import TSNE

PERPLEXITY = 30.0


def perplexity_for(points: int, wanted: float = PERPLEXITY) -> float:
    """The wanted perplexity, lowered for small sets (t-SNE needs it below the number of points)."""
    return float(max(1.0, min(wanted, (points - 1) / 3)))


def tsne_layout(points: np.ndarray, *, seed: int = 0, perplexity: float = PERPLEXITY) -> np.ndarray:
    """2-D coordinates of `points` (one row each) by t-SNE with the cosine metric and a PCA start."""
    points = np.asarray(points, dtype=np.float32)
    if len(points) < 3:
        raise ValueError(f"a t-SNE map needs at least 3 points, got {len(points)}")
    tsne = TSNE(
        n_components=2,
        metric="cosine",
        init="pca",
        perplexity=perplexity_for(len(points), perplexity),
        random_state=seed,
    )
    return tsne.fit_transform(points).astype(np.float64)
