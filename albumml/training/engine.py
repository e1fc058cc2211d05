"""The one training engine, in the shape of torchvision's reference scripts: `train_one_epoch`, `evaluate`, a typed
state with `state_dict()`/`load_state_dict()`, one early-stopping rule and one epoch loop that head training and
fine-tuning share. Tracking and display hang off callbacks, so the loop is tested without MLflow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from albumml.evaluation import evaluate as evaluate_scores
from albumml.models.calibration import standardiser
from albumml.models.fitting import HeadData, loss_of, predict_scores
from albumml.models.heads import MoodHead, TargetWeighting
from albumml.training.records import EpochRecord

log = logging.getLogger(__name__)

Weights = dict[str, torch.Tensor]


def copy_weights(module: nn.Module) -> Weights:
    """A detached CPU copy of a module's weights (what a best-so-far or a checkpoint keeps)."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def train_one_epoch(
    head: MoodHead,
    optimizer: torch.optim.Optimizer,
    data: HeadData,
    *,
    batch_size: int,
    label_vectors: torch.Tensor | None = None,
    k: int = 5,
    weighting: TargetWeighting = TargetWeighting.FIRST_K,
    generator: torch.Generator | None = None,
) -> float:
    """One pass over `data` in shuffled batches (a last batch of one is skipped); returns the mean loss."""
    head.train()
    order = torch.randperm(data.features.shape[0], generator=generator)
    total, batches = 0.0, 0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        if len(rows) < 2:
            continue
        optimizer.zero_grad()
        loss = loss_of(head, data, rows, label_vectors, k, weighting)
        loss.backward()
        optimizer.step()
        total, batches = total + loss.item(), batches + 1
    return total / max(batches, 1)


def raw_scores(head: MoodHead, data: HeadData, label_vectors: torch.Tensor | None) -> np.ndarray:
    """Sigmoid scores (models 1-2) or cosines to each mood (3-4) for every album of a split."""
    return predict_scores(head, data, label_vectors).float().cpu().numpy()


def evaluate(
    head: MoodHead, data: HeadData, label_vectors: torch.Tensor | None, *, train: HeadData | None = None
) -> float:
    """Micro AP of the head on `data`; with `train`, cosines (models 3-4) are first standardised against it."""
    scores = raw_scores(head, data, label_vectors)
    if label_vectors is not None and train is not None:
        scores = standardiser(raw_scores(head, train, label_vectors), train.truth.cpu()).from_cosines(scores)
    return evaluate_scores(data.truth.cpu().numpy(), scores).micro_ap


@dataclass
class EarlyStopping:
    """Stop after `patience` epochs without a better validation score; remembers the best epoch."""

    patience: int
    best_score: float = -1.0
    best_epoch: int = 0
    bad_epochs: int = 0

    def update(self, epoch: int, score: float) -> bool:
        """Records an epoch's score; True when it is the best so far."""
        if score > self.best_score:
            self.best_score, self.best_epoch, self.bad_epochs = score, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        """Whether patience has run out."""
        return self.bad_epochs >= self.patience


@dataclass
class TrainState:
    """Where one phase of training stands: epochs done, early stopping, history, the best weights, and whatever
    else resumes it exactly (current module and optimiser states, random-number states, reference figures)."""

    stopping: EarlyStopping
    epoch: int = 0
    history: list[EpochRecord] = field(default_factory=list)
    best: dict[str, Weights] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def state_dict(self) -> dict[str, Any]:
        """Plain tensors, numbers and lists: what `torch.load(weights_only=True)` reads back."""
        return {
            "epoch": self.epoch,
            "best_score": self.stopping.best_score,
            "best_epoch": self.stopping.best_epoch,
            "bad_epochs": self.stopping.bad_epochs,
            "history": [[r.epoch, r.train_loss, r.validation_micro_ap, r.seconds] for r in self.history],
            "best": self.best,
            "extras": self.extras,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restores what `state_dict` wrote (the patience stays this run's)."""
        self.epoch = int(state["epoch"])
        self.stopping.best_score = float(state["best_score"])
        self.stopping.best_epoch = int(state["best_epoch"])
        self.stopping.bad_epochs = int(state["bad_epochs"])
        self.history = [EpochRecord(int(e), float(loss), float(ap), float(s)) for e, loss, ap, s in state["history"]]
        self.best = state["best"]
        self.extras = state["extras"]


@dataclass
class EpochHooks:
    """What the loop calls around each epoch: the best weights to keep, the checkpoint to write, and callbacks
    before the checkpoint (tracking) and after it (a display)."""

    best_weights: Callable[[], dict[str, Weights]]
    save: Callable[[], None]
    recorded: Callable[[EpochRecord], None] | None = None
    saved: Callable[[EpochRecord], None] | None = None


def run_epochs(
    state: TrainState, last_epoch: int, one_epoch: Callable[[int], tuple[float, float]], hooks: EpochHooks
) -> bool:
    """Epochs after `state.epoch` up to `last_epoch`: `one_epoch` trains and returns (loss, validation score); the
    state is updated, called back and saved after each. Returns whether early stopping ended it."""
    if state.stopping.should_stop:
        return True
    for epoch in range(state.epoch + 1, last_epoch + 1):
        started = time.perf_counter()
        loss, score = one_epoch(epoch)
        record = EpochRecord(epoch, loss, score, time.perf_counter() - started)
        if state.stopping.update(epoch, score):
            state.best = hooks.best_weights()
        state.history.append(record)
        state.epoch = epoch
        if hooks.recorded is not None:
            hooks.recorded(record)
        hooks.save()
        if hooks.saved is not None:
            hooks.saved(record)
        if state.stopping.should_stop:
            log.info(
                "early stop after epoch %d: no better validation micro AP for %d epochs", epoch, state.stopping.patience
            )
            return True
    return False
