"""SQLAlchemy 2 typed models of the catalogue; Alembic migrations are the only way this schema changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; albumml stores timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations agree on every backend."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), date: Date()}


class Album(Base):
    """One album as the review site shows it, with what the crawler needs to fetch it incrementally."""

    __tablename__ = "albums"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 10)", name="rating_1_to_10"),
        Index("ix_albums_year", "year"),
        Index("ix_albums_cover_key", "cover_key"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500))
    artist: Mapped[str | None] = mapped_column(String(500))
    artist_id: Mapped[str | None] = mapped_column(String(16))
    release_date: Mapped[date | None]
    year: Mapped[int | None] = mapped_column(SmallInteger)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    review_text: Mapped[str | None] = mapped_column(Text)
    review_author: Mapped[str | None] = mapped_column(String(200))
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    styles: Mapped[list[str]] = mapped_column(JSON, default=list)
    cover_url: Mapped[str | None] = mapped_column(String(2000))
    cover_key: Mapped[str | None] = mapped_column(String(64))
    page_design: Mapped[str] = mapped_column(String(16))
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    sitemap_lastmod: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime]
    last_fetched: Mapped[datetime]
    last_changed: Mapped[datetime]

    moods: Mapped[list[AlbumMood]] = relationship(
        order_by="AlbumMood.position", cascade="all, delete-orphan", passive_deletes=True
    )
    themes: Mapped[list[AlbumTheme]] = relationship(
        order_by="AlbumTheme.position", cascade="all, delete-orphan", passive_deletes=True
    )


class Mood(Base):
    """A mood of the site's vocabulary, keyed by the site's id (`xa...`)."""

    __tablename__ = "moods"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)


class Theme(Base):
    """A theme of the site's vocabulary, keyed by the site's id (`ma...`)."""

    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)


class AlbumMood(Base):
    """An album's mood at its position in the site's order (0 is the first shown)."""

    __tablename__ = "album_moods"
    __table_args__ = (UniqueConstraint("album_id", "mood_id"), Index("ix_album_moods_mood_id", "mood_id"))

    album_id: Mapped[str] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    mood_id: Mapped[str] = mapped_column(ForeignKey("moods.id"))

    mood: Mapped[Mood] = relationship(lazy="joined")


class AlbumTheme(Base):
    """An album's theme at its position in the site's order."""

    __tablename__ = "album_themes"
    __table_args__ = (UniqueConstraint("album_id", "theme_id"), Index("ix_album_themes_theme_id", "theme_id"))

    album_id: Mapped[str] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"))

    theme: Mapped[Theme] = relationship(lazy="joined")


# The counts of a crawl run (columns of CrawlRun) its summary carries, in the order people read them.
CRAWL_COUNTS = (
    "pages_fetched",
    "pages_not_modified",
    "albums_new",
    "albums_changed",
    "albums_unchanged",
    "covers_stored",
    "errors",
)


class CrawlRun(Base):
    """One crawl: when it ran and how many pages and albums ended in each outcome."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    source: Mapped[str | None] = mapped_column(String(2000))
    pages_fetched: Mapped[int] = mapped_column(default=0)
    pages_not_modified: Mapped[int] = mapped_column(default=0)
    albums_new: Mapped[int] = mapped_column(default=0)
    albums_changed: Mapped[int] = mapped_column(default=0)
    albums_unchanged: Mapped[int] = mapped_column(default=0)
    covers_stored: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    archive_key: Mapped[str | None] = mapped_column(String(200))  # the store key of the run's WARC archive
    failure: Mapped[str | None] = mapped_column(Text)  # why a failed run failed, in one line
    # per page design, the album pages fetched and how many lacked moods or a title: the crawl's health history
    page_counts: Mapped[dict[str, dict[str, int]] | None] = mapped_column(JSON)


class CrawlError(Base):
    """A page, cover or record the crawl could not use, with the reason, so nothing is lost silently."""

    __tablename__ = "crawl_errors"
    __table_args__ = (Index("ix_crawl_errors_reason", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime]
