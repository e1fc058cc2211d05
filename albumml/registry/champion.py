"""The one champion lookup: the version holding `@champion`, None only when the alias does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from albumml.errors import TrackingError
from albumml.registry.schema import CHAMPION, ModelTag
from albumml.urls import scrub

# MLflow's error codes for "no such registered model or alias"; anything else is a real failure.
NOT_FOUND_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


def is_not_found(error: Exception) -> bool:
    """Whether an MLflow error says the thing looked up does not exist (rather than that MLflow failed)."""
    return getattr(error, "error_code", "") in NOT_FOUND_CODES


def _unless_missing(lookup: Callable[[], Any], what: str) -> Any | None:
    """`lookup()`, or None when MLflow says the thing does not exist; any other failure is a TrackingError."""
    try:
        return lookup()
    except Exception as error:
        if is_not_found(error):
            return None
        raise TrackingError(f"cannot {what} in MLflow: {scrub(str(error))}") from None


def current_champion(mlflow_client: Any, name: str) -> Any | None:
    """The model version holding the champion alias, None when there is none; any other failure raises."""
    return _unless_missing(
        lambda: mlflow_client.get_model_version_by_alias(name, CHAMPION), f"look up the champion of {name!r}"
    )


def _model_tag(mlflow_client: Any, name: str, tag: str) -> str | None:
    """A tag the gate wrote on the registered model `name`; None before any gate (no model, or no such tag)."""
    model = _unless_missing(lambda: mlflow_client.get_registered_model(name), f"read the registered model {name!r}")
    return None if model is None else model.tags.get(tag)


def judged_snapshot(mlflow_client: Any, name: str) -> str | None:
    """The snapshot the gate last judged a model of `name` on (won or defended); None before any gate."""
    return _model_tag(mlflow_client, name, ModelTag.JUDGED_SNAPSHOT_ID)


def rejected_in_a_row(mlflow_client: Any, name: str) -> int:
    """How many gates in a row kept `@champion` where it was (0 after a promotion, and before any gate)."""
    return int(_model_tag(mlflow_client, name, ModelTag.REJECTED_IN_A_ROW) or 0)
