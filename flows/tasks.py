"""The tasks the flows chain: each calls one albumml function and is a unit worth retrying."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.logging import get_run_logger

from albumml import pipeline
from albumml.compute import batch
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig
from albumml.pipeline import train as train_model
from albumml.registry.gate import register
from albumml.registry.runs import FinishedRun, finished_run
from albumml.training.config import TrainConfig

BATCH_TASK_TIMEOUT_S = 13 * 3600


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
def snapshot_task(min_mood_count: int | None = None) -> pipeline.SnapshotOutcome:
    """A snapshot of the catalogue (the same id when nothing changed); None takes SnapshotConfig's default."""
    return pipeline.snapshot(load_settings(), SnapshotConfig.given(min_mood_count=min_mood_count))


@task(name="drift", retries=1, retry_delay_seconds=10)
def drift_task(snapshot_id: str) -> float | None:
    """The new snapshot's mood drift against the champion's, as a markdown artifact; its overall JS distance."""
    drift = pipeline.snapshot_drift(load_settings(), snapshot_id)
    if drift is None:
        return None
    create_markdown_artifact(
        key="snapshot-drift", markdown=drift.markdown(), description="moods against the champion's snapshot"
    )
    return drift.overall


def run_summary(config: TrainConfig, run: FinishedRun) -> dict[str, Any]:
    """What a flow reports of one trained variant, wherever it trained."""
    return {
        "variant": int(config.variant),
        "run_id": run.run_id,
        "model_uri": run.model_uri,
        "validation_micro_ap": run.validation_micro_ap,
        "test_micro_ap": run.test_micro_ap,
        "baseline_micro_ap": run.baseline_micro_ap,
        "random_micro_ap": run.random_micro_ap,
        "best_epoch": run.best_epoch,
    }


@task(name="train", retries=1, retry_delay_seconds=10)
def train_task(config: TrainConfig) -> dict[str, Any]:
    """One variant here, on cached features; resumes from its checkpoint when retried."""
    result = train_model(load_settings(), config, resume=True)
    evaluation = result.evaluation
    return run_summary(
        config,
        FinishedRun(
            result.run_id,
            result.model_uri,
            result.best_validation_micro_ap,
            evaluation.model.micro_ap,
            evaluation.label_frequency.micro_ap,
            evaluation.random.micro_ap,
            result.best_epoch,
        ),
    )


@task(name="train-on-aws-batch", retries=1, retry_delay_seconds=60, timeout_seconds=BATCH_TASK_TIMEOUT_S)
def batch_train_task(config: TrainConfig) -> dict[str, Any]:
    """One variant as an AWS Batch GPU job: submit, poll with backoff, then read the run it logged to MLflow.

    A retry submits again; the job's `--resume` continues from the last checkpoint the failed attempt stored.
    """
    logger = get_run_logger()
    settings = load_settings()
    job_id = batch.submit(settings, config)
    logger.info("submitted Batch job %s to %s", job_id, settings.batch_job_queue)
    job = batch.wait(settings, job_id, on_status=lambda j: logger.info("Batch job %s: %s", j.job_id, j.status))
    return {**run_summary(config, finished_run(settings, config)), "batch_job_id": job.job_id}


@task(name="evaluate-and-register", retries=2, retry_delay_seconds=10)
def register_task(run_id: str) -> dict[str, Any]:
    """The champion gate for one run."""
    decision = register(load_settings(), run_id)
    return {
        "version": decision.version,
        "promoted": decision.promoted,
        "reason": decision.reason,
        "challenger_micro_ap": decision.challenger_micro_ap,
        "baseline_micro_ap": decision.baseline_micro_ap,
        "champion_micro_ap": decision.champion_micro_ap,
    }
