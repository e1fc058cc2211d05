"""Every knob of a training run, with its default: one typed object the CLI, the flows and Batch jobs share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from albumml.config import Settings, field_problems
from albumml.errors import ConfigError
from albumml.models.heads import TargetWeighting, Variant


class TrainConfig(BaseModel):
    """What to train on what; the same config on the same snapshot resumes the same run."""

    model_config = ConfigDict(frozen=True)

    snapshot_id: str = Field(description="The snapshot to train on (`albumml snapshot list`).")
    variant: Variant = Field(Variant.CLASSIFIER, description="Model 1-4 of the study.")
    backbone: str = Field(
        "efficientnet_lite0",
        description="Image backbone (vgg16, resnet50, ..., efficientnet_lite0); production sets vgg16 in its settings.",
    )
    weights: str = Field("default", description="'default' (ImageNet), 'none' (random), or a state-dict path/URL.")
    labels: str = Field("minilm", description="Label embeddings for models 3-4: 'minilm' or a GloVe file.")
    epochs: int = Field(40, ge=1, le=10_000)
    batch_size: int = Field(64, ge=2)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    hidden: tuple[Annotated[int, Field(ge=1)], ...] = Field((512,), description="Widths of the FC blocks.")
    dropout: float = Field(0.5, ge=0, lt=1)
    first_k: int = Field(5, ge=1, description="Models 3-4 regress the mean vector of an album's first k moods.")
    target_weighting: TargetWeighting = Field(
        TargetWeighting.FIRST_K,
        description="Models 3-4: the first k moods alike (the study's), or every mood weighted 1/(i+1) by page order.",
    )
    patience: int = Field(8, ge=1, description="Stop after this many epochs without a better validation micro AP.")
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    amp: bool = Field(True, description="Mixed precision where CUDA is used.")
    finetune_epochs: int = Field(0, ge=0, description="Then train backbone and head together on covers (GPUs).")
    finetune_lr: float = Field(1e-4, gt=0, description="The backbone's learning rate while fine-tuning.")
    loader_workers: int = Field(2, ge=0, description="Processes decoding covers while fine-tuning.")
    report: bool = Field(True, description="Log the run's HTML report (figures, mood space, saliency examples).")

    def run_key(self) -> str:
        """Identifies the run for checkpoints: everything that changes what is learned (not `epochs`)."""
        ignored = {"epochs", "device", "amp", "loader_workers", "report"}
        if not self.finetune_epochs:
            ignored |= {"finetune_epochs", "finetune_lr"}
        if self.target_weighting == TargetWeighting.FIRST_K:  # runs from before the choice existed keep their key
            ignored.add("target_weighting")
        recipe = self.model_dump(mode="json", exclude=ignored)
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def deployment_defaults(settings: Settings) -> dict[str, Any]:
    """What this deployment's settings say where a run gives nothing (backbone, epochs); unset ones are left out."""
    chosen = {"backbone": settings.train_backbone, "epochs": settings.train_epochs}
    return {name: value for name, value in chosen.items() if value is not None}


def resolve_train_config(settings: Settings, snapshot_id: str, given: Mapping[str, Any] | None = None) -> TrainConfig:
    """The one way a run's config is made: TrainConfig's defaults, then the deployment's settings, then what the
    caller gave (a CLI option, a flow parameter); None means "not given"."""
    chosen = {**deployment_defaults(settings), **{k: v for k, v in (given or {}).items() if v is not None}}
    try:
        return TrainConfig(snapshot_id=snapshot_id, **chosen)
    except ValidationError as error:
        raise ConfigError(f"training config: {field_problems(error)}") from None


def parse_config(text: str) -> TrainConfig:
    """A whole TrainConfig from JSON (how a Batch job receives its run, so no field can be dropped on the way)."""
    try:
        return TrainConfig.model_validate_json(text)
    except ValidationError as error:
        raise ConfigError(f"training config JSON: {field_problems(error)}") from None


def resolve_backbone(settings: Settings, backbone: str | None = None) -> str:
    """The backbone a command uses when it names none: the deployment's, else TrainConfig's default."""
    if backbone:
        return backbone
    return settings.train_backbone or TrainConfig.model_fields["backbone"].default


def resolve_epochs(settings: Settings, epochs: int | None = None) -> int:
    """The epoch budget a command uses when it gives none: the deployment's, else TrainConfig's default."""
    return epochs or settings.train_epochs or TrainConfig.model_fields["epochs"].default
