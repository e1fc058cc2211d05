"""The tasks the flows chain: each calls one albumml function and is a unit worth retrying."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import PrefectFuture, wait
from prefect.logging import get_run_logger

from albumml import pipeline
from albumml.compute import batch
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig
from albumml.errors import ConfigError, SiteChangedError
from albumml.pipeline import train as train_model
from albumml.registry import sweep_run
from albumml.registry.gate import register
from albumml.registry.runs import FinishedRun, finished_run
from albumml.targets import Target
from albumml.training.config import TrainConfig
from flows.memory import RELEASE_HOOKS

BATCH_TASK_TIMEOUT_S = 13 * 3600
# Task runs with this tag hold a tag concurrency limit of 1 (`albumml flows setup` creates it): two crawls never
# run at once, whichever deployment started them.
CRAWL_TAG = "albumml-crawl"


def worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a failed task unless it failed on its input or configuration, or on a site whose pages no longer
    parse: those fail the same way again."""
    try:
        state.result()
    except (ConfigError, SiteChangedError):
        return False
    except Exception:
        return True
    return True


@task(
    name="crawl",
    retries=2,
    retry_delay_seconds=30,
    retry_condition_fn=worth_retrying,
    timeout_seconds=6 * 3600,
    tags=[CRAWL_TAG],
)
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


@task(name="snapshot", retries=1, retry_delay_seconds=10, **RELEASE_HOOKS)
def snapshot_task(min_mood_count: int | None = None, target: Target = Target.MOODS) -> pipeline.SnapshotOutcome:
    """A snapshot of the catalogue for `target` (the same id when nothing changed); None takes SnapshotConfig's
    default."""
    return pipeline.snapshot(load_settings(), SnapshotConfig.given(min_mood_count=min_mood_count, target=target))


@task(name="featurize", retries=1, retry_delay_seconds=10, **RELEASE_HOOKS)
def featurize_task(config: TrainConfig) -> dict[str, Any]:
    """The snapshot's missing backbone features, computed once before the variants train on them."""
    outcome = pipeline.featurize(load_settings(), config)
    get_run_logger().info(
        "%s features of %d covers: %d cached, %d computed, %d unreadable",
        outcome.backbone,
        outcome.covers,
        outcome.cached,
        outcome.computed,
        outcome.failed,
    )
    return outcome.__dict__


@task(name="drift", retries=1, retry_delay_seconds=10, **RELEASE_HOOKS)
def drift_task(config: TrainConfig) -> dict[str, Any]:
    """The new snapshot's drift against the champion's (mood shares; the new albums' cover features) as one markdown
    artifact; its overall figures."""
    settings = load_settings()
    moods = pipeline.snapshot_drift(settings, config.snapshot_id)
    if moods is None:
        return {"mood_js": None, "feature_mmd2": None, "feature_p_value": None, "markdown": None}
    features = pipeline.feature_drift(settings, config)
    markdown = moods.markdown() + ("\n" + features.markdown() if features is not None else "")
    create_markdown_artifact(
        key="snapshot-drift", markdown=markdown, description="moods and cover features against the champion's snapshot"
    )
    return {
        "mood_js": moods.overall,
        "feature_mmd2": features.mmd2 if features is not None else None,
        "feature_p_value": features.p_value if features is not None else None,
        "markdown": markdown,
    }


def anchor_ap(evaluation: Any, key: str) -> float | None:
    """An anchor's test micro AP in an evaluation (None when it has none)."""
    return next((a.metrics.micro_ap for a in evaluation.anchors if a.key == key), None)


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
        "probe_micro_ap": run.probe_micro_ap,
        "knn_micro_ap": run.knn_micro_ap,
    }


def already_finished(config: TrainConfig) -> dict[str, Any] | None:
    """The summary of this exact config's finished run, logged as skipped; None when it has not finished."""
    run = pipeline.finished_variant(load_settings(), config)
    if run is None:
        return None
    get_run_logger().info(
        "model %d (run key %s) already finished as MLflow run %s: skipped", config.variant, config.run_key(), run.run_id
    )
    return {**run_summary(config, run), "skipped": True}


@task(name="train", retries=1, retry_delay_seconds=10, retry_condition_fn=worth_retrying, **RELEASE_HOOKS)
def train_task(config: TrainConfig, skip_finished: bool = False) -> dict[str, Any]:
    """One variant here, on cached features; resumes from its checkpoint when retried, and with `skip_finished`
    reuses the run of the same config that already finished (a retried night)."""
    if skip_finished and (finished := already_finished(config)) is not None:
        return finished
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
            *(anchor_ap(evaluation, key) for key in ("probe", "knn")),
        ),
    )


@task(name="train-on-aws-batch", retries=1, retry_delay_seconds=60, timeout_seconds=BATCH_TASK_TIMEOUT_S)
def batch_train_task(config: TrainConfig, skip_finished: bool = False) -> dict[str, Any]:
    """One variant as an AWS Batch GPU job: submit, poll with backoff, then read the run it logged to MLflow.

    A retry submits again; the job's `--resume` continues from the last checkpoint the failed attempt stored.
    """
    if skip_finished and (finished := already_finished(config)) is not None:
        return finished
    logger = get_run_logger()
    settings = load_settings()
    job_id = batch.submit(settings, config)
    logger.info("submitted Batch job %s to %s", job_id, settings.batch_job_queue)
    job = batch.wait(settings, job_id, on_status=lambda j: logger.info("Batch job %s: %s", j.job_id, j.status))
    return {**run_summary(config, finished_run(settings, config)), "batch_job_id": job.job_id}


def train_variant(config: TrainConfig, compute: str) -> dict[str, Any]:
    """Train one variant where asked: in this process or as an AWS Batch job."""
    return batch_train_task(config) if compute == "aws-batch" else train_task(config)


def train_variants(configs: list[TrainConfig], compute: str, limit: int) -> list[dict[str, Any]]:
    """The variants trained concurrently, at most `limit` at a time, skipping those a previous attempt finished.

    Every variant runs to its end before a failure is raised, so a retry finds the others finished.
    """
    trainer = batch_train_task if compute == "aws-batch" else train_task
    futures: list[PrefectFuture[dict[str, Any]]] = []
    for config in configs:
        if len(futures) >= limit:
            futures[-limit].wait()  # all futures before it were waited for already: at most `limit` in flight
        futures.append(trainer.submit(config, skip_finished=True))
    wait(futures)
    return [future.result() for future in futures]


@task(name="sweep", retries=1, retry_delay_seconds=10, retry_condition_fn=worth_retrying, **RELEASE_HOOKS)
def sweep_task(config: TrainConfig) -> dict[str, Any]:
    """The variant's head recipe chosen on validation within the settings' budget (a retry resumes the study);
    the chosen config and the tags its run will carry."""
    settings = load_settings()
    swept = pipeline.sweep(settings, config, pipeline.sweep_budget(settings), retrain=False)
    outcome = swept.sweep
    get_run_logger().info(
        "model %d: best of %d trials %.4f validation micro AP (%s)",
        config.variant,
        len(outcome.trials),
        outcome.best_value,
        outcome.best_params(),
    )
    return {
        "config": outcome.chosen.model_dump(mode="json"),
        "tags": sweep_run.sweep_tags(outcome, swept.sweep_run_id),
        "best_validation_micro_ap": outcome.best_value,
        "trials": len(outcome.trials),
    }


def sweep_variants(configs: list[TrainConfig], limit: int) -> list[dict[str, Any]]:
    """Each variant's sweep, at most `limit` at once; every sweep runs to its end before a failure is raised."""
    futures: list[PrefectFuture[dict[str, Any]]] = []
    for config in configs:
        if len(futures) >= limit:
            futures[-limit].wait()
        futures.append(sweep_task.submit(config))
    wait(futures)
    return [future.result() for future in futures]


@task(name="record-sweeps", retries=2, retry_delay_seconds=10)
def record_sweeps(trained: list[dict[str, Any]], swept: list[dict[str, Any]]) -> None:
    """Tags each variant's run (here or on Batch) with the sweep that chose its recipe."""
    settings = load_settings()
    for run, sweep in zip(trained, swept, strict=True):
        sweep_run.tag_run(settings, run["run_id"], sweep["tags"])


@task(
    name="evaluate-and-register", retries=2, retry_delay_seconds=10, retry_condition_fn=worth_retrying, **RELEASE_HOOKS
)
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
        "rejected_in_a_row": decision.rejected_in_a_row,
    }
