"""Where albums fall in label space: the head's point for models 3-4, the score-weighted top moods for 1-2."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from albumml.models.bundle import MoodModel
from albumml.models.heads import MoodHead, Variant
from albumml.viz.points import predict_points, unit_rows, weighted_points

MOODS = ["Brash", "Bittersweet", "Literate", "Wistful", "Rollicking", "Eerie"]


def label_vectors(dim: int = 8, seed: int = 0) -> np.ndarray:
    return unit_rows(np.random.default_rng(seed).normal(size=(len(MOODS), dim)))


def model(variant: Variant, vectors: np.ndarray | None) -> MoodModel:
    torch.manual_seed(0)
    output = vectors.shape[1] if vectors is not None else len(MOODS)
    head = MoodHead(variant, 16, output, hidden=(12,)).eval()
    labels = torch.from_numpy(vectors) if vectors is not None else None
    return MoodModel(backbone=None, head=head, vocabulary=MOODS, genres=[], label_vectors=labels)  # type: ignore[arg-type]


def test_weighted_points_are_the_normalised_score_weighted_mean_of_the_top_moods() -> None:
    vectors = label_vectors()
    scores = np.array([[0.9, 0.1, 0.5, 0.05, 0.2, 0.3]], np.float32)
    expected = 0.9 * vectors[0] + 0.5 * vectors[2] + 0.3 * vectors[5]
    point = weighted_points(scores, vectors, top=3)[0]
    assert point == pytest.approx(expected / np.linalg.norm(expected), abs=1e-6)
    assert np.linalg.norm(point) == pytest.approx(1)


def test_one_top_mood_puts_the_album_on_that_mood() -> None:
    vectors = label_vectors()
    scores = np.random.default_rng(3).random((5, len(MOODS))).astype(np.float32)
    points = weighted_points(scores, vectors, top=1)
    assert points == pytest.approx(vectors[scores.argmax(axis=1)], abs=1e-6)


def test_embedding_models_place_albums_at_the_heads_output() -> None:
    vectors = label_vectors()
    mood_model = model(Variant.EMBEDDING, vectors)
    features = torch.randn(4, 16)
    predictions = predict_points(mood_model, features, None, vectors)
    with torch.no_grad():
        raw = mood_model.head(features).numpy()
    assert predictions.points == pytest.approx(unit_rows(raw), abs=1e-6)
    assert (predictions.points @ vectors.T).argmax(axis=1).tolist() == predictions.scores.argmax(axis=1).tolist()


def test_classifiers_place_albums_by_their_top_scores() -> None:
    vectors = label_vectors()
    mood_model = model(Variant.CLASSIFIER, None)
    features = torch.randn(3, 16)
    predictions = predict_points(mood_model, features, None, vectors, top=2)
    assert predictions.scores.shape == (3, len(MOODS))
    assert predictions.points == pytest.approx(weighted_points(predictions.scores, vectors, top=2), abs=1e-6)
