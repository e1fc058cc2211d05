"""Loading a model runs nothing from the artifact store: planted code and pickled objects never execute, and a model
that does not belong to its run is refused, against a real MLflow server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from albumml.agreement.opinion import load_rater_model
from albumml.errors import ModelError
from albumml.explain.covers import CoverCallbacks, explain_mood_covers
from albumml.models.pyfunc import BUNDLE_FILE, BUNDLE_PATH, log_pyfunc
from albumml.pipeline import settings_environment
from albumml.registry.gate import register
from albumml.registry.loading import load_model
from albumml.registry.models import resolve_model
from albumml.registry.schema import RunTag
from albumml.registry.tracking import client, use_tracking
from tests.support.tiny import TinyChampion, cover, example_cover

pytestmark = pytest.mark.slow

ENTRY = Path(__file__).resolve().parents[2] / "albumml" / "models" / "pyfunc_entry.py"
PACKAGE_INIT = ENTRY.parents[1] / "__init__.py"


class Detonator:
    """Unpickled, it runs a shell command: what a hostile weights file holds."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def repository(champion: TinyChampion, model_uri: str):
    """The artifact store behind a logged model, written as anyone with write access to it could."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    logged = client(champion.settings).get_logged_model(model_uri.removeprefix("models:/"))
    return get_artifact_repository(logged.artifact_location)


def plant(champion: TinyChampion, model_uri: str, marker: Path, folder: Path) -> None:
    """Rewrites the model's entry file and its copy of the albumml package to write `marker` when imported."""
    line = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n"
    for source, target in ((ENTRY, "."), (PACKAGE_INIT, "code/albumml")):
        local = folder / target / source.name
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(line + source.read_text())
        repository(champion, model_uri).log_artifact(str(local), None if target == "." else target)


def relog(champion: TinyChampion, folder: Path) -> tuple[str, str]:
    """A new run in the champion's experiment logging the champion's bundle again: (run id, model URI)."""
    import mlflow

    bundle = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"{repository(champion, champion.model_uri).artifact_uri}/{BUNDLE_PATH}", dst_path=str(folder)
        )
    )
    experiment_id = use_tracking(champion.settings)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        info = log_pyfunc(bundle, cover("Rustic", 1))
        mlflow.set_tags({RunTag.MODEL_URI: info.model_uri, RunTag.SNAPSHOT_ID: champion.snapshot_id})
    return run.info.run_id, info.model_uri


def versions(champion: TinyChampion) -> int:
    name = champion.settings.model_name
    return len(client(champion.settings).search_model_versions(f"name = '{name}'"))


def test_planted_code_never_runs_while_every_consumer_loads_the_model(
    tiny_champion: TinyChampion, tmp_path: Path
) -> None:
    settings, uri = tiny_champion.settings, tiny_champion.champion_uri
    marker = tmp_path / "planted-code-ran"
    challenger_run, challenger_uri = relog(tiny_champion, tmp_path / "relog")
    plant(tiny_champion, tiny_champion.model_uri, marker, tmp_path / "champion")
    plant(tiny_champion, challenger_uri, marker, tmp_path / "challenger")

    decision = register(settings, challenger_run)
    assert decision.champion_micro_ap == pytest.approx(decision.challenger_micro_ap)
    model = resolve_model(settings, uri).load()
    assert model.vocabulary == ["Brash", "Wistful", "Rustic"]
    assert load_rater_model(settings, uri).vocabulary == model.vocabulary
    outcome, _ = explain_mood_covers(
        load_model(uri), uri, [example_cover(tmp_path)], 2, tmp_path / "explained", CoverCallbacks()
    )
    assert len(outcome.explained) == 1 and not outcome.failed
    shown = subprocess.run(
        [sys.executable, "-m", "albumml", "predict", str(example_cover(tmp_path)), "--top", "2", "--json"],
        env=settings_environment(settings),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert len(json.loads(shown.stdout)[0]["moods"]) == 2
    assert not marker.exists()

    # The plant is live: MLflow's own pyfunc loading (what serving does) runs it.
    tracking = settings.mlflow_tracking_uri
    script = f"import mlflow; mlflow.set_tracking_uri({tracking!r}); mlflow.pyfunc.load_model({uri!r})"
    subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300, cwd=tmp_path)
    assert marker.exists()


def test_a_weights_file_holding_a_pickled_object_is_refused_unrun(tiny_champion: TinyChampion, tmp_path: Path) -> None:
    run_id, model_uri = relog(tiny_champion, tmp_path / "relog")
    marker = tmp_path / "unpickled"
    hostile = tmp_path / "hostile" / BUNDLE_FILE
    hostile.parent.mkdir()
    torch.save({"format": 1, "extractor": Detonator(marker)}, hostile)
    repository(tiny_champion, model_uri).log_artifact(str(hostile), "artifacts")
    before = versions(tiny_champion)

    with pytest.raises(ModelError, match=r"is refused: its bundle holds Python objects"):
        load_model(model_uri)
    with pytest.raises(ModelError, match=r"is refused"):
        register(tiny_champion.settings, run_id)
    assert not marker.exists()
    assert versions(tiny_champion) == before
    torch.load(hostile, weights_only=False)  # the file is live: an unrestricted load runs it
    assert marker.exists()


def test_the_gate_refuses_a_run_whose_model_uri_is_another_runs(tiny_champion: TinyChampion, tmp_path: Path) -> None:
    run_id, _ = relog(tiny_champion, tmp_path / "relog")
    client(tiny_champion.settings).set_tag(run_id, RunTag.MODEL_URI, tiny_champion.model_uri)
    before = versions(tiny_champion)
    with pytest.raises(ModelError, match=f"logged by run {tiny_champion.run_id}, not by run {run_id}"):
        register(tiny_champion.settings, run_id)
    client(tiny_champion.settings).set_tag(run_id, RunTag.MODEL_URI, f"runs:/{tiny_champion.run_id}/model")
    with pytest.raises(ModelError, match="is not a model of run"):
        register(tiny_champion.settings, run_id)
    assert versions(tiny_champion) == before


def test_versions_whose_source_is_not_their_runs_are_refused(tiny_champion: TinyChampion, tmp_path: Path) -> None:
    settings, name = tiny_champion.settings, tiny_champion.settings.model_name
    mlflow_client = client(settings)
    run_id, _ = relog(tiny_champion, tmp_path / "relog")
    champion_model_id = tiny_champion.model_uri.removeprefix("models:/")
    foreign = mlflow_client.create_model_version(
        name, tiny_champion.model_uri, run_id=run_id, model_id=champion_model_id
    )
    with pytest.raises(ModelError, match=f"version {foreign.version} of .*logged by run {tiny_champion.run_id}"):
        load_model(f"models:/{name}/{foreign.version}")
    outside = mlflow_client.create_model_version(name, "s3://elsewhere/model", run_id=run_id)
    with pytest.raises(ModelError, match=f"'s3://elsewhere/model' is not a model of run {run_id}"):
        resolve_model(settings, f"models:/{name}/{outside.version}").load()
    runless = mlflow_client.create_model_version(name, "s3://elsewhere/model")
    with pytest.raises(ModelError, match="names no run"):
        load_model(f"models:/{name}/{runless.version}")

    champion = mlflow_client.get_model_version_by_alias(name, "champion").version
    mlflow_client.set_registered_model_alias(name, "champion", foreign.version)
    try:
        with pytest.raises(ModelError, match=f"version {foreign.version} of "):
            register(settings, run_id)
    finally:
        mlflow_client.set_registered_model_alias(name, "champion", champion)
