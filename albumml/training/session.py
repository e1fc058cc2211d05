"""A training run in progress: its data, head, optimiser, checkpoints and the state of each phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from albumml.models.backbones import Backbone
from albumml.models.fitting import HeadData
from albumml.models.heads import MoodHead
from albumml.storage import Store
from albumml.training.checkpoints import Checkpoints
from albumml.training.config import TrainConfig
from albumml.training.data import TrainingData
from albumml.training.engine import EarlyStopping, TrainState


@dataclass
class Session:
    """A training run's pieces once data and head are ready (and, when resuming, restored from a checkpoint)."""

    config: TrainConfig
    store: Store
    device: str
    backbone: Backbone
    data: TrainingData
    label_vectors: torch.Tensor | None
    head: MoodHead
    optimizer: torch.optim.Optimizer
    checkpoints: Checkpoints
    head_state: TrainState
    resumed_from: int | None
    splits: dict[str, HeadData]
    finetune_state: TrainState | None = None
    tracking_run_id: str | None = None

    def checkpoint(self) -> dict[str, Any]:
        """The whole run's state as a checkpoint holds it."""
        state: dict[str, Any] = {"head_phase": self.head_state.state_dict(), "tracking_run_id": self.tracking_run_id}
        if self.finetune_state is not None:
            state["finetune_phase"] = self.finetune_state.state_dict()
        return state

    def restore(self, state: dict[str, Any]) -> None:
        """Continues from a checkpoint written by `checkpoint`."""
        self.head_state.load_state_dict(state["head_phase"])
        self.head.load_state_dict(self.head_state.extras["head"])
        self.optimizer.load_state_dict(self.head_state.extras["optimizer"])
        self.tracking_run_id = state.get("tracking_run_id")
        if "finetune_phase" in state:
            self.finetune_state = TrainState(EarlyStopping(self.config.patience))
            self.finetune_state.load_state_dict(state["finetune_phase"])
