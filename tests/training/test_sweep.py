"""`albumml sweep` on the sample site's real cached features, as users run it: Optuna trials as MLflow child runs
under one sweep run, a study that resumes instead of starting over, and the best trial retrained as the variant's
run with its search space and parameters recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from albumml.registry.schema import SWEEP_ARTIFACT, RunTag

pytestmark = pytest.mark.slow


def run_sweep(home: Path, tracking: str, *arguments: str) -> dict:
    environment = {
        **os.environ,
        "ALBUMML_HOME": str(home),
        "ALBUMML_MLFLOW_TRACKING_URI": tracking,
        "ALBUMML_MLFLOW_EXPERIMENT": "sweeps",
    }
    done = subprocess.run(
        [sys.executable, "-m", "albumml", "sweep", "--json", "--no-report", "--epochs", "10", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_a_sweep_searches_on_validation_resumes_and_retrains_its_best_trial(
    learning_home: tuple[Path, str], tmp_path: Path
) -> None:
    home, snapshot_id = learning_home
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    first = run_sweep(home, tracking, "--snapshot", snapshot_id, "--model", "3", "--trials", "4", "--seed", "5")
    assert first["new_trials"] == 4 and len(first["trials"]) == 4
    states = {t["state"] for t in first["trials"]}
    assert states <= {"complete", "pruned"} and "complete" in states
    finished = [t for t in first["trials"] if t["state"] == "complete"]
    assert first["best_validation_micro_ap"] == max(t["value"] for t in finished)
    assert set(first["search_space"]) == {"lr", "weight_decay", "hidden", "dropout", "target_weighting", "first_k"}

    client = MlflowClient(tracking)
    sweep_run = client.get_run(first["sweep_run_id"])
    assert sweep_run.data.tags[RunTag.KIND] == "sweep"
    children = client.search_runs(
        [sweep_run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{sweep_run.info.run_id}'"
    )
    assert len(children) == 4  # every trial, pruned ones included, is a child run with its parameters
    assert all("lr" in child.data.params for child in children)
    logged = json.loads(
        Path(client.download_artifacts(sweep_run.info.run_id, SWEEP_ARTIFACT, str(tmp_path))).read_text()
    )
    assert logged["best_params"] == first["best_params"]

    # the chosen recipe is the variant's run: its parameters are the best trial's, and it says which sweep chose it
    retrained = client.get_run(first["run"]["run_id"])
    best = first["best_params"]
    assert float(retrained.data.params["lr"]) == pytest.approx(best["lr"])
    assert float(retrained.data.params["dropout"]) == pytest.approx(best["dropout"])
    assert retrained.data.params["target_weighting"] == best["target_weighting"]
    assert retrained.data.tags[RunTag.SWEEP_RUN_ID] == sweep_run.info.run_id
    assert json.loads(retrained.data.tags[RunTag.SWEEP_BEST_PARAMS]) == best
    assert "read_back" in retrained.data.params
    assert (
        first["run"]["evaluation"]["model"]["micro_ap"]
        > 1.5 * first["run"]["evaluation"]["label_frequency"]["micro_ap"]
    )

    # the study is kept beside the catalogue: a bigger budget adds only the missing trials
    again = run_sweep(
        home, tracking, "--snapshot", snapshot_id, "--model", "3", "--trials", "6", "--seed", "5", "--no-retrain"
    )
    assert again["study"] == first["study"]
    assert again["new_trials"] == 2 and len(again["trials"]) == 6
    assert again["run"] is None
    assert again["best_validation_micro_ap"] >= first["best_validation_micro_ap"]
