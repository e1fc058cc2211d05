"""The study's scale: a snapshot of 127,467 albums from PostgreSQL, and cover decode + resize against plain Pillow."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from PIL import Image

from albumml.catalogue import Catalogue
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
from albumml.models.features import decode_cover
from albumml.storage import open_store
from benchmarks.bench_catalogue import copy_rows, fresh_databases, make_records
from benchmarks.harness import Figure, Report, rate
from sample_site import Faults, generate_site
from tests.support.services import postgres_server

STUDY_ALBUMS = 127_467
MODEL_SIDE = 256


def read_rows(engine: object, albums: int) -> None:
    """The baseline: one SQL query fetching the same album and mood rows through psycopg2, nothing built."""
    connection = engine.raw_connection()  # type: ignore[attr-defined]
    try:
        cursor = connection.cursor("rows")
        cursor.itersize = 20_000
        cursor.execute(
            "SELECT a.id, a.cover_key, a.genres, a.year, m.name FROM albums a "
            "JOIN album_moods am ON am.album_id = a.id JOIN moods m ON m.id = am.mood_id "
            "WHERE a.cover_key IS NOT NULL AND a.review_text <> '' "
            "ORDER BY a.id, am.position"
        )
        rows = sum(1 for _ in cursor)
        assert rows >= albums, rows
    finally:
        connection.close()


def snapshot_at_scale(report: Report, albums: int) -> None:
    """Build and save a snapshot of `albums` catalogued albums (8 moods each) against reading their rows."""
    with postgres_server() as dsn, fresh_databases(dsn) as fresh, tempfile.TemporaryDirectory() as folder:
        engine = fresh()
        Catalogue(engine).upsert_vocabulary(bundled_moods(), bundled_themes())
        copy_rows(engine, make_records(albums))
        store = open_store(load_settings(home=Path(folder)))
        baseline = rate(albums, lambda: read_rows(engine, albums), repeat=2)
        started = time.perf_counter()
        snapshot = build_snapshot(Catalogue(engine), SnapshotConfig(min_mood_count=20))
        save_snapshot(store, snapshot)
        seconds = time.perf_counter() - started
        engine.dispose()
    report.add(
        Figure(
            "scale",
            "snapshot create (PostgreSQL -> Parquet manifest in the store)",
            "albums/s",
            albums / seconds,
            "the same rows read by one SQL query",
            baseline,
            None,
            f"{albums:,} albums, {snapshot.meta['moods_kept']} moods kept: {seconds:.1f} s "
            f"(target under 30 s: {'met' if seconds < 30 else 'missed'})",
        )
    )


def large_covers(count: int, side: int) -> list[bytes]:
    """Sample-site covers re-encoded as `side`-px JPEGs (quality 90), as large covers are served."""
    with tempfile.TemporaryDirectory() as folder:
        generate_site(Path(folder), albums=count, seed=4, faults=Faults())
        files = sorted((Path(folder) / "www" / "images" / "cover").glob("*.jpg"))
        covers = []
        for path in files[:count]:
            buffer = io.BytesIO()
            Image.open(path).convert("RGB").resize((side, side), Image.Resampling.LANCZOS).save(
                buffer, "JPEG", quality=90
            )
            covers.append(buffer.getvalue())
    return covers


def decode_and_resize(report: Report, covers: int, side: int) -> None:
    """albumml's reduced-size decode + resize against a full-size Pillow decode + the same resize."""
    data = large_covers(covers, side)

    def plain() -> None:
        for cover in data:
            Image.open(io.BytesIO(cover)).convert("RGB").resize((MODEL_SIDE, MODEL_SIDE), Image.Resampling.BILINEAR)

    def ours() -> None:
        for cover in data:
            decode_cover(cover).resize((MODEL_SIDE, MODEL_SIDE), Image.Resampling.BILINEAR)

    baseline = rate(len(data), plain)
    report.add(
        Figure(
            "scale",
            "cover decode + resize (reduced-size JPEG decode)",
            "images/s",
            rate(len(data), ours),
            "plain Pillow decode + resize",
            baseline,
            1.5,
            f"{len(data)} covers at {side} px -> {MODEL_SIDE} px, one thread",
        )
    )


def run(report: Report, *, albums: int = STUDY_ALBUMS, covers: int = 200, side: int = 1000) -> None:
    """Both scale figures."""
    decode_and_resize(report, covers, side)
    snapshot_at_scale(report, albums)
