"""The t-SNE layout keeps what is near in the embedding space near on the map."""

from __future__ import annotations

import numpy as np
import pytest

from albumml.viz.layout import perplexity_for, tsne_layout


@pytest.mark.slow
def test_clusters_in_384_dimensions_stay_apart_on_the_map() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 384))
    points = np.concatenate([centre + 0.1 * rng.normal(size=(40, 384)) for centre in centres])
    xy = tsne_layout(points, seed=0)
    assert xy.shape == (120, 2)
    labels = np.repeat(np.arange(3), 40)
    distances = np.linalg.norm(xy[:, None] - xy[None, :], axis=2)
    same = distances[labels[:, None] == labels[None, :]].mean()
    other = distances[labels[:, None] != labels[None, :]].mean()
    assert same < other / 3


@pytest.mark.slow
def test_the_same_seed_gives_the_same_map() -> None:
    points = np.random.default_rng(1).normal(size=(40, 16))
    assert np.array_equal(tsne_layout(points, seed=4), tsne_layout(points, seed=4))


def test_small_sets_get_a_smaller_perplexity() -> None:
    assert perplexity_for(1000) == 30
    assert perplexity_for(10) == 3
    assert tsne_layout(np.random.default_rng(2).normal(size=(5, 8))).shape == (5, 2)
    with pytest.raises(ValueError, match="at least 3"):
        tsne_layout(np.ones((2, 8)))
