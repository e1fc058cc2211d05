"""Migrations are the only way the schema changes: up, down and up again, and they match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from albumml.catalogue import open_catalogue
from albumml.catalogue.engine import create_catalogue_engine
from albumml.catalogue.migrate import current_revision, downgrade, head_revision, require_current, upgrade
from albumml.catalogue.models import Base
from albumml.config import load_settings
from albumml.errors import SchemaOutOfDateError

TABLES = {"albums", "moods", "themes", "album_moods", "album_themes", "crawl_runs", "crawl_errors"}


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    engine = create_catalogue_engine(database_url)
    assert current_revision(engine) is None

    assert upgrade(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES

    assert downgrade(engine, "base") is None
    assert not TABLES & set(inspect(engine).get_table_names())

    assert upgrade(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_catalogue_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_code_refuses_an_unmigrated_catalogue(database_url: str, tmp_path) -> None:
    settings = load_settings(home=tmp_path, database_url=database_url)
    with pytest.raises(SchemaOutOfDateError, match="albumml db upgrade"):
        open_catalogue(settings)
    engine = create_catalogue_engine(database_url)
    upgrade(engine)
    require_current(engine)
