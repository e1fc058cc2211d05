"""A training session tracked in MLflow: params and tags, per-epoch metrics through the loop's callbacks, then the
test figures, plots, an optional run report and the pyfunc model.

`resume=True` continues a killed run in the same MLflow run (its id is kept in the checkpoint). The report is
written by whatever the caller passes (the analysis layer's `albumml.report`), so this layer never reaches up.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import mlflow

from albumml.config import Settings
from albumml.models.bundle import save_bundle
from albumml.models.pyfunc import BUNDLE_FILE, log_pyfunc
from albumml.registry.schema import Metric, RunTag
from albumml.registry.tracking import use_tracking
from albumml.storage import Store, open_store
from albumml.training import plots
from albumml.training.config import TrainConfig
from albumml.training.loop import Progress, Trained, run_params, run_session, start_session
from albumml.training.measure import Evaluation
from albumml.training.records import EpochRecord


@dataclass(frozen=True)
class ReportRequest:
    """What a run report is made of: the settings and store it reads, the trained model and its run."""

    settings: Settings
    store: Store
    trained: Trained
    config: TrainConfig
    run_id: str


class RunReporter(Protocol):
    """Writes a run's HTML report into `folder` (beside the run's plot files) and returns the page's path."""

    def __call__(self, run: ReportRequest, folder: Path, plots: dict[str, Path]) -> Path: ...


@dataclass
class TrainResult:
    """The run's id, where its model is, how training went and the test evaluation."""

    run_id: str
    model_uri: str
    config: TrainConfig
    evaluation: Evaluation
    best_epoch: int
    best_validation_micro_ap: float
    epochs_run: int
    stopped_early: bool
    resumed_from: int | None
    history: list[EpochRecord] = field(default_factory=list)
    skipped_covers: dict[str, str] = field(default_factory=dict)
    target: str = "moods"


@contextlib.contextmanager
def mlflow_run(settings: Settings, config: TrainConfig, run_id: str | None) -> Iterator[Any]:
    """A new MLflow run, or the resumed one, in the configured experiment."""
    experiment_id = use_tracking(settings)
    if run_id is not None:
        with mlflow.start_run(run_id=run_id) as run:
            yield run
        return
    name = f"model{int(config.variant)}-{config.backbone}-{config.snapshot_id[:8]}"
    with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:
        yield run


def epoch_logger(loss: str, score: str, seconds: str) -> Callable[[EpochRecord], None]:
    """Logs each epoch's loss, validation micro AP and seconds under these metric names, at the epoch's step."""

    def log(record: EpochRecord) -> None:
        metrics = {loss: record.train_loss, score: record.validation_micro_ap, seconds: record.seconds}
        mlflow.log_metrics(metrics, step=record.epoch)

    return log


log_epoch = epoch_logger(Metric.TRAIN_LOSS, Metric.VALIDATION_MICRO_AP, Metric.EPOCH_SECONDS)
log_finetune_epoch = epoch_logger(
    Metric.FINETUNE_TRAIN_LOSS, Metric.FINETUNE_VALIDATION_MICRO_AP, Metric.FINETUNE_EPOCH_SECONDS
)


def log_outcome(trained: Trained, report: Callable[[Path, dict[str, Path]], Path] | None = None) -> str:
    """Test metrics, the evaluation table, plots, the HTML report and the pyfunc model; returns the model's URI."""
    evaluation, state = trained.outcome.evaluation, trained.head_state
    if trained.model.read_back is not None:  # models 3-4: the read-back validation chose
        mlflow.log_param("read_back", trained.model.read_back.describe())
    mlflow.log_metrics(
        {
            **evaluation.flat(),
            Metric.BEST_EPOCH: state.stopping.best_epoch,
            Metric.BEST_VALIDATION_MICRO_AP: state.stopping.best_score,
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "evaluation.json").write_text(json.dumps(evaluation.as_dict(), indent=1))
        mlflow.log_artifact(str(root / "evaluation.json"))
        figures = {
            "loss": plots.loss_curves(state.history, root / "loss_curves.png"),
            "pr": plots.pr_curves(trained.outcome.truth, trained.outcome.scores, root / "pr_curves.png"),
        }
        for path in figures.values():
            mlflow.log_artifact(str(path), "plots")
        if report is not None:
            mlflow.log_artifacts(str(report(root / "report", figures).parent), "report")
        bundle = root / BUNDLE_FILE
        save_bundle(trained.model, bundle)
        info = log_pyfunc(bundle, trained.example, target=trained.model.target)
    mlflow.set_tags({RunTag.MODEL_URI: info.model_uri, RunTag.TEST_MICRO_AP: f"{evaluation.model.micro_ap:.6f}"})
    return info.model_uri


def train(
    settings: Settings,
    config: TrainConfig,
    *,
    resume: bool = False,
    progress: Progress | None = None,
    report: RunReporter | None = None,
    tags: Mapping[str, str] | None = None,
) -> TrainResult:
    """Trains one model variant on a snapshot, logs it to MLflow (with any extra `tags`) and returns how it did on
    the test split."""
    progress = replace(progress or Progress(), record_epoch=log_epoch, record_finetune_epoch=log_finetune_epoch)
    store = open_store(settings)
    session = start_session(store, config, resume=resume, progress=progress)
    with mlflow_run(settings, config, session.tracking_run_id) as run:
        run_id = run.info.run_id
        if session.resumed_from is None:
            mlflow.log_params(run_params(config, session.backbone, session.data, session.device))
            mlflow.set_tags(
                {
                    RunTag.SNAPSHOT_ID: config.snapshot_id,
                    RunTag.VARIANT: str(int(config.variant)),
                    RunTag.BACKBONE: config.backbone,
                    RunTag.RUN_KEY: config.run_key(),
                    RunTag.TARGET: session.data.target.value,
                    **(tags or {}),
                }
            )
        session.tracking_run_id = run_id
        trained = run_session(session, progress)
        writer = None
        if report is not None and config.report:

            def writer(folder: Path, figures: dict[str, Path]) -> Path:
                return report(ReportRequest(settings, store, trained, config, run_id), folder, figures)

        model_uri = log_outcome(trained, writer)
    return TrainResult(
        run_id=run_id,
        model_uri=model_uri,
        config=config,
        evaluation=trained.outcome.evaluation,
        best_epoch=trained.head_state.stopping.best_epoch,
        best_validation_micro_ap=trained.head_state.stopping.best_score,
        epochs_run=trained.head_state.epoch,
        stopped_early=trained.stopped_early,
        resumed_from=session.resumed_from,
        history=trained.history,
        skipped_covers=session.data.skipped,
        target=session.data.target.value,
    )
