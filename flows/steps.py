"""One flow per step of the pipeline, each a deployment of its own: crawl, snapshot, train, evaluate-and-register."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from pydantic import Field

from albumml.config import load_settings
from albumml.targets import Target
from albumml.training.config import TrainConfig, resolve_train_config
from flows.parameters import (
    DEFAULT_BACKBONE,
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_FINETUNE_EPOCHS,
    DEFAULT_LR,
    DEFAULT_MIN_MOOD_COUNT,
    DEFAULT_SEED,
    MAX_EPOCHS,
    BackboneName,
    Compute,
    ModelVariant,
    train_values,
)
from flows.tasks import (
    crawl_task,
    featurize_task,
    record_sweeps,
    register_task,
    snapshot_task,
    sweep_task,
    train_variant,
)


@flow(name="crawl")
def crawl_flow(site_url: str = "", full_crawl: bool = False) -> dict[str, Any]:
    """Crawl the review site incrementally (or fully), then report what changed.

    Args:
        site_url: Site base, sitemap or album URL; empty means the deployment's ALBUMML_CRAWL_START_URL.
        full_crawl: Fetch every album, ignoring what the catalogue already has.
    """
    return crawl_task(site_url or load_settings().crawl_start_url, full_crawl)


@flow(name="snapshot")
def snapshot_flow(
    min_mood_count: Annotated[int, Field(ge=1)] = DEFAULT_MIN_MOOD_COUNT, target: Target = Target.MOODS
) -> dict[str, Any]:
    """Freeze the catalogue's learnable albums; the same catalogue gives the same snapshot.

    Args:
        min_mood_count: Keep only labels (moods, or the target's) on at least this many albums.
        target: What the models learn: the moods (the study's), or the genres, styles or themes.
    """
    return snapshot_task(min_mood_count, target).__dict__


@flow(name="train")
def train_flow(
    snapshot_id: str = "",
    model: ModelVariant = 1,
    backbone: BackboneName = DEFAULT_BACKBONE,
    epochs: Annotated[int, Field(ge=1, le=MAX_EPOCHS)] = DEFAULT_EPOCHS,
    lr: Annotated[float, Field(gt=0)] = DEFAULT_LR,
    batch_size: Annotated[int, Field(ge=2)] = DEFAULT_BATCH_SIZE,
    seed: int = DEFAULT_SEED,
    compute: Compute = "local",
    finetune_epochs: Annotated[int, Field(ge=0)] = DEFAULT_FINETUNE_EPOCHS,
    sweep: bool = False,
    target: Target = Target.MOODS,
    gate: bool = False,
) -> dict[str, Any]:
    """Train one model variant, here or on AWS Batch; register it through the champion gate if asked.

    Args:
        snapshot_id: Snapshot to train on; empty means a snapshot of the current catalogue.
        model: 1 moods, 2 moods with metadata, 3 label space, 4 label space with metadata.
        backbone: Image backbone whose cached features the head learns from.
        epochs: Epoch budget (early stopping may end sooner).
        lr: Adam's learning rate.
        batch_size: Albums per step.
        seed: Seed of the initialisation and the batch order.
        compute: Train here, or as an AWS Batch GPU job (spot, resumable).
        finetune_epochs: Then fine-tune backbone and head together for this many epochs (GPUs); 0 skips it.
        sweep: First choose the head's recipe on validation with an Optuna sweep here (ALBUMML_SWEEP_TRIALS,
            ALBUMML_SWEEP_TIMEOUT_S); it replaces lr.
        target: What a new snapshot (snapshot_id empty) makes the model learn: moods, genres, styles or themes.
        gate: Run the champion gate (register; @champion only if it wins).
    """
    settings = load_settings()
    snapshot_id = snapshot_id or snapshot_task(target=target).snapshot_id
    given = train_values(
        model, backbone, epochs, lr=lr, batch_size=batch_size, seed=seed, finetune_epochs=finetune_epochs
    )
    config = resolve_train_config(settings, snapshot_id, given)
    swept = None
    if sweep:
        featurize_task(config)
        swept = sweep_task(config)
        config = TrainConfig.model_validate(swept["config"])
    outcome = train_variant(config, compute)
    if swept is not None:
        record_sweeps([outcome], [swept])
        outcome["sweep"] = swept
    if gate:
        outcome["gate"] = register_task(outcome["run_id"])
    return outcome


@flow(name="evaluate-and-register")
def evaluate_and_register_flow(run_id: str) -> dict[str, Any]:
    """The champion gate: the run's model becomes @champion only if it beats the champion on the same test split.

    Args:
        run_id: The MLflow run whose logged model is put to the gate.
    """
    return register_task(run_id)
