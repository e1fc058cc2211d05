"""Variants: the nightly's four models trained concurrently (Prefect tasks, bounded) against one after another on
the same snapshot and cached features; the AWS Batch path's expected wall time (all four in flight: the slowest
variant); and a retried night, whose finished variants are found in MLflow and skipped, against a first night.

The sample site is crawled and its features computed once, before any timed run, so every run trains on the same
cached vectors. Each timed night trains with its own seed (part of a run's key), so nothing is resumed or skipped
except in the retry, which repeats the parallel night's seed.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from albumml import pipeline
from albumml.dataset import SnapshotConfig
from albumml.models.heads import Variant
from albumml.training.config import TrainConfig, resolve_train_config
from benchmarks.bench_flows import migrated, served_with_prefect
from benchmarks.harness import Figure, Report


def timed_night(configs: list[TrainConfig], limit: int, seed: int) -> tuple[float, list[dict[str, Any]]]:
    """Seconds to train `configs` with `seed` through `train_variants` in a flow, at most `limit` at once; their
    summaries. The seed is part of a run's key: another seed is new work, the same seed is a retry."""
    from prefect import flow

    from flows.tasks import train_variants

    seeded = [config.model_copy(update={"seed": seed}) for config in configs]

    @flow(name="variants-benchmark")
    def night() -> list[dict[str, Any]]:
        return train_variants(seeded, "local", limit)

    started = time.perf_counter()
    trained = night()
    return time.perf_counter() - started, trained


def run(report: Report, *, albums: int = 400, epochs: int = 15, parallel: int = 2) -> None:
    """Series, parallel and retried nights on one snapshot of a served sample site."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with (
            served_with_prefect(root, albums, seed=9) as site_url,
            mock.patch.dict(os.environ, {"ALBUMML_HOME": str(root / "home")}),
        ):
            settings = migrated(root / "home")
            pipeline.crawl(settings, site_url)
            outcome = pipeline.snapshot(settings, SnapshotConfig())
            configs = [
                resolve_train_config(
                    settings, outcome.snapshot_id, {"variant": Variant(v), "epochs": epochs, "report": False}
                )
                for v in (1, 2, 3, 4)
            ]
            pipeline.featurize(settings, configs[0])
            timed_night(
                configs, 1, seed=100
            )  # libraries, backbone, label embeddings, first runs: paid by no timed night
            series, _ = timed_night(configs, 1, seed=1)
            parallel_s, _ = timed_night(configs, parallel, seed=2)
            retried_s, retried = timed_night(configs, parallel, seed=2)
            assert all(run["skipped"] for run in retried), retried
            alone = [timed_night([config], 1, seed=3)[0] for config in configs]
    note = f"{albums} albums, 4 models x {epochs} epochs on cached features, CPU"
    report.add(
        Figure(
            "variants",
            f"four variants, {parallel} at a time",
            "nights/h",
            3600 / parallel_s,
            "one after another",
            3600 / series,
            1.0,
            f"{note}: {parallel_s:.1f} s vs {series:.1f} s",
        )
    )
    report.add(
        Figure(
            "variants",
            "AWS Batch path, all four in flight (expected: the slowest variant alone)",
            "nights/h",
            3600 / max(alone),
            "one after another",
            3600 / series,
            None,
            f"{note}: slowest variant {max(alone):.1f} s (each alone: {', '.join(f'{s:.1f}' for s in alone)} s)",
        )
    )
    report.add(
        Figure(
            "variants",
            "retried night, every variant finished",
            "nights/h",
            3600 / retried_s,
            "the same night's first attempt",
            3600 / parallel_s,
            5.0,
            f"{note}: {retried_s:.1f} s vs {parallel_s:.1f} s",
        )
    )
