"""What one training epoch did: the record the loops hand to their callbacks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch did."""

    epoch: int
    train_loss: float
    validation_micro_ap: float
    seconds: float
