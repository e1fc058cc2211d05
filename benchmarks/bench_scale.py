"""The study's scale: a snapshot of 127,467 albums from PostgreSQL, cover decode + resize against plain Pillow, cached
vectors read back, the nearest-neighbour anchor at the study's split sizes against a dense similarity matrix, and the
linear probe's float32 solver against float64 on real cover features."""

from __future__ import annotations

import hashlib
import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from PIL import Image

from albumml.catalogue import Catalogue
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
from albumml.evaluation import micro_ap
from albumml.evaluation.anchors import NEIGHBOUR_COUNTS, Split, linear_probe, nearest_neighbours
from albumml.evaluation.logistic import SOLVER_PRECISION
from albumml.evaluation.metrics import unit_rows
from albumml.labels.embeddings import cached_embeddings
from albumml.models.backbones import load_backbone
from albumml.models.calibration import LabelSpaceSplit, fit_read_back
from albumml.models.features import SHARD_SIZE, CacheIndex, decode_cover, extract_features, write_shard
from albumml.storage import Store, open_store
from benchmarks.bench_catalogue import copy_rows, fresh_databases, make_records
from benchmarks.harness import Figure, Report, rate
from sample_site import Faults, generate_site
from sample_site.covers import cover_bytes
from sample_site.plan import plan_albums
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


def per_cover_read(store: Store, key: str, covers: list[str]) -> int:
    """The cache as it was, one object per cover: a HEAD for each cover, then a GET and a decode for each."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        names = [f"features/{key}/{cover[:2]}/{cover}.npy" for cover in covers]
        present = [name for name, there in zip(names, pool.map(store.has_object, names), strict=True) if there]
        vectors = list(pool.map(lambda name: np.load(io.BytesIO(store.get_object(name))), present))
    return len(vectors)


def feature_cache_at_scale(report: Report, vectors: int, dim: int = 1280) -> None:
    """Reading every cover's cached vector back (what each variant's training does) from shards, against one
    object per cover, on the local store."""
    rng = np.random.default_rng(0)
    covers = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(vectors)]
    data = rng.standard_normal((vectors, dim), dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(load_settings(home=Path(folder)))
        key = "0123456789abcdef"
        for cover, vector in zip(covers, data, strict=True):  # the old layout, as earlier versions wrote it
            buffer = io.BytesIO()
            np.save(buffer, vector)
            store.put_object(f"features/{key}/{cover[:2]}/{cover}.npy", buffer.getvalue())
        baseline = rate(vectors, lambda: per_cover_read(store, key, covers))
        sharded = "fedcba9876543210"
        for start in range(0, vectors, SHARD_SIZE):
            write_shard(
                store,
                sharded,
                dict(zip(covers[start : start + SHARD_SIZE], data[start : start + SHARD_SIZE], strict=True)),
            )

        def shard_read() -> None:
            with ThreadPoolExecutor(max_workers=4) as pool:
                index = CacheIndex.read(store, sharded, pool)
                assert sum(1 for _ in index.load(store, covers, pool)) == vectors

        ours = rate(vectors, shard_read)
    report.add(
        Figure(
            "scale",
            "cached feature vectors read back (shards of 2,048)",
            "vectors/s",
            ours,
            "one object per cover (HEAD + GET each)",
            baseline,
            None,
            f"{vectors:,} vectors of {dim} floats on the local store, 4 reader threads",
        )
    )


def dense_neighbours(train: Split, validation: Split, test_features: np.ndarray) -> None:
    """The baseline: the anchor as first written, one similarity matrix of every query against every training
    album and an argpartition of all of it per k."""

    def unit(vectors: np.ndarray) -> np.ndarray:
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def scores(similarity: np.ndarray, k: int) -> np.ndarray:
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        weights = np.clip(np.take_along_axis(similarity, nearest, axis=1), 0, None) + 1e-9
        votes = train.truth[nearest].astype(np.float64)
        return (votes * weights[:, :, None]).sum(axis=1) / weights.sum(axis=1, keepdims=True)

    reference = unit(train.features)
    similarity = unit(validation.features) @ reference.T
    best = max(NEIGHBOUR_COUNTS, key=lambda k: micro_ap(validation.truth, scores(similarity, k)))
    scores(unit(test_features) @ reference.T, best)


def traced(work: Callable[[], None]) -> tuple[float, float]:
    """Seconds and peak MiB of NumPy allocations while `work` runs."""
    tracemalloc.start()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


def neighbour_anchor_at_scale(report: Report, albums: int, dim: int = 1280, moods: int = 167) -> None:
    """The kNN anchor on the splits of `albums` (80/10/10) block by block; the dense baseline at half of them (at
    the full size its matrix and argpartition alone need over 20 GB)."""
    rng = np.random.default_rng(0)

    def splits(count: int) -> tuple[Split, Split, np.ndarray]:
        def one(n: int) -> Split:
            return Split(rng.standard_normal((n, dim), dtype=np.float32), rng.random((n, moods)) < 0.06)

        return one(count * 8 // 10), one(count // 10), one(count // 10).features

    half = splits(albums // 2)
    dense_seconds, dense_peak = traced(lambda: dense_neighbours(*half))
    block_seconds, block_peak = traced(lambda: nearest_neighbours(*half))
    full = splits(albums)
    full_seconds, full_peak = traced(lambda: nearest_neighbours(*full))
    queries = 2 * (albums // 2 // 10)
    report.add(
        Figure(
            "scale",
            f"kNN anchor on {albums // 2:,} albums' splits (query albums)",
            "albums/s",
            queries / block_seconds,
            "one dense similarity matrix",
            queries / dense_seconds,
            None,
            f"peak allocation {block_peak:,.0f} MiB vs {dense_peak:,.0f} MiB; at {albums:,} albums block-wise "
            f"{full_seconds:.1f} s, peak {full_peak:,.0f} MiB ({dim}-d features, {moods} moods)",
        )
    )


@dataclass(frozen=True)
class CoverSplits:
    """Real cover features split 80/10/10, and the names of the moods their truth columns stand for."""

    train: Split
    validation: Split
    test: Split
    moods: list[str]


def cover_feature_splits(albums: int, seed: int = 7, min_albums: int = 20) -> CoverSplits:
    """Real features: the lite0 vectors of `albums` planned sample-site albums' rendered covers, with their moods
    (those on at least `min_albums` albums), split 80/10/10 at random. Random features converge far faster than
    these, so the solvers are timed on what they meet in a night."""
    planned = [(album, cover_bytes(seed, album)) for album in plan_albums(albums, seed)]
    planned = [(album, data) for album, data in planned if data is not None]
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(load_settings(store_url=folder))
        keys = [store.put_blob(data).key for _, data in planned]
        extracted = extract_features(store, load_backbone("efficientnet_lite0"), keys)
    row = {key: number for number, key in enumerate(extracted.cover_keys)}
    kept = [(album, row[key]) for (album, _), key in zip(planned, keys, strict=True) if key in row]
    names = sorted({mood.name for album, _ in kept for mood in album.moods})
    column = {name: number for number, name in enumerate(names)}
    truth = np.zeros((len(kept), len(names)), dtype=bool)
    for number, (album, _) in enumerate(kept):
        truth[number, [column[mood.name] for mood in album.moods]] = True
    common = truth.sum(axis=0) >= min_albums
    truth = truth[:, common]
    vectors = extracted.vectors[[position for _, position in kept]]
    order = np.random.default_rng(0).permutation(len(kept))
    cuts = (len(order) * 8 // 10, len(order) * 9 // 10)
    train, validation, test = (Split(vectors[part], truth[part]) for part in np.split(order, cuts))
    moods = [name for name, is_common in zip(names, common, strict=True) if is_common]
    return CoverSplits(train, validation, test, moods)


Fitted = TypeVar("Fitted")


@dataclass(frozen=True)
class Solved:
    """One solve of a four-strength fit: its seconds, the knob validation chose, and its test micro AP."""

    seconds: float
    choice: str
    test_ap: float


def solved_in_each_precision(
    fit: Callable[[torch.dtype], Fitted], judge: Callable[[Fitted], tuple[str, float]]
) -> tuple[Solved, Solved]:
    """`fit` timed in float64 and in SOLVER_PRECISION (float64's first), each then judged outside the timing: the
    knob it chose and its test micro AP."""
    solved = []
    for precision in (torch.float64, SOLVER_PRECISION):
        started = time.perf_counter()
        fitted = fit(precision)
        seconds = time.perf_counter() - started
        solved.append(Solved(seconds, *judge(fitted)))
    return solved[0], solved[1]


def precision_figure(subject: str, fitted_on: str, exact: Solved, fast: Solved, source: str) -> Figure:
    """The SOLVER_PRECISION solve's fits per minute against float64's, with both choices and test micro APs."""
    return Figure(
        "scale",
        f"{subject} in {str(SOLVER_PRECISION).removeprefix('torch.')} on {fitted_on} (fits)",
        "fits/min",
        60 / fast.seconds,
        "float64",
        60 / exact.seconds,
        2.0,
        f"{fast.seconds:.1f} s vs {exact.seconds:.1f} s; {fast.choice} vs {exact.choice}; test micro AP "
        f"{fast.test_ap:.4f} vs {exact.test_ap:.4f} ({source})",
    )


def probe_precision(report: Report, splits: CoverSplits) -> None:
    """The linear probe (four strengths) solved in SOLVER_PRECISION against float64, on real cover features."""
    train, validation, test = splits.train, splits.validation, splits.test
    exact, fast = solved_in_each_precision(
        lambda precision: linear_probe(train, validation, test.features, precision),
        lambda anchor: (anchor.choice, micro_ap(test.truth, anchor.scores)),
    )
    report.add(
        precision_figure(
            "linear probe",
            f"{len(train.features):,} training albums' cover features",
            exact,
            fast,
            f"{train.truth.shape[1]} moods, lite0 features of rendered sample-site covers",
        )
    )


def label_space_splits(splits: CoverSplits) -> tuple[LabelSpaceSplit, LabelSpaceSplit, LabelSpaceSplit]:
    """Label-space points of real covers, as a model-3 head predicts them: a least-squares map from each album's
    cover features to the mean MiniLM vector of its moods, fitted on the training split."""
    with tempfile.TemporaryDirectory() as folder:
        moods = cached_embeddings(open_store(load_settings(store_url=folder)), splits.moods).vectors.astype(np.float64)

    def with_bias(features: np.ndarray) -> np.ndarray:
        return np.hstack([features, np.ones((len(features), 1), dtype=features.dtype)])

    train = splits.train
    target = train.truth @ moods / np.maximum(train.truth.sum(axis=1, keepdims=True), 1)
    mapping = np.linalg.lstsq(with_bias(train.features.astype(np.float64)), target, rcond=None)[0]

    def label_space(split: Split) -> LabelSpaceSplit:
        points = with_bias(split.features.astype(np.float64)) @ mapping
        return LabelSpaceSplit(points, unit_rows(points) @ moods.T, split.truth)

    return label_space(train), label_space(splits.validation), label_space(splits.test)


def read_back_precision(report: Report, splits: CoverSplits) -> None:
    """The learned read-back of models 3 and 4 (four strengths) solved in SOLVER_PRECISION against float64, on the
    label-space points of real covers."""
    train, validation, test = label_space_splits(splits)
    exact, fast = solved_in_each_precision(
        lambda precision: fit_read_back(train, validation, temperatures=(), precision=precision),
        lambda read_back: (read_back.describe(), micro_ap(test.truth, read_back(test.points, test.cosines))),
    )
    report.add(
        precision_figure(
            "learned read-back",
            f"{len(train.points):,} training albums' label-space points",
            exact,
            fast,
            f"{len(splits.moods)} moods; points of a least-squares head on the lite0 features of rendered "
            "sample-site covers",
        )
    )


def run(
    report: Report,
    *,
    albums: int = STUDY_ALBUMS,
    covers: int = 200,
    side: int = 1000,
    vectors: int = STUDY_ALBUMS,
    anchor_albums: int = STUDY_ALBUMS,
    probe_albums: int = 6_000,
) -> None:
    """The scale figures."""
    splits = cover_feature_splits(probe_albums)
    probe_precision(report, splits)
    read_back_precision(report, splits)
    decode_and_resize(report, covers, side)
    feature_cache_at_scale(report, vectors)
    neighbour_anchor_at_scale(report, anchor_albums)
    snapshot_at_scale(report, albums)
