"""Loading a mood model from an MLflow model URI (`models:/album-mood@champion`, `runs:/...`, `models:/m-...`)
without running anything from the artifact store.

Only the bundle file is downloaded, and it is read with torch's weights-only loader (tensors, lists, numbers); the
pyfunc's entry file and code folder, kept for serving, are never imported. A registered version's source and a
run's logged model must belong to that run: a source pointed at another run, or outside any run, is refused.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from albumml.errors import ModelError, TrackingError
from albumml.models.bundle import MoodModel, load_bundle
from albumml.models.pyfunc import BUNDLE_PATH
from albumml.urls import scrub

ALIAS_URI = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[^/]+)$")
VERSION_URI = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>\d+)$")
LOGGED_URI = re.compile(r"^models:/(?P<model_id>m-[0-9A-Za-z]+)$")
RUN_URI = re.compile(r"^runs:/(?P<run_id>[0-9A-Za-z]+)/(?P<path>[\w.-]+(?:/[\w.-]+)*)$")


@dataclass(frozen=True)
class ModelSource:
    """A model's root in the artifact store and the run it belongs to."""

    uri: str
    artifact_uri: str
    run_id: str


def _unusable(uri: str, error: Exception) -> TrackingError:
    return TrackingError(
        f"model {uri!r} cannot be loaded ({type(error).__name__}: {scrub(str(error))}); check the name and alias "
        "with `albumml models list`, or train and register one first"
    )


def _logged_model(mlflow_client: Any, model_id: str, uri: str) -> Any:
    try:
        return mlflow_client.get_logged_model(model_id)
    except Exception as error:
        raise _unusable(uri, error) from None


def model_of_run(mlflow_client: Any, run_id: str, model_uri: str) -> ModelSource:
    """Where run `run_id`'s model `model_uri` is; ModelError when that model was not logged by this run."""
    if logged := LOGGED_URI.match(model_uri):
        model = _logged_model(mlflow_client, logged["model_id"], model_uri)
        if model.source_run_id != run_id:
            raise ModelError(
                f"model {model_uri} was logged by run {model.source_run_id or '(none)'}, not by run {run_id}: "
                "refusing a model that does not belong to its run; register the run's own model"
            )
        return ModelSource(model_uri, model.artifact_location, run_id)
    if (in_run := RUN_URI.match(model_uri)) and in_run["run_id"] == run_id and ".." not in in_run["path"].split("/"):
        return ModelSource(model_uri, model_uri, run_id)
    raise ModelError(
        f"model source {model_uri!r} is not a model of run {run_id}: refusing it; a model is loaded only from "
        f"models:/m-ID logged by its run or runs:/{run_id}/PATH"
    )


def version_source(mlflow_client: Any, version: Any) -> ModelSource:
    """Where a registered version's model is, checked against the version's run."""
    if not version.run_id:
        raise ModelError(
            f"version {version.version} of {version.name!r} names no run, so its source {version.source!r} cannot "
            "be checked: refusing it; register a trained run's model"
        )
    try:
        return model_of_run(mlflow_client, version.run_id, version.source)
    except ModelError as error:
        raise ModelError(f"version {version.version} of {version.name!r}: {error}") from None


def _version(mlflow_client: Any, uri: str) -> Any | None:
    alias, numbered = ALIAS_URI.match(uri), VERSION_URI.match(uri)
    try:
        if alias:
            return mlflow_client.get_model_version_by_alias(alias["name"], alias["alias"])
        if numbered:
            return mlflow_client.get_model_version(numbered["name"], numbered["version"])
    except Exception as error:
        raise _unusable(uri, error) from None
    return None


def locate(mlflow_client: Any, uri: str) -> ModelSource:
    """Where the model behind `uri` is, and its run; registered versions and logged models are checked."""
    if (version := _version(mlflow_client, uri)) is not None:
        return version_source(mlflow_client, version)
    if logged := LOGGED_URI.match(uri):
        model = _logged_model(mlflow_client, logged["model_id"], uri)
        return ModelSource(uri, model.artifact_location, model.source_run_id or "")
    if in_run := RUN_URI.match(uri):
        return model_of_run(mlflow_client, in_run["run_id"], uri)
    raise TrackingError(
        f"model URI {uri!r} is not one albumml loads: use models:/NAME@ALIAS, models:/NAME/VERSION, models:/m-ID "
        "or runs:/RUN_ID/PATH"
    )


def read_bundle(source: ModelSource, device: str = "cpu") -> MoodModel:
    """The bundle of a located model, downloaded alone and read weights-only."""
    import mlflow.artifacts

    with tempfile.TemporaryDirectory(prefix="albumml-model-") as folder:
        try:
            path = mlflow.artifacts.download_artifacts(
                artifact_uri=f"{source.artifact_uri.rstrip('/')}/{BUNDLE_PATH}", dst_path=folder
            )
        except Exception as error:
            raise ModelError(
                f"model {source.uri} has no readable mood-model bundle at {BUNDLE_PATH} ({type(error).__name__}: "
                f"{scrub(str(error))}); it was not logged by `albumml train`"
            ) from None
        return load_bundle(Path(path), device, label=f"model {source.uri}")


def load_model(uri: str, device: str = "cpu") -> MoodModel:
    """The mood model behind an MLflow model URI, from its weights and vocabulary only (MLflow configured first)."""
    from mlflow import MlflowClient

    return read_bundle(locate(MlflowClient(), uri), device)
