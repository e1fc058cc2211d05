"""A sweep tracked in MLflow: a parent run per study invocation, each trial a child run through Optuna's MLflow
integration, the trials, search space and best parameters as the parent's artifact and tags."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence

import mlflow
import optuna
from optuna_integration.mlflow import MLflowCallback

from albumml.config import Settings
from albumml.registry.schema import SWEEP_ARTIFACT, SWEEP_KIND, Metric, RunTag
from albumml.registry.tracking import client, tracking_errors, use_tracking
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from albumml.training.loop import Progress
from albumml.training.sweep import SweepBudget, SweepOutcome, run_sweep, study_name, study_storage

TrialCallback = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]


def sweep(
    settings: Settings,
    base: TrainConfig,
    budget: SweepBudget,
    *,
    on_trial: Sequence[TrialCallback] = (),
    progress: Progress | None = None,
) -> tuple[SweepOutcome, str]:
    """Searches `base`'s head recipe within `budget`; returns the outcome and the sweep's parent MLflow run id."""
    experiment_id = use_tracking(settings)
    name = study_name(base)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"sweep-{name}") as parent:
        mlflow.set_tags(
            {
                RunTag.KIND: SWEEP_KIND,
                RunTag.SWEEP_STUDY: name,
                RunTag.SNAPSHOT_ID: base.snapshot_id,
                RunTag.VARIANT: str(int(base.variant)),
                RunTag.BACKBONE: base.backbone,
            }
        )
        mlflow.log_params({"budget_trials": budget.trials, "budget_timeout_s": budget.timeout_s or 0})
        with warnings.catch_warnings():
            # deprecated since optuna-integration 4.9 on its way to OptunaHub (not there yet); removed in 6.0, which
            # pyproject keeps out
            warnings.simplefilter("ignore", FutureWarning)
            trials_in_mlflow = MLflowCallback(
                metric_name=Metric.VALIDATION_MICRO_AP,
                create_experiment=False,
                mlflow_kwargs={"nested": True, "experiment_id": experiment_id},
            )
        outcome = run_sweep(
            open_store(settings),
            study_storage(settings),
            base,
            budget,
            callbacks=[trials_in_mlflow, *on_trial],
            progress=progress,
        )
        mlflow.log_dict(outcome.as_dict(), SWEEP_ARTIFACT)
        mlflow.log_metrics({Metric.BEST_VALIDATION_MICRO_AP: outcome.best_value, "trials": len(outcome.trials)})
        mlflow.set_tags(sweep_tags(outcome, parent.info.run_id))
    return outcome, parent.info.run_id


def sweep_tags(outcome: SweepOutcome, sweep_run_id: str) -> dict[str, str]:
    """What a run retrained from the sweep's best trial records of the sweep."""
    return {
        RunTag.SWEEP_RUN_ID: sweep_run_id,
        RunTag.SWEEP_STUDY: outcome.study_name,
        RunTag.SWEEP_BEST_PARAMS: json.dumps(outcome.best_params(), sort_keys=True),
        RunTag.SWEEP_SEARCH_SPACE: json.dumps(outcome.search_space, sort_keys=True),
    }


def tag_run(settings: Settings, run_id: str, tags: dict[str, str]) -> None:
    """Records the sweep that chose a run's recipe on a run trained elsewhere (a Batch job, a flow's task)."""
    with tracking_errors(settings, f"tagging run {run_id} with its sweep"):
        mlflow_client = client(settings)
        for name, value in tags.items():
            mlflow_client.set_tag(run_id, name, value)
