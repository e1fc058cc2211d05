"""Fits a head on cached features: the seconds-long inner loop that all four variants share."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional

from albumml.models.heads import MoodHead, cosine_loss, mood_scores, target_points


@dataclass
class HeadData:
    """Tensors of one split: features, metadata (or None), multi-hot truth, and mood indices in site order."""

    features: torch.Tensor
    truth: torch.Tensor
    ordered_moods: torch.Tensor
    metadata: torch.Tensor | None = None


def loss_of(
    head: MoodHead, data: HeadData, rows: torch.Tensor, label_vectors: torch.Tensor | None, k: int
) -> torch.Tensor:
    """The variant's loss on a batch: binary cross-entropy on logits, or cosine loss to the first-k mood mean."""
    metadata = data.metadata[rows] if data.metadata is not None else None
    outputs = head(data.features[rows], metadata)
    if head.variant.regresses_embeddings:
        assert label_vectors is not None
        return cosine_loss(outputs, target_points(data.ordered_moods[rows], label_vectors, k))
    return functional.binary_cross_entropy_with_logits(outputs, data.truth[rows].float())


def train_epoch(
    head: MoodHead,
    optimizer: torch.optim.Optimizer,
    data: HeadData,
    *,
    batch_size: int,
    label_vectors: torch.Tensor | None = None,
    k: int = 5,
    generator: torch.Generator | None = None,
) -> float:
    """One pass over `data` in shuffled batches; returns the mean loss."""
    head.train()
    order = torch.randperm(data.features.shape[0], generator=generator)
    total, batches = 0.0, 0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        if len(rows) < 2:
            continue
        optimizer.zero_grad()
        loss = loss_of(head, data, rows, label_vectors, k)
        loss.backward()
        optimizer.step()
        total, batches = total + loss.item(), batches + 1
    return total / max(batches, 1)


@torch.no_grad()
def predict_scores(head: MoodHead, data: HeadData, label_vectors: torch.Tensor | None = None) -> torch.Tensor:
    """Per-mood scores for every album of `data`, in evaluation mode."""
    head.eval()
    return mood_scores(head.variant, head(data.features, data.metadata), label_vectors)


def fit_head(
    head: MoodHead,
    data: HeadData,
    *,
    epochs: int = 30,
    lr: float = 1e-3,
    batch_size: int = 64,
    label_vectors: torch.Tensor | None = None,
    seed: int = 0,
) -> list[float]:
    """Train `head` with Adam for `epochs`; returns the loss of each epoch."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    return [
        train_epoch(head, optimizer, data, batch_size=batch_size, label_vectors=label_vectors, generator=generator)
        for _ in range(epochs)
    ]
