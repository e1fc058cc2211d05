"""Typed flow parameters: the Prefect UI renders each as a form with these descriptions and limits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Compute = Literal["local", "aws-batch"]


class NightlyParameters(BaseModel):
    """What the nightly run crawls and how it trains."""

    site_url: str = Field("", description="Site base or sitemap URL; ALBUMML_CRAWL_START_URL when empty.")
    full_crawl: bool = Field(False, description="Fetch every album, ignoring what the catalogue has.")
    min_mood_count: int = Field(20, ge=1, description="Keep moods on at least this many albums.")
    backbone: str = Field("", description="Backbone; ALBUMML_TRAIN_BACKBONE when empty.")
    epochs: int = Field(0, ge=0, description="Epoch budget; ALBUMML_TRAIN_EPOCHS when 0.")
    variants: list[int] = Field([1, 2, 3, 4], description="Which of the study's four models to train.")
    compute: Compute = Field("local", description="Train here, or as AWS Batch GPU jobs.")


class TrainParameters(BaseModel):
    """One model variant on one snapshot, here or on AWS Batch."""

    snapshot_id: str = Field("", description="Snapshot id; when empty, the current catalogue's.")
    model: int = Field(1, ge=1, le=4, description="1: moods, 2: +metadata, 3: label space, 4: 3+metadata.")
    backbone: str = Field("", description="vgg16, resnet50, efficientnet_b0, ...; ALBUMML_TRAIN_BACKBONE when empty.")
    epochs: int = Field(0, ge=0, description="Epoch budget; ALBUMML_TRAIN_EPOCHS when 0.")
    lr: float = Field(1e-3, gt=0, description="Adam's learning rate.")
    batch_size: int = Field(64, ge=2, description="Albums per step.")
    seed: int = Field(0, description="Seed of the initialisation and the batch order.")
    compute: Compute = Field("local", description="Train here, or as an AWS Batch GPU job (spot, resumable).")
    finetune_epochs: int = Field(0, ge=0, description="Then fine-tune backbone and head together (GPUs).")
    gate: bool = Field(False, description="Run the champion gate (register; @champion only if it wins).")
