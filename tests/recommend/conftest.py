"""Running the CLI against the session's registered champion, and a private copy of its catalogue to change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from albumml.config import load_settings
from tests.support.analysis import AnalysisChampion, CatalogueCopy


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
