"""Fitting a bare head for a fixed number of epochs: what the head and learning tests train with."""

from __future__ import annotations

import torch

from albumml.models.fitting import HeadData
from albumml.models.heads import MoodHead
from albumml.training.engine import train_one_epoch


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
    """Train `head` with Adam for `epochs` through the engine's `train_one_epoch`; returns each epoch's loss."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    return [
        train_one_epoch(head, optimizer, data, batch_size=batch_size, label_vectors=label_vectors, generator=generator)
        for _ in range(epochs)
    ]
