"""The champion gate against a real MLflow server: margins over label frequency and the champion, the decision where
people browse the registry, and an unchanged night that trains nothing after a defence."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from albumml.catalogue import open_catalogue
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
from albumml.pipeline import SnapshotOutcome, needs_training, snapshot_drift, train
from albumml.registry.champion import current_champion
from albumml.registry.gate import register
from albumml.registry.runs import run_links
from albumml.registry.schema import GateTag, ModelTag
from albumml.registry.tracking import client
from albumml.storage import open_store
from albumml.training.config import TrainConfig


@pytest.fixture(scope="module")
def trained_run(learning_home: tuple[Path, str], mlflow_tracking: str) -> tuple[Path, str, str]:
    """One model-1 run on the learning home's snapshot: (home, snapshot id, run id)."""
    home, snapshot_id = learning_home
    settings = load_settings(home=home, mlflow_tracking_uri=mlflow_tracking, mlflow_experiment="gate")
    config = TrainConfig(snapshot_id=snapshot_id, backbone="efficientnet_lite0", epochs=10, report=False)
    return home, snapshot_id, train(settings, config).run_id


def test_a_defended_champion_records_its_snapshot_and_an_unchanged_night_trains_nothing(
    trained_run: tuple[Path, str, str], mlflow_tracking: str
) -> None:
    home, snapshot_id, run_id = trained_run
    name = f"album-mood-defend-{uuid.uuid4().hex[:6]}"
    settings = load_settings(home=home, mlflow_tracking_uri=mlflow_tracking, model_name=name)
    unchanged = SnapshotOutcome(snapshot_id, created=False, albums=0, moods=0)
    assert needs_training(settings, unchanged)  # no gate has judged anything yet

    first = register(settings, run_id)
    assert first.promoted and "becomes champion" in first.reason
    # the same model again: no improvement at all, so the champion defends
    second = register(settings, run_id)
    assert not second.promoted
    assert first.rejected_in_a_row == 0
    assert second.rejected_in_a_row == 1
    assert register(settings, run_id).rejected_in_a_row == 2  # the streak an alert counts
    assert second.champion_micro_ap == pytest.approx(first.challenger_micro_ap, abs=1e-6)
    assert "champion defends" in second.reason

    mlflow_client = client(settings)
    assert current_champion(mlflow_client, name).version == first.version
    model = mlflow_client.get_registered_model(name)
    assert model.tags[ModelTag.JUDGED_SNAPSHOT_ID] == snapshot_id
    assert model.tags[ModelTag.CHAMPION_VERSION] == first.version
    assert model.tags[ModelTag.REJECTED_IN_A_ROW] == "2"
    version = mlflow_client.get_model_version(name, second.version)
    assert version.description == second.reason
    assert version.tags[GateTag.DECISION] == "rejected"
    assert float(version.tags[GateTag.MIN_IMPROVEMENT]) == settings.gate_min_improvement
    # the anchors training fitted on this snapshot stand beside the decision
    assert float(version.tags[f"{GateTag.BASELINE_PREFIX}probe_micro_ap"]) > second.baseline_micro_ap
    assert f"{GateTag.BASELINE_PREFIX}knn_micro_ap" in version.tags

    assert not needs_training(settings, unchanged)
    assert needs_training(settings, SnapshotOutcome("0" * 16, created=False, albums=0, moods=0))

    # a night's new snapshot is compared with the champion's: here fewer moods are kept
    assert snapshot_drift(settings, snapshot_id) is None
    narrower = build_snapshot(open_catalogue(settings), SnapshotConfig(min_mood_count=60))
    save_snapshot(open_store(settings), narrower)
    drift = snapshot_drift(settings, narrower.id)
    assert drift is not None and drift.reference_id == snapshot_id and drift.new_id == narrower.id
    assert drift.disappeared and not drift.appeared and drift.overall > 0
    assert needs_training(settings, SnapshotOutcome(snapshot_id, created=True, albums=0, moods=0))


def test_a_first_model_that_does_not_clear_the_baseline_margin_is_not_champion(
    trained_run: tuple[Path, str, str], mlflow_tracking: str
) -> None:
    home, snapshot_id, run_id = trained_run
    name = f"album-mood-margin-{uuid.uuid4().hex[:6]}"
    # a margin no model reaches: the first model ever must still earn its place
    settings = load_settings(home=home, mlflow_tracking_uri=mlflow_tracking, model_name=name, gate_baseline_margin=0.9)
    decision = register(settings, run_id)
    assert not decision.promoted
    assert decision.challenger_micro_ap > decision.baseline_micro_ap  # it does beat frequency, just not by 0.9
    assert "does not beat label frequency" in decision.reason
    mlflow_client = client(settings)
    assert current_champion(mlflow_client, name) is None
    assert mlflow_client.get_registered_model(name).tags[ModelTag.CHAMPION_VERSION] == "none"
    # judged, so an unchanged night does not retrain a model that cannot win
    assert not needs_training(settings, SnapshotOutcome(snapshot_id, created=False, albums=0, moods=0))


def test_a_better_challenger_needs_the_minimum_improvement(
    trained_run: tuple[Path, str, str], mlflow_tracking: str
) -> None:
    home, snapshot_id, strong_run = trained_run
    name = f"album-mood-gain-{uuid.uuid4().hex[:6]}"
    settings = load_settings(home=home, mlflow_tracking_uri=mlflow_tracking, mlflow_experiment="gate", model_name=name)
    weak_config = TrainConfig(snapshot_id=snapshot_id, backbone="efficientnet_lite0", epochs=1, lr=1e-5, report=False)
    weak = train(settings, weak_config)
    # the weak model is made champion by hand, as an operator could: the gate must still hold the line above it
    rejected = register(settings.model_copy(update={"gate_baseline_margin": 0.9}), weak.run_id)
    mlflow_client = client(settings)
    mlflow_client.set_registered_model_alias(name, "champion", rejected.version)

    strict = register(settings.model_copy(update={"gate_min_improvement": 0.5}), strong_run)
    assert strict.challenger_micro_ap > strict.champion_micro_ap
    assert strict.challenger_micro_ap - strict.champion_micro_ap < 0.5
    assert not strict.promoted and "does not beat champion" in strict.reason and "by at least 0.5" in strict.reason
    assert current_champion(mlflow_client, name).version == rejected.version

    usual = register(settings, strong_run)
    assert usual.promoted and "promoted" in usual.reason
    assert current_champion(mlflow_client, name).version == usual.version
    assert mlflow_client.get_registered_model(name).tags[ModelTag.CHAMPION_VERSION] == usual.version


class _Failing:
    """An MLflow client whose alias lookup fails with the given MLflow error code."""

    def __init__(self, code: int) -> None:
        self.code = code

    def get_model_version_by_alias(self, name: str, alias: str) -> None:
        from mlflow.exceptions import MlflowException

        raise MlflowException("registry trouble at http://u:SECRET@mlflow.internal", error_code=self.code)


def test_only_a_missing_alias_means_no_champion() -> None:
    from mlflow.protos.databricks_pb2 import INTERNAL_ERROR, RESOURCE_DOES_NOT_EXIST

    from albumml.errors import TrackingError

    assert current_champion(_Failing(RESOURCE_DOES_NOT_EXIST), "m") is None
    with pytest.raises(TrackingError, match="cannot look up the champion") as raised:
        current_champion(_Failing(INTERNAL_ERROR), "m")
    assert "SECRET" not in str(raised.value)


def test_run_links_open_the_run_and_its_report_without_credentials(
    learning_home: tuple[Path, str], mlflow_tracking: str
) -> None:
    import httpx

    home, snapshot_id = learning_home
    settings = load_settings(home=home, mlflow_tracking_uri=mlflow_tracking, mlflow_experiment="gate-links")
    config = TrainConfig(snapshot_id=snapshot_id, backbone="efficientnet_lite0", epochs=2, report=True)
    run_id = train(settings, config).run_id
    with_password = mlflow_tracking.replace("http://", "http://reader:s3cret-pw@")
    links = run_links(settings.model_copy(update={"mlflow_tracking_uri": with_password}), run_id)
    assert links is not None
    assert "s3cret-pw" not in links.run + links.report and "reader" not in links.run + links.report
    assert links.run.startswith(mlflow_tracking) and links.run.endswith(f"/runs/{run_id}")
    report = httpx.get(links.report, timeout=30)
    assert report.status_code == 200 and "micro AP" in report.text
    assert httpx.get(links.run.split("#")[0], timeout=30).status_code == 200
    assert run_links(load_settings(home=home), run_id) is None  # a local tracking store has no UI to link to


def test_a_finished_run_is_found_by_its_exact_config_only(trained_run: tuple[Path, str, str], mlflow_tracking: str):
    from albumml.registry.runs import find_finished_run

    home, snapshot_id, run_id = trained_run
    settings = load_settings(home=home, mlflow_tracking_uri=mlflow_tracking, mlflow_experiment="gate")
    config = TrainConfig(snapshot_id=snapshot_id, backbone="efficientnet_lite0", epochs=10, report=False)
    found = find_finished_run(settings, config)
    assert found is not None and found.run_id == run_id
    assert found.validation_micro_ap > 0
    # another epoch budget, model or seed is other work: a retried night must train it
    assert find_finished_run(settings, config.model_copy(update={"epochs": 11})) is None
    assert find_finished_run(settings, config.model_copy(update={"seed": 1})) is None
