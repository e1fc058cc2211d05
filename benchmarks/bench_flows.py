"""Flows: Prefect's share of a nightly run, the nightly flow against the same albumml calls made directly.

Each run starts from an empty home on the same served sample site (crawl, snapshot, four models, the gate), after a
warm-up that loads the libraries and the backbone once. Runs alternate (flow first) and each side keeps its best of
`rounds`, so neither is favoured by a busy moment of a shared machine.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from albumml import pipeline
from albumml.catalogue import open_catalogue
from albumml.catalogue.migrate import upgrade
from albumml.config import Settings, load_settings
from albumml.dataset import SnapshotConfig
from albumml.models.heads import Variant
from albumml.pipeline import train
from albumml.registry.gate import register
from albumml.training.config import resolve_train_config
from benchmarks.harness import Figure, Report
from sample_site import FAST_CRAWL_SETTINGS, Faults, generate_site, serving
from tests.support.services import prefect_server


@contextmanager
def served_with_prefect(root: Path, albums: int, seed: int) -> Iterator[str]:
    """A generated sample site served on 127.0.0.1 and a Prefect server, both under `root`, with this process
    pointed at the server and crawling the simulator at full speed (the defaults are polite to a real site); yields
    the site's base URL."""
    generate_site(root / "site", albums=albums, seed=seed, faults=Faults())
    quiet = {"PREFECT_HOME": str(root / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    with (
        prefect_server(root / "prefect") as api,
        serving(root / "site") as site,
        mock.patch.dict(os.environ, {**quiet, **FAST_CRAWL_SETTINGS, "PREFECT_API_URL": api}),
    ):
        yield site.base_url


def migrated(home: Path) -> Settings:
    """Settings under `home` with the catalogue's schema in place."""
    settings = load_settings(home=home)
    upgrade(open_catalogue(settings, check_schema=False).engine)
    return settings


def direct_run(settings: Settings, url: str, epochs: int) -> float:
    """The nightly work as plain albumml calls; returns its seconds."""
    started = time.perf_counter()
    pipeline.crawl(settings, url)
    outcome = pipeline.snapshot(settings, SnapshotConfig())
    results = [
        train(
            settings,
            resolve_train_config(settings, outcome.snapshot_id, {"variant": Variant(v), "epochs": epochs}),
            resume=True,
        )
        for v in (1, 2, 3, 4)
    ]
    best = max(results, key=lambda result: result.evaluation.model.micro_ap)
    register(settings, best.run_id)
    return time.perf_counter() - started


def warm_up(home: Path) -> None:
    """Import and load once what both runs use, so neither pays for a cold start the other does not."""
    from albumml.models.backbones import load_backbone
    from albumml.registry.tracking import use_tracking
    from flows.nightly import nightly  # noqa: F401

    load_backbone("efficientnet_lite0")
    use_tracking(migrated(home))


def flow_run(home: Path, url: str, epochs: int) -> float:
    """The same work through the nightly Prefect flow (its settings from the environment, as a worker gives them)."""
    from flows.nightly import nightly

    with mock.patch.dict(os.environ, {"ALBUMML_HOME": str(home)}):
        started = time.perf_counter()
        report = nightly(site_url=url, epochs=epochs)
        elapsed = time.perf_counter() - started
    assert len(report["trained"]) == 4, report
    return elapsed


def run(report: Report, *, albums: int = 300, epochs: int = 15, rounds: int = 2) -> None:
    """Time nightly runs through Prefect and without it, alternating, on the same site."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with served_with_prefect(root, albums, seed=3) as site_url:  # both sides crawl the same served site
            warm_up(root / "warm-up")
            with_prefect, without = float("inf"), float("inf")
            for n in range(rounds):
                migrated(root / f"flow-{n}")
                with_prefect = min(with_prefect, flow_run(root / f"flow-{n}", site_url, epochs))
                without = min(without, direct_run(migrated(root / f"direct-{n}"), site_url, epochs))
        report.add(
            Figure(
                "flows",
                "nightly run through Prefect",
                "runs/h",
                3600 / with_prefect,
                "the same albumml calls, no Prefect",
                3600 / without,
                0.95,
                f"{albums} albums, 4 models x {epochs} epochs, best of {rounds}: "
                f"{with_prefect:.1f} s vs {without:.1f} s; "
                "target: Prefect's share under 5%",
            )
        )
