"""Measuring a mood model on a snapshot split, beside the baselines: one path for training and the champion gate."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from albumml.dataset.snapshot import Snapshot
from albumml.errors import SnapshotError
from albumml.evaluation import (
    Metrics,
    evaluate,
    evaluate_with_baselines,
    frequency_baseline,
    mistake_closeness,
    multi_hot,
    semantic_closeness,
)
from albumml.evaluation.anchors import ANCHOR_KEYS, Split, fit_anchors
from albumml.evaluation.bootstrap import Difference, paired_bootstrap
from albumml.models.bundle import MoodModel
from albumml.models.features import feature_key
from albumml.models.fitting import HeadData
from albumml.storage import Store
from albumml.training.data import head_data, readable_features


@dataclass(frozen=True)
class AnchorFigures:
    """A strong anchor's figures on the test split: fitted on the same features and training albums, its knob
    chosen on validation."""

    name: str
    choice: str
    validation_micro_ap: float
    metrics: Metrics
    # its scores of the test albums (in the splits' order), for paired comparisons; None in figures read back
    # from a store that kept none
    scores: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> str:
        """Its short name in metric names."""
        return ANCHOR_KEYS[self.name]


def anchors_on(splits: dict[str, HeadData]) -> tuple[AnchorFigures, ...]:
    """The linear probe and the nearest-neighbour anchor, fitted on `splits`' image features."""

    def split(name: str) -> Split:
        return Split(splits[name].features.float().cpu().numpy(), splits[name].truth.cpu().numpy())

    test = split("test")
    return tuple(
        AnchorFigures(
            anchor.name, anchor.choice, anchor.validation_micro_ap, evaluate(test.truth, anchor.scores), anchor.scores
        )
        for anchor in fit_anchors(split("train"), split("validation"), test.features)
    )


def anchor_path(snapshot_id: str, features: str) -> str:
    """Where a snapshot's anchors on one backbone's features are kept: every variant of a night shares them."""
    return f"anchors/{snapshot_id}/{features}.json"


def scores_path(path: str) -> str:
    """Where the anchors' test scores are kept, beside their figures."""
    return path.removesuffix(".json") + ".scores.npz"


def cached_anchors(store: Store, path: str) -> tuple[AnchorFigures, ...]:
    """The anchors stored at `path` (with their test scores where kept); none when they were never fitted."""
    if not store.has_object(path):
        return ()
    scores: dict[str, np.ndarray] = {}
    if store.has_object(scores_path(path)):
        with np.load(io.BytesIO(store.get_object(scores_path(path))), allow_pickle=False) as arrays:
            scores = {name: arrays[name] for name in arrays.files}
    return tuple(
        AnchorFigures(
            item["name"],
            item["choice"],
            item["validation_micro_ap"],
            Metrics(**item["metrics"]),
            scores.get(ANCHOR_KEYS[item["name"]]),
        )
        for item in json.loads(store.get_object(path))
    )


def shared_anchors(store: Store, path: str, splits: dict[str, HeadData]) -> tuple[AnchorFigures, ...]:
    """The anchors at `path`, fitted and stored first when no variant has fitted them yet."""
    found = cached_anchors(store, path)
    if found:
        return found
    fitted = anchors_on(splits)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{a.key: a.scores for a in fitted if a.scores is not None})
    store.put_object(scores_path(path), buffer.getvalue())  # first, so figures are never found without them
    figures = [
        {"name": a.name, "choice": a.choice, "validation_micro_ap": a.validation_micro_ap, "metrics": asdict(a.metrics)}
        for a in fitted
    ]
    store.put_object(path, json.dumps(figures).encode())
    return fitted


@dataclass(frozen=True)
class MistakeFigures:
    """How close the top-5 mistakes of the model and of label frequency land to the true moods in the label space,
    beside a random wrong mood's closeness (the study's claim: label-space models err towards related moods)."""

    model: float
    label_frequency: float
    chance: float


@dataclass(frozen=True)
class Evaluation:
    """A model's metrics on one split beside the label-frequency and random baselines."""

    split: str
    model: Metrics
    label_frequency: Metrics
    random: Metrics
    semantic_closeness: float | None = None
    skipped_covers: int = 0
    anchors: tuple[AnchorFigures, ...] = ()
    mistakes: MistakeFigures | None = None
    # the model's test micro AP minus each anchor's (by anchor key), with a paired bootstrap interval
    beyond: dict[str, Difference] = field(default_factory=dict)

    def verdicts(self) -> list[str]:
        """One plain line per anchor the model does not beat on test micro AP, or beats only within the noise of
        its paired bootstrap interval."""
        lines = []
        for anchor in self.anchors:
            difference = self.beyond.get(anchor.key)
            if self.model.micro_ap <= anchor.metrics.micro_ap:
                lines.append(
                    f"the model ({self.model.micro_ap:.4f} test micro AP) does not beat the {anchor.name} "
                    f"({anchor.metrics.micro_ap:.4f}, {anchor.choice} chosen on validation)"
                )
            elif difference is not None and not difference.sure:
                lines.append(
                    f"the model beats the {anchor.name} by {difference.difference:+.4f} test micro AP, but its "
                    f"{difference.confidence:.0%} paired bootstrap interval [{difference.low:+.4f}, "
                    f"{difference.high:+.4f}] includes no gain"
                )
        return lines

    def columns(self) -> list[str]:
        """The headers of `table()`."""
        return ["metric", "model", "label frequency", "random", *(anchor.name for anchor in self.anchors)]

    def flat(self, prefix: str = "") -> dict[str, float]:
        """Every figure as `<who>_<metric>` (model figures as `test_<metric>`), for MLflow."""
        figures: dict[str, float] = {}
        for who, metrics in (
            (self.split, self.model),
            ("baseline_frequency", self.label_frequency),
            ("baseline_random", self.random),
            *((f"baseline_{anchor.key}", anchor.metrics) for anchor in self.anchors),
        ):
            figures.update({f"{prefix}{who}_{name}": value for name, value in metrics.as_dict().items()})
        if self.semantic_closeness is not None:
            figures[f"{prefix}{self.split}_semantic_closeness"] = self.semantic_closeness
        for key, difference in self.beyond.items():
            figures[f"{prefix}{self.split}_minus_{key}_micro_ap"] = difference.difference
            figures[f"{prefix}{self.split}_minus_{key}_micro_ap_low"] = difference.low
            figures[f"{prefix}{self.split}_minus_{key}_micro_ap_high"] = difference.high
        if self.mistakes is not None:
            figures[f"{prefix}{self.split}_mistake_closeness"] = self.mistakes.model
            figures[f"{prefix}baseline_frequency_mistake_closeness"] = self.mistakes.label_frequency
            figures[f"{prefix}baseline_random_mistake_closeness"] = self.mistakes.chance
        return figures

    def table(self) -> list[tuple[str, ...]]:
        """Rows (metric, model, label frequency, random, each anchor) for printing."""
        names = ("micro_ap", "macro_ap", "micro_roc_auc", "precision_at_k", "recall_at_k", "mean_kappa_at_k")
        rows = [
            (
                name,
                f"{getattr(self.model, name):.4f}",
                f"{getattr(self.label_frequency, name):.4f}",
                f"{getattr(self.random, name):.4f}",
                *(f"{getattr(anchor.metrics, name):.4f}" for anchor in self.anchors),
            )
            for name in names
        ]
        if self.semantic_closeness is not None:
            rows.append(
                ("semantic_closeness", f"{self.semantic_closeness:.4f}", "-", "-", *("-" for _ in self.anchors))
            )
        if self.beyond:
            rows.append(
                (
                    "model - anchor micro_ap (95% CI)",
                    "-",
                    "-",
                    "-",
                    *(self.beyond[a.key].text() if a.key in self.beyond else "-" for a in self.anchors),
                )
            )
        if self.mistakes is not None:
            mistakes = self.mistakes
            rows.append(
                (
                    "mistake_closeness",
                    f"{mistakes.model:.4f}",
                    f"{mistakes.label_frequency:.4f}",
                    f"{mistakes.chance:.4f}",
                    *("-" for _ in self.anchors),
                )
            )
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
            "mistake_closeness": asdict(self.mistakes) if self.mistakes is not None else None,
            "beyond_anchors": {key: asdict(difference) for key, difference in self.beyond.items()},
            "anchors": [
                {
                    "name": a.name,
                    "choice": a.choice,
                    "validation_micro_ap": a.validation_micro_ap,
                    **a.metrics.as_dict(),
                }
                for a in self.anchors
            ],
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
    anchors: tuple[AnchorFigures, ...] = (),
) -> Evaluation:
    """Metrics of `scores` on `truth` beside both baselines; with label vectors, how close the mistakes land (and,
    for label-space points, semantic closeness)."""
    figures = evaluate_with_baselines(truth, scores, train_truth, seed=seed)
    closeness = (
        semantic_closeness(points, truth, label_vectors) if points is not None and label_vectors is not None else None
    )
    mistakes = None
    if label_vectors is not None:
        model = mistake_closeness(scores, truth, label_vectors)
        frequency = mistake_closeness(frequency_baseline(train_truth, len(truth)), truth, label_vectors)
        mistakes = MistakeFigures(model.mean, frequency.mean, model.chance)
    beyond = {
        anchor.key: paired_bootstrap(truth, scores, anchor.scores, seed=seed)
        for anchor in anchors
        if anchor.scores is not None and anchor.scores.shape == np.shape(scores)
    }
    return Evaluation(
        split,
        figures["model"],
        figures["label_frequency"],
        figures["random"],
        closeness,
        skipped,
        anchors,
        mistakes,
        beyond,
    )


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
    data = head_data(readable, vectors, snapshot.vocabulary, model.genres, snapshot.target)
    own = model.scores_from_features(data.features, data.metadata)
    index = {mood: i for i, mood in enumerate(model.vocabulary)}
    scores = np.zeros((len(readable), len(snapshot.vocabulary)))
    for column, mood in enumerate(snapshot.vocabulary):
        if mood in index:
            scores[:, column] = own[:, index[mood]]
    train = manifest[manifest["split"] == "train"]
    train_truth = multi_hot(snapshot.labels(train), snapshot.vocabulary)
    # the anchors the training runs fitted on this snapshot and backbone (the gate does not refit them)
    anchors = cached_anchors(store, anchor_path(snapshot.id, feature_key(model.backbone))) if split == "test" else ()
    return evaluation_of(split, data.truth.numpy(), scores, train_truth, skipped=len(failed), anchors=anchors)
