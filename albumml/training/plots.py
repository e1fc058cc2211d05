"""Figures of a training run (loss curves, precision-recall curves), written as PNG files for MLflow.

Built on `matplotlib.figure.Figure` without pyplot: variants train concurrently in threads, and pyplot's global
figure state is not thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve

from albumml.training.records import EpochRecord


def loss_curves(history: Sequence[EpochRecord], path: Path) -> Path:
    """Training loss and validation micro AP per epoch."""
    epochs = [record.epoch for record in history]
    figure = Figure(figsize=(10, 4))
    loss_axis, ap_axis = figure.subplots(1, 2)
    loss_axis.plot(epochs, [record.train_loss for record in history], marker=".")
    loss_axis.set(title="training loss", xlabel="epoch", ylabel="loss")
    ap_axis.plot(epochs, [record.validation_micro_ap for record in history], marker=".", color="tab:green")
    ap_axis.set(title="validation micro AP", xlabel="epoch", ylabel="micro AP")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def pr_curves(truth: np.ndarray, scores: Mapping[str, np.ndarray], path: Path) -> Path:
    """Micro-averaged precision-recall curves of the model and the baselines on the same albums."""
    figure = Figure(figsize=(6, 5))
    axis = figure.subplots()
    flat_truth = np.asarray(truth, dtype=bool).ravel()
    for name, values in scores.items():
        precision, recall, _ = precision_recall_curve(flat_truth, np.asarray(values).ravel())
        axis.plot(recall, precision, label=name)
    axis.set(
        title="precision-recall (micro, test split)", xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1)
    )
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
