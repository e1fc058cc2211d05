"""Sweeps and anchors on cached features: a sweep's trials per minute against one default training of the same
variant's head, and the linear probe's and kNN's fitting cost against that same default head.

The sample site is crawled and its features computed once, before anything is timed; everything trains on the same
cached vectors in this process.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from unittest import mock

from albumml import pipeline
from albumml.dataset import SnapshotConfig
from albumml.models.heads import Variant
from albumml.storage import open_store
from albumml.training.config import resolve_train_config
from albumml.training.measure import anchors_on
from albumml.training.sweep import SweepBudget, load_sweep_data, run_sweep, train_trial
from benchmarks.bench_flows import migrated
from benchmarks.harness import Figure, Report
from sample_site import FAST_CRAWL_SETTINGS, Faults, generate_site, serving


def run(report: Report, *, albums: int = 400, epochs: int = 15, trials: int = 12) -> None:
    """One default head, a sweep of `trials`, and the anchors, of model 1 and model 3 on one snapshot."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate_site(root / "site", albums=albums, seed=9, faults=Faults())
        with (
            serving(root / "site") as site,
            mock.patch.dict(os.environ, {**FAST_CRAWL_SETTINGS, "ALBUMML_HOME": str(root / "home")}),
        ):
            settings = migrated(root / "home")
            pipeline.crawl(settings, site.base_url)
            outcome = pipeline.snapshot(settings, SnapshotConfig())
            store = open_store(settings)
            for variant in (Variant.CLASSIFIER, Variant.EMBEDDING):
                config = resolve_train_config(
                    settings, outcome.snapshot_id, {"variant": variant, "epochs": epochs, "report": False}
                )
                pipeline.featurize(settings, config)
                shared = load_sweep_data(store, config)
                train_trial(shared, config, lambda epoch, score: None)  # warm: libraries, first allocations
                started = time.perf_counter()
                train_trial(shared, config, lambda epoch, score: None)
                default_s = time.perf_counter() - started
                started = time.perf_counter()
                swept = run_sweep(store, f"sqlite:///{root / f'study-{int(variant)}.db'}", config, SweepBudget(trials))
                sweep_s = time.perf_counter() - started
                pruned = sum(t.state == "pruned" for t in swept.trials)
                note = (
                    f"{albums} albums, model {int(variant)}, {epochs} epochs a trial, CPU: {trials} trials "
                    f"({pruned} pruned) in {sweep_s:.1f} s, one default head {default_s:.1f} s; best validation "
                    f"micro AP {swept.best_value:.4f}"
                )
                report.add(
                    Figure(
                        "sweep",
                        f"model {int(variant)}: sweep trials",
                        "trials/min",
                        60 * trials / sweep_s,
                        "default head trainings",
                        60 / default_s,
                        None,
                        note,
                    )
                )
            splits = load_sweep_data(store, config).data.splits
            started = time.perf_counter()
            fitted = anchors_on(splits)
            anchors_s = time.perf_counter() - started
    report.add(
        Figure(
            "sweep",
            "linear probe and kNN fitted (C and k chosen on validation)",
            "fits/min",
            60 / anchors_s,
            "default head trainings (model 3)",
            60 / default_s,
            None,
            f"{albums} albums, {splits['train'].features.shape[1]}-d features: anchors {anchors_s:.1f} s "
            f"({', '.join(f'{a.name} {a.choice}' for a in fitted)}), default model-3 head {default_s:.1f} s",
        )
    )
