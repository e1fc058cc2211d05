"""The catalogue of albums, moods and crawls, on SQLite or PostgreSQL."""

from __future__ import annotations

from albumml.catalogue.engine import create_catalogue_engine
from albumml.catalogue.migrate import require_current
from albumml.catalogue.records import AlbumRecord, CrawlErrorRecord, MoodTag, ThemeTag
from albumml.catalogue.repository import Catalogue, CatalogueStats, FetchState, RunCounts, Touch, UpsertResult
from albumml.config import Settings

__all__ = [
    "AlbumRecord",
    "Catalogue",
    "CatalogueStats",
    "CrawlErrorRecord",
    "FetchState",
    "MoodTag",
    "RunCounts",
    "ThemeTag",
    "Touch",
    "UpsertResult",
    "open_catalogue",
]


def open_catalogue(settings: Settings, *, check_schema: bool = True) -> Catalogue:
    """The catalogue the settings point to, checked to be reachable and at the current schema."""
    engine = create_catalogue_engine(settings.database_url, connect_timeout_s=settings.db_connect_timeout_s)
    if check_schema:
        require_current(engine)
    return Catalogue(engine, batch_size=settings.db_batch_size)
