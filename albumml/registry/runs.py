"""Finding a finished training run in MLflow by its run key (how a flow learns what a remote Batch job produced),
and the links people open it by."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from albumml.config import Settings
from albumml.errors import TrackingError
from albumml.registry.schema import DRIFT_ARTIFACT, REPORT_ARTIFACT, Metric, RunTag
from albumml.registry.tracking import client, tracking_errors, use_tracking
from albumml.training.config import TrainConfig
from albumml.urls import mask_url, strip_credentials


@dataclass(frozen=True)
class FinishedRun:
    """What a finished training run logged: its id, its model, its best validation figure (what variants are chosen
    by) and its test figures beside the baselines."""

    run_id: str
    model_uri: str
    validation_micro_ap: float
    test_micro_ap: float
    baseline_micro_ap: float
    random_micro_ap: float
    best_epoch: int
    probe_micro_ap: float | None = None
    knn_micro_ap: float | None = None


def find_finished_run(settings: Settings, config: TrainConfig) -> FinishedRun | None:
    """The newest run of this exact config (its run key and epoch budget) that logged its model; None if none did.

    How a retried night knows a variant already finished: the same config on the same snapshot is the same work.
    """
    experiment_id = use_tracking(settings)
    runs = client(settings).search_runs(
        [experiment_id],
        filter_string=f"tags.{RunTag.RUN_KEY} = '{config.run_key()}' and params.epochs = '{config.epochs}'",
        order_by=["attributes.start_time DESC"],
        max_results=50,
    )
    runs = [run for run in runs if run.data.tags.get(RunTag.MODEL_URI)]
    if not runs:
        return None
    run = runs[0]
    metrics = run.data.metrics
    return FinishedRun(
        run_id=run.info.run_id,
        model_uri=run.data.tags[RunTag.MODEL_URI],
        validation_micro_ap=metrics[Metric.BEST_VALIDATION_MICRO_AP],
        test_micro_ap=metrics[Metric.TEST_MICRO_AP],
        baseline_micro_ap=metrics[Metric.BASELINE_FREQUENCY_MICRO_AP],
        random_micro_ap=metrics[Metric.BASELINE_RANDOM_MICRO_AP],
        best_epoch=int(metrics.get(Metric.BEST_EPOCH, 0)),
        probe_micro_ap=metrics.get(Metric.BASELINE_PROBE_MICRO_AP),
        knn_micro_ap=metrics.get(Metric.BASELINE_KNN_MICRO_AP),
    )


def finished_run(settings: Settings, config: TrainConfig) -> FinishedRun:
    """The newest finished run of this config; an error if the job left none."""
    run = find_finished_run(settings, config)
    if run is None:
        raise TrackingError(
            f"no finished run with run key {config.run_key()} (model {int(config.variant)} on snapshot "
            f"{config.snapshot_id}) in experiment {settings.mlflow_experiment!r}: the job ended without logging a model"
        )
    return run


@dataclass(frozen=True)
class RunLinks:
    """Where people open a run in the MLflow UI and its HTML report (credentials never in a link)."""

    run: str
    report: str


def run_links(settings: Settings, run_id: str) -> RunLinks | None:
    """Links to a run and its report on the MLflow tracking server; None when tracking is not an http(s) server."""
    uri = settings.mlflow_tracking_uri
    if not uri.startswith(("http://", "https://")):
        return None
    base = mask_url(strip_credentials(uri)[0]).rstrip("/")
    experiment_id = client(settings).get_run(run_id).info.experiment_id
    return RunLinks(
        run=f"{base}/#/experiments/{experiment_id}/runs/{run_id}",
        report=f"{base}/get-artifact?{urlencode({'path': REPORT_ARTIFACT, 'run_uuid': run_id})}",
    )


def attach_drift(settings: Settings, run_id: str, markdown: str) -> None:
    """The night's drift summary beside the run's report, where people browsing the run find it."""
    with tracking_errors(settings, f"logging the drift summary to run {run_id}"):
        client(settings).log_text(run_id, markdown, DRIFT_ARTIFACT)
