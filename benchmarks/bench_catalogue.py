"""Catalogue upsert albums/s on PostgreSQL against psycopg2 COPY of the same rows and row-by-row ORM inserts."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from albumml.catalogue import AlbumRecord, Catalogue
from albumml.catalogue.engine import create_catalogue_engine
from albumml.catalogue.migrate import upgrade
from albumml.catalogue.models import Album, AlbumMood, AlbumTheme
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from benchmarks.harness import Figure, Report, rate
from tests.support.services import admin_execute, dsn_to_url, postgres_server

FETCHED = datetime(2026, 11, 1, tzinfo=UTC)


def make_records(count: int) -> list[AlbumRecord]:
    """Realistic albums: a review paragraph, 2 genres, 8 moods and 2 themes each."""
    moods, themes = bundled_moods(), bundled_themes()
    review = "A careful, literate record whose songs reward patience. " * 12
    return [
        AlbumRecord(
            id=f"mw{n:010d}",
            url=f"https://www.allmusic.com/album/album-{n}-mw{n:010d}",
            title=f"Album {n}",
            artist=f"Artist {n % 5000}",
            release_date=date(1950 + n % 70, 1 + n % 12, 1 + n % 28),
            rating=1 + n % 10,
            review_text=review,
            review_author="Staff",
            genres=["Pop/Rock", "Folk"],
            styles=["Americana"],
            moods=[moods[(n * 7 + k * 13) % len(moods)] for k in range(8)],
            themes=[themes[(n + k * 17) % len(themes)] for k in range(2)],
            cover_url=f"https://img.example/{n}.jpg",
            cover_key=f"{n:064x}",
            page_design="2022",
            etag=f'"{n}"',
            fetched_at=FETCHED,
        )
        for n in range(1, count + 1)
    ]


@contextmanager
def fresh_databases(dsn: str) -> Iterator[Callable[[], Engine]]:
    """Hand out fresh migrated databases; drop them all at the end."""
    created: list[str] = []

    def make() -> Engine:
        name = f"albumml_bench_{uuid.uuid4().hex[:10]}"
        admin_execute(dsn, f'CREATE DATABASE "{name}"')
        created.append(name)
        engine = create_catalogue_engine(dsn_to_url(dsn, name))
        upgrade(engine)
        return engine

    try:
        yield make
    finally:
        for name in created:
            admin_execute(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_rows(engine: Engine, records: Sequence[AlbumRecord]) -> None:
    """The baseline: psycopg2 COPY of the same album, mood and theme rows, in one transaction."""
    albums, mood_links, theme_links = io.StringIO(), io.StringIO(), io.StringIO()
    for r in records:
        albums.write(
            "\t".join(
                [
                    r.id,
                    r.url,
                    r.title,
                    r.artist or "",
                    str(r.release_date),
                    str(r.year),
                    str(r.rating),
                    r.review_text or "",
                    r.review_author or "",
                    '["Pop/Rock", "Folk"]',
                    '["Americana"]',
                    r.cover_url or "",
                    r.cover_key or "",
                    r.page_design,
                    r.etag or "",
                    r.content_hash(),
                    FETCHED.isoformat(),
                    FETCHED.isoformat(),
                    FETCHED.isoformat(),
                ]
            )
            + "\n"
        )
        for position, tag in enumerate(r.moods):
            mood_links.write(f"{r.id}\t{position}\t{tag.id}\n")
        for position, tag in enumerate(r.themes):
            theme_links.write(f"{r.id}\t{position}\t{tag.id}\n")
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        columns = (
            "id,url,title,artist,release_date,year,rating,review_text,review_author,genres,styles,cover_url,"
            "cover_key,page_design,etag,content_hash,first_seen,last_fetched,last_changed"
        )
        for table, cols, buffer in (
            ("albums", columns, albums),
            ("album_moods", "album_id,position,mood_id", mood_links),
            ("album_themes", "album_id,position,theme_id", theme_links),
        ):
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buffer)
        connection.commit()
    finally:
        connection.close()


def orm_row_by_row(engine: Engine, records: Sequence[AlbumRecord]) -> None:
    """The naive way: one ORM object graph and one commit per album."""
    with Session(engine) as session:
        for r in records:
            row = r.model_dump(exclude={"moods", "themes", "fetched_at"})
            album = Album(
                **row, content_hash=r.content_hash(), first_seen=FETCHED, last_fetched=FETCHED, last_changed=FETCHED
            )
            album.moods = [AlbumMood(position=i, mood_id=t.id) for i, t in enumerate(r.moods)]
            album.themes = [AlbumTheme(position=i, theme_id=t.id) for i, t in enumerate(r.themes)]
            session.add(album)
            session.commit()


def run(report: Report, *, albums: int = 20_000, orm_albums: int = 1_000) -> None:
    """Measure the three ways of writing the same albums into fresh PostgreSQL databases."""
    records = make_records(albums)
    with postgres_server() as dsn, fresh_databases(dsn) as fresh:
        engines: list[Engine] = []

        def new_catalogue() -> None:
            engine = fresh()
            Catalogue(engine).upsert_vocabulary(bundled_moods(), bundled_themes())
            engines.append(engine)

        upsert = rate(albums, lambda: Catalogue(engines[-1]).upsert_albums(records), setup=new_catalogue)
        copy = rate(albums, lambda: copy_rows(engines[-1], records), setup=new_catalogue)
        reupsert = rate(albums, lambda: Catalogue(engines[-1]).upsert_albums(records), repeat=2)
        orm = rate(orm_albums, lambda: orm_row_by_row(engines[-1], records[:orm_albums]), setup=new_catalogue)
        for engine in engines:
            engine.dispose()

    note = f"{albums:,} albums, 8 moods and 2 themes each; fresh migrated database per round"
    report.add(Figure("catalogue", "upsert (new albums)", "albums/s", upsert, "psycopg2 COPY", copy, 0.2, note))
    report.add(Figure("catalogue", "upsert (new albums)", "albums/s", upsert, "ORM row by row", orm, 5.0, note))
    report.add(
        Figure(
            "catalogue",
            "re-upsert (unchanged albums)",
            "albums/s",
            reupsert,
            "psycopg2 COPY",
            copy,
            note="a nightly re-crawl: fetch metadata refreshed, moods untouched",
        )
    )
