"""The study's four heads: mood logits (models 1, 2) or a point in label space (3, 4), with metadata (2, 4).

Each hidden layer is the study's FC block: Linear, ReLU, BatchNorm, Dropout(0.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from itertools import pairwise

import torch
from torch import nn
from torch.nn import functional

from albumml.models.targets import TargetWeighting


class Variant(IntEnum):
    """The four models of the study."""

    CLASSIFIER = 1
    CLASSIFIER_WITH_METADATA = 2
    EMBEDDING = 3
    EMBEDDING_WITH_METADATA = 4

    @property
    def uses_metadata(self) -> bool:
        """Whether genres and year join the image features."""
        return self in (Variant.CLASSIFIER_WITH_METADATA, Variant.EMBEDDING_WITH_METADATA)

    @property
    def regresses_embeddings(self) -> bool:
        """Whether the head predicts a point in the label-embedding space (cosine loss)."""
        return self in (Variant.EMBEDDING, Variant.EMBEDDING_WITH_METADATA)


def position_weights(width: int, k: int, weighting: TargetWeighting) -> torch.Tensor:
    """The weight of each page position (0 .. width-1) in an album's target point."""
    positions = torch.arange(width, dtype=torch.float32)
    if weighting == TargetWeighting.PAGE_ORDER:
        return 1.0 / (positions + 1.0)
    return (positions < k).float()


def fc_block(inputs: int, outputs: int, dropout: float = 0.5) -> nn.Sequential:
    """The study's fully connected block."""
    return nn.Sequential(nn.Linear(inputs, outputs), nn.ReLU(), nn.BatchNorm1d(outputs), nn.Dropout(dropout))


class MoodHead(nn.Module):
    """Image features (and optionally metadata) to mood logits or to a label-space point."""

    def __init__(
        self,
        variant: Variant,
        feature_dim: int,
        output_dim: int,
        *,
        metadata_dim: int = 0,
        hidden: Sequence[int] = (512,),
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if variant.uses_metadata and metadata_dim <= 0:
            raise ValueError(f"model {int(variant)} uses metadata but metadata_dim is {metadata_dim}")
        self.variant = variant
        self.metadata_dim = metadata_dim if variant.uses_metadata else 0
        widths = [feature_dim + self.metadata_dim, *hidden]
        self.blocks = nn.Sequential(*(fc_block(a, b, dropout) for a, b in pairwise(widths)))
        self.out = nn.Linear(widths[-1], output_dim)

    def forward(self, features: torch.Tensor, metadata: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (models 1, 2) or an unnormalised label-space point (models 3, 4)."""
        if self.metadata_dim:
            if metadata is None:
                raise ValueError(f"model {int(self.variant)} needs metadata of width {self.metadata_dim}")
            features = torch.cat([features, metadata], dim=1)
        return self.out(self.blocks(features))


def target_points(
    ordered_moods: torch.Tensor,
    label_vectors: torch.Tensor,
    k: int = 5,
    weighting: TargetWeighting = TargetWeighting.FIRST_K,
) -> torch.Tensor:
    """Each album's regression target, unit length: the mean label vector of its first k moods in the site's order
    (the study's), or of all its moods weighted by page position.

    `ordered_moods` holds vocabulary indices in site order, padded with -1.
    """
    weights = position_weights(ordered_moods.shape[1], k, weighting).to(label_vectors.device, label_vectors.dtype)
    valid = (ordered_moods >= 0).to(label_vectors.dtype) * weights
    vectors = label_vectors[ordered_moods.clamp(min=0)] * valid.unsqueeze(-1)
    mean = vectors.sum(dim=1) / valid.sum(dim=1, keepdim=True).clamp(min=1e-12)
    return functional.normalize(mean, dim=1)


def cosine_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - cosine similarity, averaged over the batch."""
    return (1 - functional.cosine_similarity(predicted, target, dim=1)).mean()


def mood_scores(variant: Variant, outputs: torch.Tensor, label_vectors: torch.Tensor | None = None) -> torch.Tensor:
    """Per-mood scores from a head's outputs: sigmoid of logits, or cosine to each mood's vector."""
    if not variant.regresses_embeddings:
        return torch.sigmoid(outputs)
    if label_vectors is None:
        raise ValueError(f"model {int(variant)} needs the label vectors to score moods")
    return functional.normalize(outputs, dim=1) @ functional.normalize(label_vectors, dim=1).T


def metadata_features(
    genre_lists: Sequence[Sequence[str]], years: Sequence[int | None], genres: Sequence[str]
) -> torch.Tensor:
    """Genres multi-hot plus the year scaled to about [0, 1] (1950-2025) and a flag for a missing year."""
    index = {genre: i for i, genre in enumerate(genres)}
    rows = torch.zeros((len(genre_lists), len(genres) + 2))
    for row, (album_genres, year) in enumerate(zip(genre_lists, years, strict=True)):
        for genre in album_genres:
            if genre in index:
                rows[row, index[genre]] = 1.0
        if year is None:
            rows[row, -1] = 1.0
        else:
            rows[row, -2] = (year - 1950) / 75
    return rows
