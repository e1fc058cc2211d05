"""A training run killed inside an epoch resumes from its last checkpoint, in the same MLflow run, and ends where
an uninterrupted run of the same recipe and seed ends."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

EPOCHS = 4
KILLED_AFTER = 2  # the run is killed inside epoch 3, after the checkpoint of epoch 2
TOLERANCE = 1e-6  # CPU, one thread, the same seed and restored RNG states: the figures agree to float rounding
RECIPE = ("--model", "1", "--batch-size", "2", "--seed", "7", "--device", "cpu", "--no-progress", "--json")


def private_home(home: Path, folder: Path) -> Path:
    """A home of its own with the learning home's catalogue and store (store files hard-linked: the store only
    ever replaces or removes files, never rewrites them), without any checkpoints."""
    shutil.copytree(home, folder, ignore=shutil.ignore_patterns("store"))
    shutil.copytree(home / "store", folder / "store", copy_function=link, ignore=shutil.ignore_patterns("checkpoints"))
    return folder


def link(source: str, target: str) -> None:
    """A hard link where the file system allows one, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def environment(home: Path, tracking_uri: str, experiment: str) -> dict[str, str]:
    """A training process's settings: its home, the MLflow server, its experiment, one CPU thread."""
    return {
        **os.environ,
        "ALBUMML_HOME": str(home),
        "ALBUMML_MLFLOW_TRACKING_URI": tracking_uri,
        "ALBUMML_MLFLOW_EXPERIMENT": experiment,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def result_of(process: subprocess.Popen[bytes], output: Path) -> dict[str, Any]:
    """The --json result of a training process, once it has finished; its output went to `output`.out/.err."""
    process.wait(timeout=240)
    stdout = output.with_suffix(".out").read_text()
    assert process.returncode == 0, f"{output.name} failed:\n{output.with_suffix('.err').read_text()[-3000:]}"
    return json.loads(stdout[stdout.index("{") :])


def latest_epoch(store: Path) -> int:
    """The epoch the newest checkpoint of the store's one run key was written after (0 for none)."""
    for _ in range(100):
        pointers = list((store / "checkpoints").glob("*/latest.json"))
        assert len(pointers) <= 1, pointers
        if not pointers:
            return 0
        try:
            return json.loads(pointers[0].read_text())["epoch"]
        except (ValueError, FileNotFoundError):  # replaced while it was read
            continue
    raise AssertionError(f"no readable latest.json under {store}")


def kill_inside_epoch(process: subprocess.Popen[bytes], store: Path) -> float:
    """SIGKILL the run 30% into the epoch after checkpoint KILLED_AFTER; returns the length of the epoch before."""
    deadline = time.monotonic() + 180
    first_seen: dict[int, float] = {}
    while process.poll() is None and time.monotonic() < deadline:
        epoch = latest_epoch(store)
        first_seen.setdefault(epoch, time.monotonic())
        if epoch >= KILLED_AFTER:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be killed"
    assert list(first_seen)[-2:] == [KILLED_AFTER - 1, KILLED_AFTER], f"the watch missed a checkpoint: {first_seen}"
    epoch_seconds = first_seen[KILLED_AFTER] - first_seen[KILLED_AFTER - 1]
    time.sleep(0.3 * epoch_seconds)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return epoch_seconds


def metric_history(client: MlflowClient, run_id: str, name: str) -> dict[int, float]:
    """A metric's value at each step (the last one logged for a step)."""
    history = sorted(client.get_metric_history(run_id, name), key=lambda m: (m.step, m.timestamp))
    return {metric.step: metric.value for metric in history}


def test_a_run_killed_mid_epoch_resumes_to_the_figures_of_an_uninterrupted_run(
    learning_home: tuple[Path, str], mlflow_tracking: str, tmp_path: Path
) -> None:
    home, snapshot_id = learning_home
    tag = uuid.uuid4().hex[:8]
    killed_home = private_home(home, tmp_path / "killed")
    whole_home = private_home(home, tmp_path / "whole")
    killed_env = environment(killed_home, mlflow_tracking, f"faults-killed-{tag}")
    whole_env = environment(whole_home, mlflow_tracking, f"faults-whole-{tag}")
    command = [sys.executable, "-m", "albumml", "train", "--snapshot", snapshot_id, "--epochs", str(EPOCHS)]
    command += ["--no-report", *RECIPE]

    processes: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], output: Path, *extra: str) -> subprocess.Popen[bytes]:
        with output.with_suffix(".out").open("wb") as out, output.with_suffix(".err").open("wb") as err:
            process = subprocess.Popen([*command, *extra], env=env, stdout=out, stderr=err)
        processes.append(process)
        return process

    try:
        whole_run = start(whole_env, tmp_path / "whole-run")
        killed_run = start(killed_env, tmp_path / "killed-run")
        epoch_seconds = kill_inside_epoch(killed_run, killed_home / "store")
        assert killed_run.returncode == -signal.SIGKILL
        assert latest_epoch(killed_home / "store") == KILLED_AFTER, (
            f"killed after the next checkpoint ({epoch_seconds:.2f} s an epoch)"
        )

        client = MlflowClient(mlflow_tracking)
        experiment = client.get_experiment_by_name(f"faults-killed-{tag}")
        assert experiment is not None
        [interrupted] = client.search_runs([experiment.experiment_id])
        assert interrupted.info.status == "RUNNING"  # a killed process cannot end its run
        assert set(metric_history(client, interrupted.info.run_id, "validation_micro_ap")) == {1, 2}

        resumed = result_of(start(killed_env, tmp_path / "resumed-run", "--resume"), tmp_path / "resumed-run")
        whole = result_of(whole_run, tmp_path / "whole-run")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    assert resumed["resumed_from"] == KILLED_AFTER and whole["resumed_from"] is None
    assert resumed["run_id"] == interrupted.info.run_id  # the same MLflow run continues
    assert [run.info.run_id for run in client.search_runs([experiment.experiment_id])] == [resumed["run_id"]]
    assert client.get_run(resumed["run_id"]).info.status == "FINISHED"
    assert (resumed["epochs_run"], resumed["best_epoch"]) == (whole["epochs_run"], whole["best_epoch"])
    for who in ("model", "label_frequency", "random"):
        for metric, value in whole["evaluation"][who].items():
            assert resumed["evaluation"][who][metric] == pytest.approx(value, abs=TOLERANCE), (who, metric)
    for name in ("validation_micro_ap", "train_loss"):
        history = metric_history(client, resumed["run_id"], name)
        expected = metric_history(client, whole["run_id"], name)
        assert sorted(history) == list(range(1, EPOCHS + 1))
        assert history == pytest.approx(expected, abs=TOLERANCE), name
