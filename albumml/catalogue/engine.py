"""Engines for the catalogue on SQLite or PostgreSQL, and translation of driver errors into clear ones."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from albumml.errors import CatalogueError, DatabaseUnavailableError, SchemaOutOfDateError
from albumml.urls import mask_url, scrub, url_secrets

log = logging.getLogger(__name__)

MISSING_TABLE_MARKERS = ("no such table", 'relation "')
CONNECTION_FAILURE_MARKERS = (
    "could not connect",
    "connection refused",
    "connection to server",
    "could not translate host name",
    "server closed the connection",
    "terminating connection",
    "timeout expired",
    "unable to open database file",
    "password authentication failed",
)
# Failures to reach the catalogue that no amount of waiting mends: configuration, not an outage.
PERMANENT_FAILURE_MARKERS = (
    "password authentication failed",
    "no password supplied",
    "could not translate host name",
    "unable to open database file",
)


def create_catalogue_engine(database_url: str, *, connect_timeout_s: int = 10) -> Engine:
    """Create an engine for `database_url`; SQLite gets its folder, foreign keys, WAL and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(url.database, database_url)
        engine = create_engine(url, connect_args={"timeout": connect_timeout_s})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": connect_timeout_s, "application_name": "albumml"},
    )


def _ensure_sqlite_folder(database: str | None, database_url: str) -> None:
    if not database or database == ":memory:":
        return
    folder = Path(database).expanduser().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogueError(
            f"cannot create the folder {folder} for the SQLite catalogue {mask_url(database_url)}: {exc.strerror}; "
            "set ALBUMML_HOME or ALBUMML_DATABASE_URL to a writable place"
        ) from exc


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def describe(engine: Engine) -> str:
    """The engine's URL with its password and secret query parameters masked."""
    return mask_url(engine.url.render_as_string(hide_password=False))


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors about reachability and missing tables into AlbummlErrors that say what to do."""
    try:
        yield
    except OperationalError as exc:
        message = _first_line(engine, exc)
        if exc.connection_invalidated or _is_connection_failure(exc):
            raise DatabaseUnavailableError(
                f"cannot reach the catalogue at {describe(engine)}: {message}. "
                "Start the database, create it, or set ALBUMML_DATABASE_URL.",
                transient=not any(marker in message.lower() for marker in PERMANENT_FAILURE_MARKERS),
            ) from exc
        if any(marker in message for marker in MISSING_TABLE_MARKERS):
            raise _schema_error(engine, message) from exc
        raise CatalogueError(f"the catalogue at {describe(engine)} failed: {message}") from exc
    except ProgrammingError as exc:
        message = _first_line(engine, exc)
        if any(marker in message for marker in MISSING_TABLE_MARKERS):
            raise _schema_error(engine, message) from exc
        raise
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseUnavailableError(
                f"lost the connection to the catalogue at {describe(engine)}: {_first_line(engine, exc)}"
            ) from exc
        raise


def _schema_error(engine: Engine, message: str) -> SchemaOutOfDateError:
    return SchemaOutOfDateError(
        f"the catalogue at {describe(engine)} has no schema or an old one ({message}); run `albumml db upgrade`"
    )


def _is_connection_failure(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return any(marker in text for marker in CONNECTION_FAILURE_MARKERS)


def _first_line(engine: Engine, exc: DBAPIError) -> str:
    """The driver's message, first line, with the URL's password and secret query values scrubbed."""
    line = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return scrub(line, _secrets(engine))


def _secrets(engine: Engine) -> list[str]:
    return [str(engine.url.password or ""), *url_secrets(engine.url.render_as_string(hide_password=False))]
