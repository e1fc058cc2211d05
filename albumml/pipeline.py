"""The nightly pipeline's steps as plain functions (the Prefect flows are thin wrappers that retry and report).

Crawl runs Scrapy in its own process (Twisted's reactor cannot restart); a snapshot is new only if the catalogue
changed; nothing new means nothing retrained.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from albumml.catalogue import open_catalogue
from albumml.config import Settings
from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
from albumml.errors import (
    CrawlFailedError,
)
from albumml.registry import training_run
from albumml.registry.champion import current_champion
from albumml.registry.schema import GateTag, VersionTag
from albumml.registry.tracking import client
from albumml.registry.training_run import TrainResult
from albumml.report.build import run_report
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from albumml.training.loop import Progress

log = logging.getLogger(__name__)


def settings_environment(settings: Settings) -> dict[str, str]:
    """The process environment that gives a child process these exact settings."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"ALBUMML_{name.upper()}"] = str(value)
    return env


def crawl(settings: Settings, url: str, *, full: bool = False, timeout_s: float = 6 * 3600) -> dict[str, Any]:
    """Runs `python -m crawler run --json` and returns its run summary."""
    command = [sys.executable, "-m", "crawler", "run", "--url", url, "--no-progress", "--json", *(["--full"] * full)]
    done = subprocess.run(
        command, env=settings_environment(settings), capture_output=True, text=True, timeout=timeout_s, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise CrawlFailedError(f"the crawl of {url} exited {done.returncode} with no summary: {done.stderr[-2000:]}")
    summary = json.loads(lines[-1])
    if done.returncode != 0:
        raise CrawlFailedError(f"crawl run {summary.get('id')} ended {summary.get('status')}: {done.stderr[-2000:]}")
    return summary


@dataclass(frozen=True)
class SnapshotOutcome:
    """The snapshot the catalogue gives now, and whether it is new."""

    snapshot_id: str
    created: bool
    albums: int
    moods: int


def snapshot(settings: Settings, config: SnapshotConfig | None = None) -> SnapshotOutcome:
    """Snapshots the catalogue; the same catalogue gives the same id, which is then not written again."""
    built = build_snapshot(open_catalogue(settings), config)
    created = save_snapshot(open_store(settings), built)
    return SnapshotOutcome(built.id, created, built.meta["albums"], built.meta["moods_kept"])


def champion_snapshot(settings: Settings) -> str | None:
    """The snapshot the current champion was measured on, or None without a champion."""
    champion = current_champion(client(settings), settings.model_name)
    return (
        None
        if champion is None
        else champion.tags.get(GateTag.SNAPSHOT_ID) or champion.tags.get(VersionTag.SNAPSHOT_ID)
    )


def needs_training(settings: Settings, outcome: SnapshotOutcome) -> bool:
    """Train when the snapshot is new, or when no champion has been measured on it yet."""
    if outcome.created:
        return True
    on = champion_snapshot(settings)
    log.info("snapshot %s unchanged; champion measured on %s", outcome.snapshot_id, on)
    return on != outcome.snapshot_id


def train(
    settings: Settings, config: TrainConfig, *, resume: bool = False, progress: Progress | None = None
) -> TrainResult:
    """Trains one variant, tracked in MLflow, with its HTML run report unless the config turns it off."""
    return training_run.train(settings, config, resume=resume, progress=progress, report=run_report)
