"""One flow per step of the pipeline, each a deployment of its own: crawl, snapshot, train, evaluate-and-register."""

from __future__ import annotations

from typing import Any

from prefect import flow

from albumml.config import load_settings
from albumml.training.config import TrainConfig, resolve_train_config
from flows.parameters import TrainParameters
from flows.tasks import batch_train_task, crawl_task, register_task, snapshot_task, train_task


@flow(name="crawl")
def crawl_flow(site_url: str = "", full_crawl: bool = False) -> dict[str, Any]:
    """Crawl the review site incrementally (or fully), then report what changed."""
    return crawl_task(site_url or load_settings().crawl_start_url, full_crawl)


@flow(name="snapshot")
def snapshot_flow(min_mood_count: int | None = None) -> dict[str, Any]:
    """Freeze the catalogue's learnable albums; the same catalogue gives the same snapshot."""
    return snapshot_task(min_mood_count).__dict__


def train_variant(config: TrainConfig, compute: str) -> dict[str, Any]:
    """Train one variant where asked: in this process or as an AWS Batch job."""
    return batch_train_task(config) if compute == "aws-batch" else train_task(config)


@flow(name="train")
def train_flow(parameters: TrainParameters | None = None) -> dict[str, Any]:
    """Train one model variant, here or on AWS Batch; register it through the champion gate if asked."""
    parameters = parameters or TrainParameters()
    settings = load_settings()
    snapshot_id = parameters.snapshot_id or snapshot_task().snapshot_id
    config = resolve_train_config(settings, snapshot_id, parameters.train_config_values())
    outcome = train_variant(config, parameters.compute)
    if parameters.gate:
        outcome["gate"] = register_task(outcome["run_id"])
    return outcome


@flow(name="evaluate-and-register")
def evaluate_and_register_flow(run_id: str) -> dict[str, Any]:
    """The champion gate: the run's model becomes @champion only if it beats the champion on the same test split."""
    return register_task(run_id)
