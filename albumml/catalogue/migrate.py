"""Schema migrations through Alembic's API: upgrade, downgrade, and where a catalogue stands."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from albumml.catalogue.engine import database_errors
from albumml.errors import SchemaOutOfDateError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs this package's migrations over `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with database_errors(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the catalogue up to `revision` and return where it ends."""
    with database_errors(engine):
        command.upgrade(alembic_config(engine), revision)
    return current_revision(engine)


def downgrade(engine: Engine, revision: str = "-1") -> str | None:
    """Migrate the catalogue down to `revision` (one step by default) and return where it ends."""
    with database_errors(engine):
        command.downgrade(alembic_config(engine), revision)
    return current_revision(engine)


def require_current(engine: Engine) -> None:
    """Raise a clear error unless the catalogue is at the head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDateError(
            f"the catalogue is at revision {current or 'none (empty)'}, this code needs {head}; "
            "run `albumml db upgrade`"
        )
