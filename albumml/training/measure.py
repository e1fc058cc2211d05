"""Measuring a mood model on a snapshot split, beside the baselines: one path for training and the champion gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from albumml.dataset.snapshot import Snapshot
from albumml.errors import SnapshotError
from albumml.evaluation import Metrics, evaluate_with_baselines, multi_hot, semantic_closeness
from albumml.models.bundle import MoodModel
from albumml.storage import Store
from albumml.training.data import head_data, readable_features


@dataclass(frozen=True)
class Evaluation:
    """A model's metrics on one split beside the label-frequency and random baselines."""

    split: str
    model: Metrics
    label_frequency: Metrics
    random: Metrics
    semantic_closeness: float | None = None
    skipped_covers: int = 0

    def flat(self, prefix: str = "") -> dict[str, float]:
        """Every figure as `<who>_<metric>` (model figures as `test_<metric>`), for MLflow."""
        figures: dict[str, float] = {}
        for who, metrics in (
            (self.split, self.model),
            ("baseline_frequency", self.label_frequency),
            ("baseline_random", self.random),
        ):
            figures.update({f"{prefix}{who}_{name}": value for name, value in metrics.as_dict().items()})
        if self.semantic_closeness is not None:
            figures[f"{prefix}{self.split}_semantic_closeness"] = self.semantic_closeness
        return figures

    def table(self) -> list[tuple[str, ...]]:
        """Rows (metric, model, label frequency, random) for printing."""
        names = ("micro_ap", "macro_ap", "micro_roc_auc", "precision_at_k", "recall_at_k", "mean_kappa_at_k")
        rows = [
            (
                name,
                f"{getattr(self.model, name):.4f}",
                f"{getattr(self.label_frequency, name):.4f}",
                f"{getattr(self.random, name):.4f}",
            )
            for name in names
        ]
        if self.semantic_closeness is not None:
            rows.append(("semantic_closeness", f"{self.semantic_closeness:.4f}", "-", "-"))
        return rows

    def as_dict(self) -> dict[str, Any]:
        """The evaluation as JSON-ready data."""
        return {
            "split": self.split,
            "model": self.model.as_dict(),
            "label_frequency": self.label_frequency.as_dict(),
            "random": self.random.as_dict(),
            "semantic_closeness": self.semantic_closeness,
            "skipped_covers": self.skipped_covers,
        }


def evaluation_of(
    split: str,
    truth: np.ndarray,
    scores: np.ndarray,
    train_truth: np.ndarray,
    *,
    points: np.ndarray | None = None,
    label_vectors: np.ndarray | None = None,
    skipped: int = 0,
    seed: int = 0,
) -> Evaluation:
    """Metrics of `scores` on `truth` beside both baselines (and semantic closeness for label-space points)."""
    figures = evaluate_with_baselines(truth, scores, train_truth, seed=seed)
    closeness = (
        semantic_closeness(points, truth, label_vectors) if points is not None and label_vectors is not None else None
    )
    return Evaluation(split, figures["model"], figures["label_frequency"], figures["random"], closeness, skipped)


def measure(model: MoodModel, store: Store, snapshot: Snapshot, split: str = "test") -> Evaluation:
    """The model re-measured on a snapshot's split through its own backbone (cached features where they exist).

    Moods of the snapshot the model does not know score zero, so a model is never flattered by a smaller vocabulary.
    """
    manifest = snapshot.manifest
    rows = manifest[manifest["split"] == split]
    if rows.empty:
        raise SnapshotError(f"snapshot {snapshot.id} has no {split} albums")
    readable, by_cover, failed = readable_features(store, model.backbone, rows, device=str(model.device))
    vectors = np.stack([by_cover[key] for key in readable["cover_key"]])
    data = head_data(readable, vectors, snapshot.vocabulary, model.genres)
    own = model.scores_from_features(data.features, data.metadata)
    index = {mood: i for i, mood in enumerate(model.vocabulary)}
    scores = np.zeros((len(readable), len(snapshot.vocabulary)))
    for column, mood in enumerate(snapshot.vocabulary):
        if mood in index:
            scores[:, column] = own[:, index[mood]]
    train = manifest[manifest["split"] == "train"]
    train_truth = multi_hot([list(m) for m in train["moods"]], snapshot.vocabulary)
    return evaluation_of(split, data.truth.numpy(), scores, train_truth, skipped=len(failed))
