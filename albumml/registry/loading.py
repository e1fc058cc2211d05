"""Loading a mood model from an MLflow model URI (`models:/album-mood@champion`, `runs:/...`, `models:/m-...`)."""

from __future__ import annotations

from typing import Any

from albumml.errors import TrackingError
from albumml.models.bundle import MoodModel
from albumml.urls import scrub


def load_pyfunc(uri: str) -> Any:
    """The pyfunc behind an MLflow model URI."""
    import mlflow.pyfunc

    try:
        return mlflow.pyfunc.load_model(uri)
    except Exception as error:
        raise TrackingError(
            f"model {uri!r} cannot be loaded ({type(error).__name__}: {scrub(str(error))}); check the name and alias "
            "with `albumml models list`, or train and register one first"
        ) from None


def load_model(uri: str) -> MoodModel:
    """The mood model behind an MLflow model URI."""
    return load_pyfunc(uri).unwrap_python_model().model
