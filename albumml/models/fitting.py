"""Fits a head on cached features: the seconds-long inner loop that all four variants share."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional

from albumml.models.heads import MoodHead, TargetWeighting, cosine_loss, mood_scores, target_points


@dataclass
class HeadData:
    """Tensors of one split: features, metadata (or None), multi-hot truth, and mood indices in site order."""

    features: torch.Tensor
    truth: torch.Tensor
    ordered_moods: torch.Tensor
    metadata: torch.Tensor | None = None


def loss_of(
    head: MoodHead,
    data: HeadData,
    rows: torch.Tensor,
    label_vectors: torch.Tensor | None,
    k: int,
    weighting: TargetWeighting = TargetWeighting.FIRST_K,
) -> torch.Tensor:
    """The variant's loss on a batch: binary cross-entropy on logits, or cosine loss to the target point."""
    metadata = data.metadata[rows] if data.metadata is not None else None
    outputs = head(data.features[rows], metadata)
    if head.variant.regresses_embeddings:
        assert label_vectors is not None
        return cosine_loss(outputs, target_points(data.ordered_moods[rows], label_vectors, k, weighting))
    return functional.binary_cross_entropy_with_logits(outputs, data.truth[rows].float())


@torch.no_grad()
def predict_scores(head: MoodHead, data: HeadData, label_vectors: torch.Tensor | None = None) -> torch.Tensor:
    """Per-mood scores for every album of `data`, in evaluation mode."""
    head.eval()
    return mood_scores(head.variant, head(data.features, data.metadata), label_vectors)


@torch.no_grad()
def predicted_points(head: MoodHead, data: HeadData) -> torch.Tensor:
    """The head's raw outputs for every album of `data` (label-space points for models 3-4), in evaluation mode."""
    head.eval()
    return head(data.features, data.metadata)
