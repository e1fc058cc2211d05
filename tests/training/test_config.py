"""Training defaults live once: TrainConfig's, then the deployment's settings, then what a caller gives."""

from __future__ import annotations

import pytest

from albumml.config import load_settings
from albumml.errors import ConfigError
from albumml.training.config import TrainConfig, parse_config, resolve_backbone, resolve_train_config


def test_without_settings_or_options_the_defaults_are_train_configs(tmp_path) -> None:
    config = resolve_train_config(load_settings(home=tmp_path), "snap")
    assert config == TrainConfig(snapshot_id="snap")


def test_the_deployments_settings_fill_backbone_and_epochs(tmp_path) -> None:
    settings = load_settings(home=tmp_path, train_backbone="vgg16", train_epochs=7)
    config = resolve_train_config(settings, "snap")
    assert (config.backbone, config.epochs) == ("vgg16", 7)
    assert resolve_backbone(settings) == "vgg16"


def test_what_a_caller_gives_wins_and_none_means_not_given(tmp_path) -> None:
    settings = load_settings(home=tmp_path, train_backbone="vgg16", train_epochs=7)
    config = resolve_train_config(settings, "snap", {"epochs": 3, "backbone": None, "lr": 0.01, "seed": None})
    assert (config.backbone, config.epochs, config.lr, config.seed) == (
        "vgg16",
        3,
        0.01,
        TrainConfig(snapshot_id="s").seed,
    )


def test_the_environment_reaches_the_resolver(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ALBUMML_TRAIN_EPOCHS", "5")
    assert resolve_train_config(load_settings(home=tmp_path), "snap").epochs == 5


@pytest.mark.parametrize("given", [{"epochs": 0}, {"epochs": 100_000}, {"dropout": 1.5}, {"device": "tpu"}])
def test_an_impossible_value_is_one_clear_config_error(tmp_path, given) -> None:
    with pytest.raises(ConfigError, match=next(iter(given))):
        resolve_train_config(load_settings(home=tmp_path), "snap", given)


def test_a_config_travels_as_json_and_garbage_is_refused() -> None:
    config = TrainConfig(snapshot_id="snap", hidden=(64, 32), epochs=3)
    assert parse_config(config.model_dump_json()) == config
    with pytest.raises(ConfigError, match="JSON"):
        parse_config("{not json")
