"""The model an analysis looks at: an MLflow model URI resolved to its version, run, snapshot and a stable key.

The key names what the vectors were computed with (a registered version and its logged model, a run's model, or
the URI itself), so a new champion gets new vectors and the same model always finds its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from albumml.config import Settings
from albumml.errors import NoChampionError, TrackingError
from albumml.models.bundle import MoodModel
from albumml.registry.champion import is_not_found
from albumml.registry.loading import load_model
from albumml.registry.schema import CHAMPION, RunTag, VersionTag, champion_uri
from albumml.registry.tracking import client, scrubbed, where
from albumml.targets import Target, registered_name

_ALIAS = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[^/]+)$")
_VERSION = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>\d+)$")
_LOGGED = re.compile(r"^models:/(?P<model_id>m-[^/]+)$")
_RUN = re.compile(r"^runs:/(?P<run_id>[^/]+)(/.*)?$")


@dataclass
class AnalysedModel:
    """A model URI with what it resolves to; the model itself is loaded on first use."""

    uri: str
    identity: str
    snapshot_id: str | None = None
    version: str | None = None
    run_id: str | None = None
    _model: MoodModel | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """A short, stable name for what this model computes (16 hex digits)."""
        return hashlib.sha256(self.identity.encode()).hexdigest()[:16]

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded (an index with nothing to compute never loads it)."""
        return self._model is not None

    def load(self) -> MoodModel:
        """The mood model, loaded once."""
        if self._model is None:
            self._model = load_model(self.uri)
        return self._model

    def describe(self) -> str:
        """The URI and the version it resolved to."""
        return self.uri + (f" (version {self.version})" if self.version and not _VERSION.match(self.uri) else "")


def default_uri(settings: Settings, target: Target = Target.MOODS) -> str:
    """The configured model's champion (for a target other than moods: its own registered model's)."""
    return champion_uri(registered_name(settings.model_name, target))


def _tag(entity: Any, name: str) -> str | None:
    tags = getattr(entity, "tags", None) or getattr(getattr(entity, "data", None), "tags", None) or {}
    return tags.get(name) or None


def _version(mlflow_client: Any, settings: Settings, uri: str) -> Any:
    alias, numbered = _ALIAS.match(uri), _VERSION.match(uri)
    name = alias["name"] if alias else numbered["name"] if numbered else uri
    try:
        if alias:
            return mlflow_client.get_model_version_by_alias(name, alias["alias"])
        return mlflow_client.get_model_version(name, numbered["version"] if numbered else "")
    except Exception as error:
        at = where(settings)
        if not is_not_found(error):
            raise TrackingError(f"cannot look up {uri} in MLflow at {at}: {scrubbed(settings, error)}") from None
        if alias and alias["alias"] == CHAMPION:
            raise NoChampionError(
                f"registered model {name!r} has no champion in MLflow at {at}: train and register one "
                "(`albumml train --snapshot ID --register`), or pass --model with another model URI"
            ) from None
        raise TrackingError(f"no model {uri} in MLflow at {at}; `albumml models list` shows the versions") from None


def resolve_model(settings: Settings, uri: str | None = None) -> AnalysedModel:
    """The model behind `uri` (default: the configured champion) with its version, run and training snapshot."""
    uri = uri or default_uri(settings)
    if _ALIAS.match(uri) or _VERSION.match(uri):
        mlflow_client = client(settings)
        version = _version(mlflow_client, settings, uri)
        run_id = version.run_id or None
        snapshot_id = _tag(version, VersionTag.SNAPSHOT_ID)
        if snapshot_id is None and run_id:
            snapshot_id = _tag(mlflow_client.get_run(run_id), RunTag.SNAPSHOT_ID)
        identity = f"registered:{version.name}:{version.version}:{version.source}:{run_id}"
        return AnalysedModel(uri, identity, snapshot_id, str(version.version), run_id)
    if match := _RUN.match(uri):
        run = _run(settings, match["run_id"])
        return AnalysedModel(uri, f"run:{uri}", _tag(run, RunTag.SNAPSHOT_ID), None, match["run_id"])
    if match := _LOGGED.match(uri):
        mlflow_client = client(settings)
        try:
            logged = mlflow_client.get_logged_model(match["model_id"])
        except Exception as error:
            raise TrackingError(f"no logged model {uri} in MLflow: {scrubbed(settings, error)}") from None
        run_id = logged.source_run_id or None
        snapshot_id = _tag(mlflow_client.get_run(run_id), RunTag.SNAPSHOT_ID) if run_id else None
        return AnalysedModel(uri, f"logged:{match['model_id']}", snapshot_id, None, run_id)
    client(settings)
    return AnalysedModel(uri, f"uri:{uri}")


def _run(settings: Settings, run_id: str) -> Any:
    try:
        return client(settings).get_run(run_id)
    except Exception as error:
        raise TrackingError(f"no MLflow run {run_id!r}: {scrubbed(settings, error)}") from None
