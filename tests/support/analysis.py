"""The registered champion the analysis tests work on, a private copy of its catalogue, and the CLI run as its
users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from albumml.config import Settings, load_settings


@dataclass(frozen=True)
class AnalysisChampion:
    """A registered champion to analyse: model 3 on the learning home's snapshot, in its own registered model."""

    environment: dict[str, str]
    snapshot_id: str
    model_uri: str
    run_id: str

    def settings(self) -> Settings:
        """The settings the environment describes."""
        return load_settings(**{k.removeprefix("ALBUMML_").lower(): v for k, v in self.environment.items()})


@dataclass(frozen=True)
class CatalogueCopy:
    """A copy of the champion's catalogue (same store and MLflow): the variables for the CLI and the settings."""

    environment: dict[str, str]
    settings: Settings


def run_albumml(
    champion: AnalysisChampion, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m albumml ARGS` in a fresh process, configured like the champion's users."""
    return subprocess.run(
        [sys.executable, "-m", "albumml", *args],
        env={**os.environ, "COLUMNS": "200", **champion.environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
