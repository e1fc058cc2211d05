"""Alembic environment: runs over the engine albumml passes in, or the settings' database URL."""

from alembic import context
from sqlalchemy import Engine

from albumml.catalogue.engine import create_catalogue_engine
from albumml.catalogue.models import Base
from albumml.config import load_settings

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    return create_catalogue_engine(load_settings().database_url)


def run_migrations_offline() -> None:
    """Emit SQL for the settings' database without connecting (`alembic upgrade head --sql`)."""
    context.configure(url=_engine().url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations over a live connection, in one transaction."""
    engine = _engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
