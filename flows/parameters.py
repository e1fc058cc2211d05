"""The choices and defaults of the flows' run forms: the Prefect UI renders each parameter of a flow as a field,
a Literal or Enum as a choice, with the real default filled in (never a "None means the setting" sentinel).

A deployment chooses its own defaults in `prefect.yaml` (`parameters:`) or with `prefect deploy --params`; the UI's
form then opens with those.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from albumml.dataset import SnapshotConfig
from albumml.models.backbones import BACKBONES
from albumml.models.heads import Variant
from albumml.training.config import TrainConfig

Compute = Literal["local", "aws-batch"]
ModelVariant = Literal[1, 2, 3, 4]

# The backbones albumml can load, as a choice (a str Enum: Prefect renders it as a select, JSON keeps the name).
BackboneName = Enum("BackboneName", {name: name for name in BACKBONES}, type=str)  # type: ignore[misc]


def _default(field: str) -> Any:
    return TrainConfig.model_fields[field].default


DEFAULT_BACKBONE = BackboneName(_default("backbone"))
DEFAULT_EPOCHS: int = _default("epochs")
DEFAULT_LR: float = _default("lr")
DEFAULT_BATCH_SIZE: int = _default("batch_size")
DEFAULT_SEED: int = _default("seed")
DEFAULT_FINETUNE_EPOCHS: int = _default("finetune_epochs")
DEFAULT_MIN_MOOD_COUNT: int = SnapshotConfig.model_fields["min_mood_count"].default
ALL_VARIANTS: list[ModelVariant] = [1, 2, 3, 4]
MAX_EPOCHS: int = next(bound.le for bound in TrainConfig.model_fields["epochs"].metadata if hasattr(bound, "le"))


def train_values(
    model: int,
    backbone: BackboneName | str,
    epochs: int,
    **others: Any,
) -> dict[str, Any]:
    """The TrainConfig fields a flow's parameters give."""
    name = backbone.value if isinstance(backbone, BackboneName) else str(backbone)
    return {"variant": Variant(model), "backbone": name, "epochs": epochs, **others}
