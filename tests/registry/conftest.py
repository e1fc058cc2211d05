"""A tiny model trained on made-up covers, registered as champion on the session's real MLflow server."""

from __future__ import annotations

import uuid

import pytest

from albumml.config import load_settings
from albumml.storage import open_store
from tests.support.tiny import TinyChampion, tiny_snapshot


@pytest.fixture(scope="module")
def tiny_champion(mlflow_tracking: str, tmp_path_factory: pytest.TempPathFactory) -> TinyChampion:
    """Model 1 on a small head, two epochs on 48 made-up covers, registered through the gate as champion."""
    from albumml.pipeline import train
    from albumml.registry.gate import register
    from albumml.training.config import TrainConfig

    suffix = uuid.uuid4().hex[:8]
    settings = load_settings(
        home=tmp_path_factory.mktemp("tiny") / "home",
        mlflow_tracking_uri=mlflow_tracking,
        mlflow_experiment=f"tiny-{suffix}",
        model_name=f"album-mood-tiny-{suffix}",
    )
    snapshot = tiny_snapshot(open_store(settings))
    config = TrainConfig(
        snapshot_id=snapshot.id,
        backbone="efficientnet_lite0",
        epochs=2,
        hidden=(16,),
        batch_size=16,
        report=False,
    )
    result = train(settings, config)
    assert register(settings, result.run_id).promoted
    return TinyChampion(settings, snapshot.id, result.run_id, result.model_uri)
