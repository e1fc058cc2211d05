"""Training, resuming and the champion gate against a real MLflow server; the champion loads in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from albumml.config import Settings, load_settings
from albumml.dataset import load_snapshot
from albumml.pipeline import train
from albumml.registry.gate import register
from albumml.registry.tracking import client
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from tests.support.aws import TEST_AWS
from tests.support.services import mlflow_server, unavailable


def server_settings(home: Path, uri: str, **extra: str) -> Settings:
    return load_settings(home=home, mlflow_tracking_uri=uri, **extra)


def config(snapshot_id: str, **changes: object) -> TrainConfig:
    settings = {"epochs": 12, "report": False, **changes}
    return TrainConfig(snapshot_id=snapshot_id, backbone="efficientnet_lite0", **settings)


def test_gate_promotes_only_a_better_challenger_and_the_champion_predicts_in_a_fresh_process(
    learning_home: tuple[Path, str], mlflow_tracking: str, tmp_path: Path
) -> None:
    home, snapshot_id = learning_home
    settings = server_settings(home, mlflow_tracking, model_name="album-mood-gate")
    strong = train(settings, config(snapshot_id, epochs=25))
    first = register(settings, strong.run_id)
    assert first.promoted and first.champion_version is None
    weak = train(settings, config(snapshot_id, epochs=1, lr=1e-5, seed=3))
    assert weak.evaluation.model.micro_ap < strong.evaluation.model.micro_ap
    second = register(settings, weak.run_id)
    assert not second.promoted
    assert second.champion_version == first.version
    assert second.champion_micro_ap == pytest.approx(first.challenger_micro_ap, rel=1e-6)
    mlflow_client = client(settings)
    assert mlflow_client.get_model_version_by_alias("album-mood-gate", "champion").version == first.version
    tags = mlflow_client.get_model_version("album-mood-gate", second.version).tags
    assert tags["gate.decision"] == "rejected"
    assert float(tags["gate.champion_micro_ap"]) == pytest.approx(first.challenger_micro_ap, abs=1e-6)
    assert mlflow_client.get_run(weak.run_id).data.tags["gate.decision"] == "rejected"

    cover = tmp_path / "cover.jpg"
    store = open_store(settings)
    cover.write_bytes(store.get_blob(load_snapshot(store, snapshot_id).manifest["cover_key"].iloc[0]))
    env = {
        **os.environ,
        "ALBUMML_HOME": str(home),
        "ALBUMML_MLFLOW_TRACKING_URI": mlflow_tracking,
        "ALBUMML_MODEL_NAME": "album-mood-gate",
    }
    shown = subprocess.run(
        [sys.executable, "-m", "albumml", "predict", str(cover), "--top", "4", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    [prediction] = json.loads(shown.stdout)
    vocabulary = set(load_snapshot(store, snapshot_id).vocabulary)
    assert len(prediction["moods"]) == 4
    assert {m["mood"] for m in prediction["moods"]} <= vocabulary
    scores = [m["score"] for m in prediction["moods"]]
    assert scores == sorted(scores, reverse=True)


def test_resumed_run_matches_an_uninterrupted_one(learning_home: tuple[Path, str], mlflow_tracking: str) -> None:
    home, snapshot_id = learning_home
    settings = server_settings(home, mlflow_tracking)
    recipe = config(snapshot_id, variant=3, epochs=8, patience=50, seed=11)
    whole = train(settings, recipe)
    train(settings, recipe.model_copy(update={"epochs": 4}))
    resumed = train(settings, recipe, resume=True)
    assert resumed.resumed_from == 4
    assert resumed.epochs_run == 8
    assert [round(e.train_loss, 5) for e in resumed.history] == [round(e.train_loss, 5) for e in whole.history]
    assert resumed.evaluation.model.micro_ap == pytest.approx(whole.evaluation.model.micro_ap, abs=1e-5)
    history = client(settings).get_metric_history(resumed.run_id, "validation_micro_ap")
    assert sorted(m.step for m in history) == list(range(1, 9))


def test_artifacts_on_s3_through_the_server(
    learning_home: tuple[Path, str], moto_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    home, snapshot_id = learning_home
    env = {
        "MLFLOW_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    try:
        server = mlflow_server(f"sqlite:///{tmp_path / 'mlflow.db'}", f"s3://{s3_bucket}/mlflow", env)
        uri = server.__enter__()
    except (RuntimeError, OSError) as exc:
        unavailable(f"mlflow server with S3 artifacts did not start: {exc}")
    try:
        settings = server_settings(home, uri)
        result = train(settings, config(snapshot_id, epochs=2))
        decision = register(settings, result.run_id)
        assert decision.promoted
    finally:
        server.__exit__(None, None, None)
    keys = [
        item["Key"]
        for page in boto3.client("s3", endpoint_url=moto_endpoint, **TEST_AWS)
        .get_paginator("list_objects_v2")
        .paginate(Bucket=s3_bucket, Prefix="mlflow/")
        for item in page.get("Contents", [])
    ]
    assert any(key.endswith("mood_model.pt") for key in keys), keys[:20]
    assert any(key.endswith("pr_curves.png") for key in keys)
    assert any(key.endswith("MLmodel") for key in keys)
