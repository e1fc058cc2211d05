"""Reads and bulk writes of the catalogue: albums with their ordered moods, vocabularies, crawl runs, errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from albumml.catalogue.engine import database_errors, describe
from albumml.catalogue.models import Album, AlbumMood, AlbumTheme, CrawlError, CrawlRun, Mood, Theme, UTCDateTime
from albumml.catalogue.records import AlbumRecord, CrawlErrorRecord, Tag
from albumml.errors import CatalogueWriteError

log = logging.getLogger(__name__)

T = TypeVar("T")
VocabularyModel = type[Mood] | type[Theme]

ALBUM_UPDATABLE = (
    "url",
    "title",
    "artist",
    "artist_id",
    "release_date",
    "year",
    "rating",
    "review_text",
    "review_author",
    "genres",
    "styles",
    "cover_url",
    "cover_key",
    "page_design",
    "etag",
    "last_modified",
    "sitemap_lastmod",
    "content_hash",
    "last_fetched",
)


@dataclass(frozen=True)
class UpsertResult:
    """How many albums a write added, changed in content, or only re-confirmed."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    changed_ids: tuple[str, ...] = ()

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.changed_ids + other.changed_ids,
        )


@dataclass(frozen=True)
class FetchState:
    """What the catalogue remembers of an album for conditional and incremental fetching."""

    etag: str | None
    last_modified: str | None
    sitemap_lastmod: datetime | None
    content_hash: str
    cover_key: str | None
    cover_url: str | None


@dataclass(frozen=True)
class Touch:
    """An album the site confirmed unchanged (a 304): when it was checked and the sitemap's lastmod."""

    album_id: str
    fetched_at: datetime
    sitemap_lastmod: datetime | None


@dataclass(frozen=True)
class CatalogueStats:
    """Counts that tell at a glance what the catalogue holds."""

    albums: int
    reviewed_albums: int
    albums_with_cover: int
    albums_with_moods: int
    moods: int
    moods_in_use: int
    themes: int
    mood_links: int
    crawl_runs: int
    last_crawl_finished: datetime | None
    errors_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RunCounts:
    """Outcome counts of one crawl run."""

    pages_fetched: int = 0
    pages_not_modified: int = 0
    albums_new: int = 0
    albums_changed: int = 0
    albums_unchanged: int = 0
    covers_stored: int = 0
    errors: int = 0


def _insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT, which supports ON CONFLICT on both PostgreSQL and SQLite."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _bulk_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    on_conflict: Callable[[Any], Any] | None = None,
) -> None:
    """Insert `rows` in one executemany, which SQLAlchemy sends as batched multi-row VALUES statements.

    Upserts carry RETURNING: since SQLAlchemy 2.1 (issue #13130) that is what keeps ON CONFLICT statements
    on the batched path instead of one round trip per row.
    """
    if not rows:
        return
    statement = _insert(connection, table)
    if on_conflict is None:
        connection.execute(statement, rows)
        return
    connection.execute(on_conflict(statement).returning(*table.primary_key.columns), rows).all()


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Catalogue:
    """The catalogue over one engine; every write of an album and its moods is one transaction."""

    def __init__(self, engine: Engine, *, batch_size: int = 500) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self._confirmed_vocabulary: set[tuple[VocabularyModel, str, str]] = set()

    def describe(self) -> str:
        """Where the catalogue lives, password masked."""
        return describe(self.engine)

    def upsert_albums(self, records: Sequence[AlbumRecord], *, refresh_unchanged: bool = True) -> UpsertResult:
        """Insert or update albums in batches; each batch (albums, moods, themes) commits or rolls back whole.

        Albums whose content is unchanged get their fetch metadata refreshed, unless `refresh_unchanged` is False
        (a re-parse of archived pages fetched nothing): then they are only counted.
        """
        result = UpsertResult()
        for batch in _batches(_last_wins(records), self.batch_size):
            result += self._upsert_batch(batch, refresh_unchanged)
        return result

    def _upsert_batch(self, records: Sequence[AlbumRecord], refresh_unchanged: bool = True) -> UpsertResult:
        ids = [record.id for record in records]
        hashes = {record.id: record.content_hash() for record in records}
        with database_errors(self.engine):
            try:
                with self.engine.begin() as connection:
                    known = dict(
                        connection.execute(select(Album.id, Album.content_hash).where(Album.id.in_(ids))).all()
                    )
                    rewritten = [r for r in records if known.get(r.id) != hashes[r.id]]
                    vocabulary = self._unconfirmed_vocabulary(rewritten)
                    self._write_vocabulary(connection, vocabulary)
                    self._upsert_album_rows(connection, records if refresh_unchanged else rewritten, hashes)
                    self._replace_links(connection, rewritten, [r.id for r in rewritten if r.id in known])
            except IntegrityError as exc:
                raise CatalogueWriteError(
                    f"a batch of {len(records)} albums ({ids[0]}..{ids[-1]}) was rejected by {describe(self.engine)} "
                    f"and rolled back, nothing of it was written: {str(exc.orig).strip().splitlines()[0]}"
                ) from exc
        self._confirmed_vocabulary.update((model, tag.id, tag.name) for model, tag in vocabulary)
        new = sum(1 for r in records if r.id not in known)
        changed_ids = tuple(r.id for r in rewritten if r.id in known)
        return UpsertResult(new, len(changed_ids), len(records) - new - len(changed_ids), changed_ids)

    def _unconfirmed_vocabulary(self, records: Sequence[AlbumRecord]) -> list[tuple[VocabularyModel, Tag]]:
        """Tags of `records` not yet written by a committed batch of this catalogue (with the same name)."""
        pending: dict[tuple[VocabularyModel, str], Tag] = {}
        for record in records:
            for model, tags in ((Mood, record.moods), (Theme, record.themes)):
                for tag in tags:
                    if (model, tag.id, tag.name) not in self._confirmed_vocabulary:
                        pending[(model, tag.id)] = tag
        return [(model, tag) for (model, _), tag in pending.items()]

    @staticmethod
    def _write_vocabulary(
        connection: Connection, vocabulary: Sequence[tuple[VocabularyModel, Tag]], *, rename: bool = False
    ) -> None:
        """Insert tags by site id; an existing id keeps its name unless `rename` (the bundled vocabulary only)."""
        for model in (Mood, Theme):
            rows = [{"id": tag.id, "name": tag.name} for owner, tag in vocabulary if owner is model]
            _bulk_insert(
                connection,
                model.__table__,
                rows,
                lambda statement: (
                    statement.on_conflict_do_update(index_elements=["id"], set_={"name": statement.excluded.name})
                    if rename
                    else statement.on_conflict_do_nothing(index_elements=["id"])
                ),
            )

    @staticmethod
    def _upsert_album_rows(connection: Connection, records: Sequence[AlbumRecord], hashes: dict[str, str]) -> None:
        table = Album.__table__

        def on_conflict(statement: Any) -> Any:
            excluded = statement.excluded
            updates: dict[str, Any] = {name: excluded[name] for name in ALBUM_UPDATABLE}
            updates["last_changed"] = case(
                (table.c.content_hash == excluded.content_hash, table.c.last_changed),
                else_=excluded.last_changed,
            )
            return statement.on_conflict_do_update(index_elements=["id"], set_=updates)

        _bulk_insert(connection, table, [_album_row(record, hashes[record.id]) for record in records], on_conflict)

    @staticmethod
    def _replace_links(connection: Connection, records: Sequence[AlbumRecord], changed_ids: Sequence[str]) -> None:
        for link, column, attribute in ((AlbumMood, "mood_id", "moods"), (AlbumTheme, "theme_id", "themes")):
            if changed_ids:
                connection.execute(delete(link).where(link.album_id.in_(changed_ids)))
            rows = [
                {"album_id": record.id, "position": position, column: tag.id}
                for record in records
                for position, tag in enumerate(getattr(record, attribute))
            ]
            _bulk_insert(connection, link.__table__, rows)

    def upsert_vocabulary(self, moods: Iterable[Tag] = (), themes: Iterable[Tag] = ()) -> None:
        """Insert or rename vocabulary entries by site id: the names albumml ships are the vocabulary's names."""
        vocabulary = [*((Mood, tag) for tag in moods), *((Theme, tag) for tag in themes)]
        with database_errors(self.engine), self.engine.begin() as connection:
            self._write_vocabulary(connection, vocabulary, rename=True)

    def fetch_states(self, album_ids: Sequence[str] | None = None) -> dict[str, FetchState]:
        """ETag, Last-Modified, sitemap lastmod and content hash per album (all albums when ids is None)."""
        query = select(
            Album.id,
            Album.etag,
            Album.last_modified,
            Album.sitemap_lastmod,
            Album.content_hash,
            Album.cover_key,
            Album.cover_url,
        )
        states: dict[str, FetchState] = {}
        with database_errors(self.engine), self.engine.connect() as connection:
            chunks = [None] if album_ids is None else list(_batches(album_ids, 5_000))
            for chunk in chunks:
                rows = connection.execute(query if chunk is None else query.where(Album.id.in_(chunk)))
                for album_id, *state in rows:
                    states[album_id] = FetchState(*state)
        return states

    def touch(self, touches: Sequence[Touch]) -> int:
        """Record that albums were re-checked and found unchanged; returns how many rows matched."""
        if not touches:
            return 0
        statement = (
            update(Album.__table__)
            .where(Album.__table__.c.id == bindparam("b_id"))
            .values(
                last_fetched=bindparam("b_fetched"),
                sitemap_lastmod=func.coalesce(
                    bindparam("b_lastmod", type_=UTCDateTime()), Album.__table__.c.sitemap_lastmod
                ),
            )
        )
        rows = [{"b_id": t.album_id, "b_fetched": t.fetched_at, "b_lastmod": t.sitemap_lastmod} for t in touches]
        with database_errors(self.engine), self.engine.begin() as connection:
            return connection.execute(statement, rows).rowcount

    def crawl_run(self, run_id: int) -> tuple[CrawlRun, dict[str, int]] | None:
        """One crawl run and its errors counted by reason."""
        count = func.count()
        with database_errors(self.engine), Session(self.engine, expire_on_commit=False) as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                return None
            reasons = session.execute(
                select(CrawlError.reason, count)
                .where(CrawlError.run_id == run_id)
                .group_by(CrawlError.reason)
                .order_by(count.desc())
            ).all()
            session.expunge(run)
            return run, dict(reasons)

    def album(self, album_id: str) -> Album | None:
        """One album with its moods and themes in site order, detached from the session."""
        with database_errors(self.engine), Session(self.engine, expire_on_commit=False) as session:
            album = session.get(Album, album_id.lower())
            if album is not None:
                _ = [link.mood for link in album.moods], [link.theme for link in album.themes]
                session.expunge_all()
            return album

    def start_crawl_run(self, source: str | None = None) -> int:
        """Record the start of a crawl and return its id."""
        with database_errors(self.engine), Session(self.engine) as session, session.begin():
            run = CrawlRun(started_at=_now(), status="running", source=source)
            session.add(run)
            session.flush()
            return run.id

    def set_crawl_archive(self, run_id: int, archive_key: str) -> None:
        """Record the store key of a crawl run's WARC archive."""
        with database_errors(self.engine), self.engine.begin() as connection:
            connection.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(archive_key=archive_key))

    def archived_runs(self, *, run_id: int | None = None, since: datetime | None = None) -> list[CrawlRun]:
        """Crawl runs with an archive, newest first: one run, or those started at or after `since`, or all."""
        query = select(CrawlRun).where(CrawlRun.archive_key.is_not(None)).order_by(CrawlRun.id.desc())
        if run_id is not None:
            query = query.where(CrawlRun.id == run_id)
        if since is not None:
            query = query.where(CrawlRun.started_at >= since)
        with database_errors(self.engine), Session(self.engine, expire_on_commit=False) as session:
            runs = list(session.execute(query).scalars())
            session.expunge_all()
            return runs

    def finish_crawl_run(
        self,
        run_id: int,
        counts: RunCounts,
        status: str = "finished",
        *,
        failure: str | None = None,
        page_counts: dict[str, dict[str, int]] | None = None,
    ) -> None:
        """Store a crawl's final counts and status, why it failed, and what each page design gave."""
        values = {
            **counts.__dict__,
            "status": status,
            "finished_at": _now(),
            "failure": failure,
            "page_counts": page_counts,
        }
        with database_errors(self.engine), self.engine.begin() as connection:
            connection.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))

    def recent_page_counts(self, limit: int = 5) -> list[dict[str, dict[str, int]]]:
        """What each page design gave in the last `limit` finished crawl runs that recorded it, newest first."""
        query = (
            select(CrawlRun.page_counts)
            .where(CrawlRun.status == "finished", CrawlRun.page_counts.is_not(None))
            .order_by(CrawlRun.id.desc())
            .limit(limit)
        )
        with database_errors(self.engine), self.engine.connect() as connection:
            return [counts for counts in connection.execute(query).scalars() if counts]

    def record_errors(self, errors: Sequence[CrawlErrorRecord], run_id: int | None = None) -> None:
        """Append crawl errors in one batch."""
        if not errors:
            return
        rows = [
            {
                "run_id": run_id,
                "url": error.url[:2000],
                "reason": error.reason,
                "detail": error.detail,
                "occurred_at": error.occurred_at or _now(),
            }
            for error in errors
        ]
        with database_errors(self.engine), self.engine.begin() as connection:
            connection.execute(CrawlError.__table__.insert(), rows)

    def stats(self) -> CatalogueStats:
        """Counts of albums, reviewed albums, covers, moods and errors by reason."""
        count = func.count()
        with database_errors(self.engine), self.engine.connect() as connection:

            def scalar(query: Any) -> Any:
                return connection.execute(query).scalar_one()

            reasons = connection.execute(
                select(CrawlError.reason, count).group_by(CrawlError.reason).order_by(count.desc())
            ).all()
            return CatalogueStats(
                albums=scalar(select(count).select_from(Album)),
                reviewed_albums=scalar(
                    select(count).select_from(Album).where(Album.review_text.is_not(None), Album.review_text != "")
                ),
                albums_with_cover=scalar(select(count).select_from(Album).where(Album.cover_key.is_not(None))),
                albums_with_moods=scalar(select(func.count(func.distinct(AlbumMood.album_id)))),
                moods=scalar(select(count).select_from(Mood)),
                moods_in_use=scalar(select(func.count(func.distinct(AlbumMood.mood_id)))),
                themes=scalar(select(count).select_from(Theme)),
                mood_links=scalar(select(count).select_from(AlbumMood)),
                crawl_runs=scalar(select(count).select_from(CrawlRun)),
                last_crawl_finished=scalar(select(func.max(CrawlRun.finished_at))),
                errors_by_reason=dict(reasons),
            )

    def cover_keys(self) -> set[str]:
        """Every cover key the catalogue points to."""
        with database_errors(self.engine), self.engine.connect() as connection:
            return set(connection.execute(select(Album.cover_key).where(Album.cover_key.is_not(None))).scalars())


def _album_row(record: AlbumRecord, content_hash: str) -> dict[str, Any]:
    row = record.model_dump(exclude={"moods", "themes", "fetched_at"})
    row.update(
        content_hash=content_hash,
        first_seen=record.fetched_at,
        last_fetched=record.fetched_at,
        last_changed=record.fetched_at,
    )
    return row


def _last_wins(records: Sequence[AlbumRecord]) -> list[AlbumRecord]:
    """Keep one record per album id (the last given), as one statement cannot upsert a row twice."""
    return list({record.id: record for record in records}.values())


def _now() -> datetime:
    return datetime.now(UTC)
