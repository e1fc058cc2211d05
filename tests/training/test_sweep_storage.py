"""Sweep studies live beside the catalogue on both backends, resume by name, and never touch the catalogue's own
schema version (Optuna keeps an Alembic version table of its own)."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from albumml.catalogue.migrate import current_revision, head_revision
from albumml.config import load_settings
from albumml.training.sweep import study_storage
from tests.support.crawling import migrated


def square(trial: optuna.Trial) -> float:
    return (trial.suggest_float("x", -3, 3) - 1) ** 2


def test_a_study_is_kept_beside_the_catalogue_and_resumes(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", database_url=database_url)
    catalogue = migrated(settings)
    first = optuna.create_study(study_name="model1-x", storage=study_storage(settings), direction="minimize")
    first.optimize(square, n_trials=3)
    again = optuna.create_study(
        study_name="model1-x", storage=study_storage(settings), direction="minimize", load_if_exists=True
    )
    assert len(again.trials) == 3
    assert again.best_value == pytest.approx(first.best_value)
    again.optimize(square, n_trials=2)
    assert len(optuna.load_study(study_name="model1-x", storage=study_storage(settings)).trials) == 5
    # the catalogue still reads as its own newest revision: Optuna's version table is elsewhere
    assert current_revision(catalogue.engine) == head_revision()
    if database_url.startswith("sqlite"):
        assert (tmp_path / "catalogue.optuna.db").exists()
