"""The four heads learn: on held-out albums each beats the label-frequency baseline by 1.5x; shuffled labels do not."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from albumml.evaluation import evaluate, frequency_baseline
from albumml.models.fitting import HeadData, predict_scores
from albumml.models.heads import MoodHead, TargetWeighting, Variant, fc_block, metadata_features, target_points
from tests.support.fitting import fit_head

MOODS, FEATURES, GENRES = 16, 48, ["Pop/Rock", "Jazz", "Folk"]


def synthetic(albums: int, seed: int, *, shuffle_labels: bool = False) -> tuple[HeadData, np.ndarray]:
    """Albums whose features carry their moods (a random projection plus noise), as covers carry signatures."""
    rng = np.random.default_rng(seed)
    projection = np.random.default_rng(99).normal(size=(MOODS, FEATURES))
    prevalence = np.linspace(0.4, 0.04, MOODS)
    truth = rng.random((albums, MOODS)) < prevalence
    truth[~truth.any(axis=1), 0] = True
    features = truth @ projection + rng.normal(0, 1.5, (albums, FEATURES))
    if shuffle_labels:
        truth = truth[rng.permutation(albums)]
    ordered = np.full((albums, MOODS), -1)
    for row in range(albums):
        moods = np.flatnonzero(truth[row])
        ordered[row, : len(moods)] = rng.permutation(moods)
    genres = [[GENRES[int(truth[row, 0]) + int(truth[row, 1])]] for row in range(albums)]
    years = [1960 + row % 60 for row in range(albums)]
    data = HeadData(
        features=torch.tensor(features, dtype=torch.float32),
        truth=torch.tensor(truth),
        ordered_moods=torch.tensor(ordered),
        metadata=metadata_features(genres, years, GENRES),
    )
    return data, truth


LABEL_VECTORS = torch.nn.functional.normalize(torch.randn(MOODS, 32, generator=torch.Generator().manual_seed(3)), dim=1)


def held_out_micro_ap(variant: Variant, *, shuffle_labels: bool = False) -> tuple[float, float]:
    torch.manual_seed(0)
    train, train_truth = synthetic(800, seed=1, shuffle_labels=shuffle_labels)
    test, test_truth = synthetic(400, seed=2)
    output_dim = LABEL_VECTORS.shape[1] if variant.regresses_embeddings else MOODS
    head = MoodHead(variant, FEATURES, output_dim, metadata_dim=len(GENRES) + 2, hidden=(128,))
    vectors = LABEL_VECTORS if variant.regresses_embeddings else None
    losses = fit_head(head, train, epochs=25, label_vectors=vectors)
    assert losses[-1] < losses[0]
    scores = predict_scores(head, test, vectors).numpy()
    model = evaluate(test_truth, scores).micro_ap
    baseline = evaluate(test_truth, frequency_baseline(train_truth, len(test_truth))).micro_ap
    return model, baseline


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(Variant))
def test_each_variant_beats_the_frequency_baseline(variant: Variant) -> None:
    model, baseline = held_out_micro_ap(variant)
    assert model >= 1.5 * baseline, f"model {int(variant)}: micro AP {model:.3f} vs baseline {baseline:.3f}"


@pytest.mark.slow
def test_shuffled_labels_do_not_beat_the_baseline() -> None:
    model, baseline = held_out_micro_ap(Variant.CLASSIFIER, shuffle_labels=True)
    assert model < 1.15 * baseline


def test_fc_block_is_the_studys() -> None:
    block = fc_block(8, 4)
    assert [type(layer).__name__ for layer in block] == ["Linear", "ReLU", "BatchNorm1d", "Dropout"]
    assert block[3].p == 0.5


def test_target_points_average_the_first_k_moods_in_site_order() -> None:
    vectors = torch.eye(4)
    ordered = torch.tensor([[2, 0, 3, -1], [1, -1, -1, -1]])
    targets = target_points(ordered, vectors, k=2)
    assert torch.allclose(targets[0], torch.tensor([1.0, 0, 1.0, 0]) / 2**0.5)
    assert torch.allclose(targets[1], torch.tensor([0, 1.0, 0, 0]))


def test_page_order_targets_weight_every_mood_by_its_position() -> None:
    vectors = torch.eye(4)
    ordered = torch.tensor([[2, 0, 3, -1], [1, -1, -1, -1]])
    targets = target_points(ordered, vectors, k=1, weighting=TargetWeighting.PAGE_ORDER)
    expected = torch.tensor([1 / 2, 0, 1.0, 1 / 3])  # mood 2 first (1), mood 0 second (1/2), mood 3 third (1/3)
    assert torch.allclose(targets[0], expected / expected.norm())
    assert torch.allclose(targets[1], torch.tensor([0, 1.0, 0, 0]))
    # k plays no part in page order, and the padding never counts
    assert torch.allclose(targets, target_points(ordered, vectors, k=3, weighting=TargetWeighting.PAGE_ORDER))


def test_metadata_variants_refuse_to_run_without_metadata() -> None:
    with pytest.raises(ValueError, match="uses metadata"):
        MoodHead(Variant.CLASSIFIER_WITH_METADATA, 8, 4)
    head = MoodHead(Variant.EMBEDDING_WITH_METADATA, 8, 4, metadata_dim=2)
    with pytest.raises(ValueError, match="needs metadata"):
        head(torch.zeros(2, 8))
