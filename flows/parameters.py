"""Typed flow parameters: the Prefect UI renders each as a form with these descriptions and limits."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from albumml.models.heads import Variant

Compute = Literal["local", "aws-batch"]


class NightlyParameters(BaseModel):
    """What the nightly run crawls and how it trains."""

    site_url: str = Field("", description="Site base or sitemap URL; ALBUMML_CRAWL_START_URL when empty.")
    full_crawl: bool = Field(False, description="Fetch every album, ignoring what the catalogue has.")
    min_mood_count: int | None = Field(None, ge=1, description="Keep moods on at least this many albums (20).")
    backbone: str | None = Field(None, description="Backbone; ALBUMML_TRAIN_BACKBONE, else efficientnet_lite0.")
    epochs: int | None = Field(None, ge=1, le=10_000, description="Epoch budget; ALBUMML_TRAIN_EPOCHS, else 40.")
    variants: list[int] = Field([1, 2, 3, 4], description="Which of the study's four models to train.")
    compute: Compute = Field("local", description="Train here, or as AWS Batch GPU jobs.")


class TrainParameters(BaseModel):
    """One model variant on one snapshot, here or on AWS Batch."""

    snapshot_id: str = Field("", description="Snapshot id; when empty, the current catalogue's.")
    model: int = Field(1, ge=1, le=4, description="1: moods, 2: +metadata, 3: label space, 4: 3+metadata.")
    backbone: str | None = Field(
        None, description="vgg16, resnet50, ...; ALBUMML_TRAIN_BACKBONE, else efficientnet_lite0."
    )
    epochs: int | None = Field(None, ge=1, le=10_000, description="Epoch budget; ALBUMML_TRAIN_EPOCHS, else 40.")
    lr: float | None = Field(None, gt=0, description="Adam's learning rate (1e-3).")
    batch_size: int | None = Field(None, ge=2, description="Albums per step (64).")
    seed: int | None = Field(None, description="Seed of the initialisation and the batch order (0).")
    compute: Compute = Field("local", description="Train here, or as an AWS Batch GPU job (spot, resumable).")
    finetune_epochs: int | None = Field(None, ge=0, description="Then fine-tune backbone and head together (GPUs).")
    gate: bool = Field(False, description="Run the champion gate (register; @champion only if it wins).")

    def train_config_values(self) -> dict[str, Any]:
        """The TrainConfig fields these parameters give (None: not given, so settings and defaults apply)."""
        return {
            "variant": Variant(self.model),
            "backbone": self.backbone,
            "epochs": self.epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "finetune_epochs": self.finetune_epochs,
        }
