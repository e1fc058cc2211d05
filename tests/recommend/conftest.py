"""Running the CLI against the session's registered champion, and a private copy of its catalogue to change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from albumml.config import Settings, load_settings
from tests.conftest import AnalysisChampion


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


@dataclass(frozen=True)
class CatalogueCopy:
    """A copy of the champion's catalogue (same store and MLflow): the variables for the CLI and the settings."""

    environment: dict[str, str]
    settings: Settings


@pytest.fixture
def catalogue_copy(analysis_champion: AnalysisChampion, tmp_path: Path) -> CatalogueCopy:
    """The champion's catalogue copied, free to change without touching the session's."""
    home = Path(analysis_champion.environment["ALBUMML_HOME"])
    copy = tmp_path / "catalogue.db"
    shutil.copyfile(home / "catalogue.db", copy)
    environment = {"ALBUMML_DATABASE_URL": f"sqlite:///{copy}"}
    variables = {**analysis_champion.environment, **environment}
    return CatalogueCopy(
        environment, load_settings(**{k.removeprefix("ALBUMML_").lower(): v for k, v in variables.items()})
    )
