"""Bad input to training, the registry and predict: clear errors that name what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from albumml.config import load_settings
from albumml.errors import ImageInputError, LabelEmbeddingError, ModelError, SnapshotError, TrackingError
from albumml.models.bundle import open_image
from albumml.pipeline import train
from albumml.registry.gate import register
from albumml.registry.loading import load_model
from albumml.training.config import TrainConfig


def embedded(home: Path, tmp_path: Path):
    return load_settings(
        home=home,
        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        mlflow_artifact_location=(tmp_path / "artifacts").as_uri(),
    )


def test_unknown_snapshot_names_the_command_that_lists_them(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="albumml snapshot list"):
        train(embedded(tmp_path / "home", tmp_path), TrainConfig(snapshot_id="nope", backbone="efficientnet_lite0"))


def test_unknown_backbone_lists_the_choices(learning_home: tuple[Path, str], tmp_path: Path) -> None:
    home, snapshot_id = learning_home
    with pytest.raises(ModelError, match="choose one of"):
        train(embedded(home, tmp_path), TrainConfig(snapshot_id=snapshot_id, backbone="alexnet"))


def test_missing_weights_file_is_named(learning_home: tuple[Path, str], tmp_path: Path) -> None:
    home, snapshot_id = learning_home
    with pytest.raises(ModelError, match="does not exist"):
        train(embedded(home, tmp_path), TrainConfig(snapshot_id=snapshot_id, weights=str(tmp_path / "vgg.pth")))


def test_moods_without_embeddings_are_named(learning_home: tuple[Path, str], tmp_path: Path) -> None:
    home, snapshot_id = learning_home
    glove = tmp_path / "tiny.glove.txt"
    glove.write_text("happy 0.1 0.2 0.3\nsad 0.3 0.2 0.1\n")
    config = TrainConfig(snapshot_id=snapshot_id, backbone="efficientnet_lite0", variant=3, labels=str(glove))
    with pytest.raises(LabelEmbeddingError):
        train(embedded(home, tmp_path), config)


def test_model_uri_that_does_not_resolve(tmp_path: Path) -> None:
    from albumml.registry.tracking import use_tracking

    use_tracking(embedded(tmp_path / "home", tmp_path))
    with pytest.raises(TrackingError, match="albumml models list"):
        load_model("models:/album-mood@champion")


@pytest.mark.slow
def test_registering_a_run_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(TrackingError, match="no MLflow run"):
        register(embedded(tmp_path / "home", tmp_path), "0123456789abcdef")


def test_non_image_for_predict(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a cover")
    with pytest.raises(ImageInputError, match="not a readable image"):
        open_image(text)
    with pytest.raises(ImageInputError, match="cannot read"):
        open_image(tmp_path / "missing.jpg")
