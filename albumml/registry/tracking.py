"""Points MLflow at the configured tracking server or local store and its experiment: the one place that does.

Credentials reach MLflow's client only through its own `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`
variables in this process; the URI it is given carries none, and every MLflow failure albumml reports is scrubbed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from albumml.config import Settings
from albumml.errors import AlbummlError, TrackingError
from albumml.urls import mask_url, scrub


def where(settings: Settings) -> str:
    """The tracking URI as messages show it: masked."""
    return mask_url(settings.mlflow_tracking_uri)


def scrubbed(settings: Settings, error: BaseException) -> str:
    """A library's error message with every URL masked and every secret of the settings replaced."""
    return scrub(str(error), settings.secrets())


@contextmanager
def tracking_errors(settings: Settings, doing: str) -> Iterator[None]:
    """Turns any MLflow or HTTP failure while `doing` into a TrackingError whose message holds no secret."""
    try:
        yield
    except AlbummlError:
        raise
    except Exception as error:
        raise TrackingError(
            f"{doing} failed in MLflow at {where(settings)}: {type(error).__name__}: {scrubbed(settings, error)}"
        ) from None


def _export_credentials(settings: Settings) -> None:
    # MLflow prints a "View run" link to stdout when a run ends: it would break `--json` output and shows the
    # tracking server's address as given, credentials included. Our commands name the run themselves.
    os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"
    if settings.mlflow_username:
        os.environ["MLFLOW_TRACKING_USERNAME"] = settings.mlflow_username
    if settings.mlflow_password is not None:
        os.environ["MLFLOW_TRACKING_PASSWORD"] = settings.mlflow_password.get_secret_value()


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
    _export_credentials(settings)
    if settings.mlflow_tracking_uri.startswith("sqlite:"):
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TrackingError(
                f"cannot create the folder {settings.home} for the MLflow store ({error.strerror}); "
                "set ALBUMML_HOME or ALBUMML_MLFLOW_TRACKING_URI to a writable place"
            ) from None
    try:
        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(settings.mlflow_tracking_uri)
        experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment)
        if experiment is not None:
            return experiment.experiment_id
        return _create_experiment(settings)
    except Exception as error:
        raise TrackingError(f"MLflow at {where(settings)} is not usable: {scrubbed(settings, error)}") from None


def _create_experiment(settings: Settings) -> str:
    """Creates the experiment; when a concurrent run (another variant of the night) created it first, its id."""
    import mlflow

    try:
        return mlflow.create_experiment(
            settings.mlflow_experiment, artifact_location=settings.mlflow_artifact_location or None
        )
    except Exception:
        experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment)
        if experiment is None:
            raise
        return experiment.experiment_id


def client(settings: Settings) -> Any:
    """An MlflowClient for the configured tracking and registry URI."""
    from mlflow import MlflowClient

    use_tracking(settings)
    return MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)
