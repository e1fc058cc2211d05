"""`albumml snapshot` as users run it: create (idempotent), list and show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from albumml.catalogue import open_catalogue
from albumml.catalogue.migrate import upgrade
from albumml.config import load_settings
from tests.support.cli import albumml
from tests.support.factories import album

pytestmark = pytest.mark.slow


def test_snapshot_create_list_show(tmp_path: Path) -> None:
    env = {"ALBUMML_HOME": str(tmp_path / "home")}
    catalogue = open_catalogue(load_settings(home=tmp_path / "home"), check_schema=False)
    upgrade(catalogue.engine)
    catalogue.upsert_albums([album(n) for n in range(1, 30)])

    created = albumml("snapshot", "create", "--min-mood-count", "5", env=env).stdout
    snapshot_id = created.split()[1]
    assert "created" in created and "29 albums" in created
    assert "already exists" in albumml("snapshot", "create", "--min-mood-count", "5", env=env).stdout
    assert snapshot_id in albumml("snapshot", "list", env=env).stdout
    meta = json.loads(albumml("snapshot", "show", snapshot_id, "--json", env=env).stdout)
    assert meta["albums"] == 29 and meta["moods_kept"] == 3
    missing = albumml("snapshot", "show", "0123456789abcdef", env=env, check=False)
    assert missing.returncode == 1 and "snapshot list" in missing.stderr and "Traceback" not in missing.stderr
