"""Analysis: `similar` queries through the mood-space index against brute-force NumPy cosine, and the t-SNE map
(Barnes-Hut, as `mood-space` fits it) against sklearn's exact t-SNE of the same points."""

from __future__ import annotations

import numpy as np
from sklearn.manifold import TSNE

from albumml.catalogue.vocabulary import bundled_moods
from albumml.labels import minilm_embeddings
from albumml.recommend.index import MoodIndex
from albumml.viz.layout import perplexity_for, tsne_layout
from benchmarks.harness import Figure, Report, rate

MOODS = 150
K = 10


def brute_force(scores: np.ndarray, rows: np.ndarray, k: int = K) -> None:
    """The baseline: float64, cosine with the norms computed per query, a full argsort, the album dropped after."""
    for row in rows:
        cosines = scores @ scores[row] / (np.linalg.norm(scores, axis=1) * np.linalg.norm(scores[row]))
        order = np.argsort(-cosines)
        _ = order[order != row][:k]


def album_points(vectors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Label-space points like model 3's: the mean of five moods' vectors, with noise, normalised."""
    picks = rng.integers(0, len(vectors), (count, 5))
    points = vectors[picks].mean(axis=1) + rng.normal(0, 0.05, (count, vectors.shape[1]))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def run(
    report: Report, *, albums: int = 127_467, tsne_albums: int = 1_000, queries: int = 200, baseline_queries: int = 20
) -> None:
    """Both analysis figures: a query at `albums` albums, and a map of the vocabulary plus `tsne_albums` albums."""
    rng = np.random.default_rng(0)
    scores = rng.random((albums, MOODS), dtype=np.float32)
    ids = [f"mw{number:010d}" for number in range(albums)]
    index = MoodIndex.from_scores(ids, scores, ids)
    index.nearest(ids[0], K)
    picks = rng.integers(0, albums, queries)
    ours = rate(queries, lambda: [index.nearest(ids[row], K) for row in picks])
    raw = scores.astype(np.float64)
    baseline = rate(baseline_queries, lambda: brute_force(raw, picks[:baseline_queries]), repeat=1)
    report.add(
        Figure(
            "analysis",
            f"similar query, {albums:,} albums x {MOODS} moods, k={K}",
            "queries/s",
            ours,
            "brute-force NumPy (float64, norms per query, full argsort)",
            baseline,
            5.0,
            f"{1000 / ours:.2f} ms a query (must stay under 50 ms) vs {1000 / baseline:.1f} ms; "
            "normalised float32 matrix, one mat-vec + argpartition",
        )
    )

    vocabulary = [tag.name for tag in bundled_moods()][:MOODS]
    moods = minilm_embeddings(vocabulary).vectors
    points = np.concatenate([moods, album_points(moods, tsne_albums, rng)])
    ours = rate(len(points), lambda: tsne_layout(points, seed=0), repeat=2)
    exact = TSNE(
        n_components=2,
        metric="cosine",
        init="pca",
        method="exact",
        random_state=0,
        perplexity=perplexity_for(len(points)),
    )
    baseline = rate(len(points), lambda: exact.fit_transform(points), repeat=2)
    report.add(
        Figure(
            "analysis",
            f"t-SNE map, {len(vocabulary)} moods + {tsne_albums:,} albums (MiniLM 384-d)",
            "points/s",
            ours,
            "sklearn exact t-SNE (same points, metric, init)",
            baseline,
            1.0,
            f"{len(points) / ours:.1f} s for the map vs {len(points) / baseline:.1f} s exact; Barnes-Hut "
            "fitted on moods and albums together",
        )
    )
