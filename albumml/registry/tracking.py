"""Points MLflow at the configured tracking server or local store and its experiment: the one place that does."""

from __future__ import annotations

import os
import re
from typing import Any

from albumml.config import Settings
from albumml.errors import TrackingError

RUN_ID = re.compile(r"[A-Za-z0-9][\w-]{0,255}", re.ASCII)  # MLflow's own rule: never a path, never '..'


def is_run_id(text: str) -> bool:
    """Whether `text` has the form of an MLflow run id (safe to use as a file name)."""
    return RUN_ID.fullmatch(text) is not None


def use_tracking(settings: Settings) -> str:
    """Configures MLflow from the settings; returns the experiment id (created on first use)."""
    import mlflow

    if settings.s3_endpoint_url:
        os.environ["MLFLOW_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    if settings.s3_access_key_id and settings.s3_secret_access_key:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", settings.s3_access_key_id)
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", settings.s3_secret_access_key.get_secret_value())
    if settings.mlflow_tracking_uri.startswith("sqlite:"):
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TrackingError(
                f"cannot create the folder {settings.home} for the MLflow store ({error.strerror}); "
                "set ALBUMML_HOME or ALBUMML_MLFLOW_TRACKING_URI to a writable place"
            ) from None
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    try:
        experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment)
        if experiment is not None:
            return experiment.experiment_id
        return mlflow.create_experiment(
            settings.mlflow_experiment, artifact_location=settings.mlflow_artifact_location or None
        )
    except Exception as error:
        raise TrackingError(f"MLflow at {settings.masked()['mlflow_tracking_uri']} is not usable: {error}") from error


def client(settings: Settings) -> Any:
    """An MlflowClient for the configured tracking and registry URI."""
    from mlflow import MlflowClient

    use_tracking(settings)
    return MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)
