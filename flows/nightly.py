"""Prefect flows: crawl, snapshot, train, evaluate-and-register, and `nightly`, which chains them.

Each task calls one albumml function and is a unit worth retrying; parameters are typed, so the Prefect UI renders
a form for each deployment. Runs publish the crawl summary and the evaluation table as Prefect artifacts.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel, Field

from albumml import pipeline
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig
from albumml.models.heads import Variant
from albumml.training.config import TrainConfig
from albumml.training.loop import train as train_model
from albumml.training.registry import register


class NightlyParameters(BaseModel):
    """What the nightly run crawls and how it trains."""

    site_url: str = Field("", description="Site base or sitemap URL; ALBUMML_CRAWL_START_URL when empty.")
    full_crawl: bool = Field(False, description="Fetch every album, ignoring what the catalogue has.")
    min_mood_count: int = Field(20, ge=1, description="Keep moods on at least this many albums.")
    backbone: str = Field("", description="Backbone; ALBUMML_TRAIN_BACKBONE when empty.")
    epochs: int = Field(0, ge=0, description="Epoch budget; ALBUMML_TRAIN_EPOCHS when 0.")
    variants: list[int] = Field([1, 2, 3, 4], description="Which of the study's four models to train.")


@task(name="crawl", retries=2, retry_delay_seconds=30, timeout_seconds=6 * 3600)
def crawl_task(url: str, full: bool) -> dict[str, Any]:
    """The incremental crawl, in its own process; its summary becomes a table artifact."""
    summary = pipeline.crawl(load_settings(), url, full=full)
    create_table_artifact(
        key="crawl-summary",
        table=[{"figure": k, "value": str(v)} for k, v in summary.items() if k != "errors_by_reason"]
        + [{"figure": f"error: {k}", "value": str(v)} for k, v in summary["errors_by_reason"].items()],
        description=f"crawl run {summary['id']} of {url}",
    )
    return summary


@task(name="snapshot", retries=1, retry_delay_seconds=10)
def snapshot_task(min_mood_count: int) -> pipeline.SnapshotOutcome:
    """A snapshot of the catalogue (the same id when nothing changed)."""
    return pipeline.snapshot(load_settings(), SnapshotConfig(min_mood_count=min_mood_count))


@task(name="train", retries=1, retry_delay_seconds=10)
def train_task(config: TrainConfig) -> dict[str, Any]:
    """One variant on cached features; resumes from its checkpoint when retried."""
    result = train_model(load_settings(), config, resume=True)
    evaluation = result.evaluation
    return {"variant": int(config.variant), "run_id": result.run_id, "model_uri": result.model_uri,
            "test_micro_ap": evaluation.model.micro_ap, "baseline_micro_ap": evaluation.label_frequency.micro_ap,
            "random_micro_ap": evaluation.random.micro_ap, "best_epoch": result.best_epoch}  # fmt: skip


@task(name="evaluate-and-register", retries=2, retry_delay_seconds=10)
def register_task(run_id: str) -> dict[str, Any]:
    """The champion gate for one run."""
    decision = register(load_settings(), run_id)
    return {
        "version": decision.version,
        "promoted": decision.promoted,
        "reason": decision.reason,
        "challenger_micro_ap": decision.challenger_micro_ap,
        "champion_micro_ap": decision.champion_micro_ap,
    }


@flow(name="crawl")
def crawl_flow(site_url: str = "", full_crawl: bool = False) -> dict[str, Any]:
    """Crawl the review site incrementally."""
    return crawl_task(site_url or load_settings().crawl_start_url, full_crawl)


@flow(name="snapshot")
def snapshot_flow(min_mood_count: int = 20) -> pipeline.SnapshotOutcome:
    """Freeze the catalogue's learnable albums."""
    return snapshot_task(min_mood_count)


@flow(name="train")
def train_flow(config: TrainConfig, register_after: bool = False) -> dict[str, Any]:
    """Train one model variant locally (register it through the gate if asked)."""
    outcome = train_task(config)
    if register_after:
        outcome["gate"] = register_task(outcome["run_id"])
    return outcome


@flow(name="nightly", log_prints=True)
def nightly(parameters: NightlyParameters | None = None) -> dict[str, Any]:
    """Crawl -> a new snapshot only if the catalogue changed -> train the variants -> register the best."""
    parameters = parameters or NightlyParameters()
    settings = load_settings()
    summary = crawl_task(parameters.site_url or settings.crawl_start_url, parameters.full_crawl)
    outcome = snapshot_task(parameters.min_mood_count)
    report: dict[str, Any] = {"crawl": summary, "snapshot": outcome.__dict__, "trained": [], "gate": None}
    if not pipeline.needs_training(settings, outcome):
        print(f"snapshot {outcome.snapshot_id} unchanged and its champion measured: nothing retrained")
        return report
    configs = [
        TrainConfig(snapshot_id=outcome.snapshot_id, variant=Variant(v),
                    backbone=parameters.backbone or settings.train_backbone,
                    epochs=parameters.epochs or settings.train_epochs)
        for v in parameters.variants
    ]  # fmt: skip
    trained = [train_task(config) for config in configs]
    best = max(trained, key=lambda run: run["test_micro_ap"])
    gate = register_task(best["run_id"])
    report.update(trained=trained, gate=gate, best=best)
    rows = "\n".join(
        f"| {run['variant']} | {run['test_micro_ap']:.4f} | {run['baseline_micro_ap']:.4f} | "
        f"{run['random_micro_ap']:.4f} | {run['test_micro_ap'] / run['baseline_micro_ap']:.2f}x |"
        for run in trained
    )
    create_markdown_artifact(
        key="nightly-evaluation",
        markdown=(
            f"# Snapshot {outcome.snapshot_id}: {outcome.albums} albums, {outcome.moods} moods\n\n"
            "| model | test micro AP | label frequency | random | vs frequency |\n| --- | --- | --- | --- | --- |\n"
            f"{rows}\n\n**Gate:** {gate['reason']}\n"
        ),
        description="the four models beside the baselines and the champion",
    )
    return report
