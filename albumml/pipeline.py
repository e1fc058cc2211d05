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
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from albumml.catalogue import open_catalogue
from albumml.config import Settings
from albumml.dataset import SnapshotConfig, build_snapshot, load_snapshot, save_snapshot
from albumml.dataset.drift import DriftSummary, mood_drift
from albumml.errors import SITE_CHANGED, AlbummlError, ConfigError, CrawlFailedError, SiteChangedError
from albumml.registry import champion
from albumml.registry.schema import VersionTag
from albumml.registry.tracking import client
from albumml.storage import open_store
from albumml.targets import Target, registered_name
from albumml.urls import mask_url, web_url_problem

if TYPE_CHECKING:  # training pulls in torch: a crawl or a snapshot must not pay for it at start
    from albumml.dataset.feature_drift import FeatureShift
    from albumml.registry.runs import FinishedRun
    from albumml.registry.training_run import TrainResult
    from albumml.training.config import TrainConfig
    from albumml.training.loop import Progress
    from albumml.training.sweep import SweepBudget, SweepOutcome

log = logging.getLogger(__name__)

# Lines of a failed child's stderr kept for its error message.
STDERR_TAIL_LINES = 40


def settings_environment(settings: Settings) -> dict[str, str]:
    """The process environment that gives a child process these exact settings."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if isinstance(value, list | tuple):  # list settings are read back comma-separated
            value = ",".join(map(str, value))
        env[f"ALBUMML_{name.upper()}"] = str(value)
    return env


@dataclass(frozen=True)
class CrawlRequest:
    """What one crawl is asked to do: where to start (a site, sitemap or album URL, or a file of album URLs)."""

    url: str | None = None
    urls_file: str | None = None
    full: bool = False
    progress: bool = False
    log_level: str = "WARNING"


@dataclass(frozen=True)
class CrawlOutcome:
    """A crawl run's summary (id, status, counts, errors by reason) and whether it finished."""

    summary: dict[str, Any]
    finished: bool

    def problem(self, where: str | None = None) -> str:
        """Why a run that did not finish failed, in one line ("crawl run 7 of URL failed: the page design ...")."""
        summary = self.summary
        head = f"crawl run {summary.get('id')}" + (f" of {mask_url(where)}" if where else "")
        if summary.get("failure"):
            return f"{head} failed: {summary['failure']}"
        return f"{head} ended {summary.get('status')}"


@dataclass(frozen=True)
class Finished:
    """How a child process ended: its exit status, its whole stdout, and the tail of its stderr."""

    returncode: int
    stdout: str
    stderr: str


def crawler_process(
    settings: Settings, request: dict[str, Any], *, show_stderr: bool, timeout_s: float, forward: bool = True
) -> Finished:
    """Runs `python -m crawler '<request>'` in a fresh process (Twisted's reactor cannot restart in this one).

    Its log lines go on to this process's stderr as they come (the operator sees the crawl's warnings) and the last
    ones are kept for the error message (only kept, without `forward`); with `show_stderr` its stderr is this
    terminal's, for a live progress bar.
    """
    command = [sys.executable, "-m", "crawler", json.dumps({**request, "parent_pid": os.getpid()})]
    stderr = None if show_stderr else subprocess.PIPE
    with subprocess.Popen(
        command, env=settings_environment(settings), stdout=subprocess.PIPE, stderr=stderr, text=True
    ) as process:
        output: list[str] = []
        tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        readers = [threading.Thread(target=lambda: output.append(process.stdout.read()), daemon=True)]
        if process.stderr is not None:
            readers.append(threading.Thread(target=forward_lines, args=(process.stderr, tail, forward), daemon=True))
        for reader in readers:
            reader.start()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise CrawlFailedError(f"the crawl ran past {timeout_s:.0f} s and was stopped") from None
        for reader in readers:
            reader.join(timeout=30)
    return Finished(process.returncode, "".join(output), "".join(tail))


def forward_lines(stream: Any, tail: deque[str], forward: bool) -> None:
    """Copies a child's stderr to ours line by line (when `forward`), keeping the last lines in `tail`; the child's
    closing `error: ...` line is only kept, since the error raised here carries it."""
    for line in stream:
        if forward and not line.startswith("error: "):
            sys.stderr.write(line)
            sys.stderr.flush()
        tail.append(line)


def last_json_line(stdout: str) -> dict[str, Any] | None:
    """The last line of a process's output that is a JSON object, or None."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def check_crawl_request(settings: Settings, request: CrawlRequest) -> None:
    """A ConfigError unless the crawl has somewhere to start: album URLs, or a start URL it can fetch."""
    if request.url:
        problem = web_url_problem(request.url)
        if problem:
            raise ConfigError(f"{problem}; give the review site's http(s) URL")
    elif not (request.urls_file or settings.crawl_start_url):
        raise ConfigError("no start URL: give the review site's URL, or set ALBUMML_CRAWL_START_URL")


def run_crawl(settings: Settings, request: CrawlRequest, *, timeout_s: float = 6 * 3600) -> CrawlOutcome:
    """Crawls in the crawler's own process (progress on this terminal when asked) and returns its summary."""
    check_crawl_request(settings, request)
    done = crawler_process(
        settings, {"command": "run", **asdict(request)}, show_stderr=request.progress, timeout_s=timeout_s
    )
    where = mask_url(request.url) if request.url else request.urls_file or "the configured start URL"
    return crawl_outcome(done, f"the crawl of {where}")


@dataclass(frozen=True)
class ReparseRequest:
    """Which archived crawl runs to re-parse: one run, the runs started since a date, or (neither) all."""

    run_id: int | None = None
    since: datetime | None = None
    progress: bool = False
    log_level: str = "WARNING"


def run_reparse(settings: Settings, request: ReparseRequest, *, timeout_s: float = 6 * 3600) -> CrawlOutcome:
    """Re-parses archived responses in the crawler's own process, into a new crawl run; fetches nothing."""
    payload = {**asdict(request), "since": request.since.isoformat() if request.since else None}
    done = crawler_process(
        settings, {"command": "reparse", **payload}, show_stderr=request.progress, timeout_s=timeout_s
    )
    return crawl_outcome(done, "the re-parse")


def crawl_outcome(done: Finished, what: str) -> CrawlOutcome:
    """The summary a crawler process printed, or CrawlFailedError with its own one-line error."""
    summary = last_json_line(done.stdout)
    if summary is None:
        last = ((done.stderr or "").strip().splitlines() or ["see its output above"])[-1]
        if last.startswith("error: "):  # the crawler's own one-line error says it best
            raise CrawlFailedError(last.removeprefix("error: "))
        raise CrawlFailedError(f"{what} exited {done.returncode} with no summary: {last}")
    return CrawlOutcome(summary, done.returncode == 0)


def crawl(settings: Settings, url: str, *, full: bool = False, timeout_s: float = 6 * 3600) -> dict[str, Any]:
    """The nightly's crawl: its summary, or CrawlFailedError when the run did not finish (SiteChangedError when
    its pages no longer parse)."""
    outcome = run_crawl(settings, CrawlRequest(url=url, full=full), timeout_s=timeout_s)
    if not outcome.finished:
        changed = SITE_CHANGED in str(outcome.summary.get("failure") or "")
        raise (SiteChangedError if changed else CrawlFailedError)(outcome.problem(url))
    return outcome.summary


def parse_saved_page(settings: Settings, file: str, url: str) -> dict[str, Any]:
    """The record the crawler's parsers read from one saved page (run in the crawler's process, as a crawl is)."""
    done = crawler_process(
        settings, {"command": "parse-page", "file": file, "url": url}, show_stderr=False, timeout_s=120, forward=False
    )
    parsed = last_json_line(done.stdout)
    if done.returncode != 0 or parsed is None:
        raise CrawlFailedError((done.stderr or "").strip().removeprefix("error: ")[-2000:] or "the page was not parsed")
    return parsed


@dataclass(frozen=True)
class SnapshotOutcome:
    """The snapshot the catalogue gives now, and whether it is new."""

    snapshot_id: str
    created: bool
    albums: int
    moods: int  # labels kept: moods, or the target's
    target: str = Target.MOODS.value


def snapshot(settings: Settings, config: SnapshotConfig | None = None) -> SnapshotOutcome:
    """Snapshots the catalogue; the same catalogue gives the same id, which is then not written again."""
    built = build_snapshot(open_catalogue(settings), config)
    created = save_snapshot(open_store(settings), built)
    return SnapshotOutcome(built.id, created, built.meta["albums"], built.meta["moods_kept"], built.target.value)


def snapshot_drift(settings: Settings, snapshot_id: str) -> DriftSummary | None:
    """The snapshot's mood drift against the current champion's snapshot; None without a champion, or when the
    champion was trained on this very snapshot."""
    store = open_store(settings)
    current = load_snapshot(store, snapshot_id)
    reference_id = reference_snapshot_id(settings, current.target)
    if not reference_id or reference_id == snapshot_id:
        return None
    return mood_drift(load_snapshot(store, reference_id), current)


def reference_snapshot_id(settings: Settings, target: Target = Target.MOODS) -> str | None:
    """The snapshot the current champion (of the target's registered model) was trained on; None without one."""
    version = champion.current_champion(client(settings), registered_name(settings.model_name, target))
    return version.tags.get(VersionTag.SNAPSHOT_ID) if version is not None else None


@dataclass(frozen=True)
class FeaturizeOutcome:
    """What computing a snapshot's backbone features did: covers already cached, computed now, unreadable."""

    backbone: str
    covers: int
    cached: int
    computed: int
    failed: int
    extract_seconds: float = 0.0  # reading the cache and computing what it lacked
    anchors_seconds: float = 0.0  # fitting the linear probe and kNN (once per new snapshot)
    runtime: str = ""  # what ran the backbone for the computed covers ("openvino", "torch"; empty: none computed)


def featurize(settings: Settings, config: TrainConfig) -> FeaturizeOutcome:
    """Computes (once, for every variant) the backbone features of the snapshot's covers that the cache lacks, and
    the anchors (linear probe, kNN) every variant is measured beside."""
    from albumml.models.backbones import load_backbone
    from albumml.models.features import extract_features, feature_key
    from albumml.training.data import prepare
    from albumml.training.loop import store_reader
    from albumml.training.measure import anchor_path, shared_anchors

    store = open_store(settings)
    snapshot = load_snapshot(store, config.snapshot_id)
    manifest = snapshot.manifest
    backbone = load_backbone(config.backbone, config.weights, read=store_reader(store))
    started = time.perf_counter()
    features = extract_features(store, backbone, list(manifest["cover_key"]))
    extracted = time.perf_counter()
    outcome = FeaturizeOutcome(
        backbone=config.backbone,
        covers=len(set(manifest["cover_key"])),
        cached=features.cached,
        computed=features.computed,
        failed=len(features.failed),
        extract_seconds=round(extracted - started, 2),
        runtime=features.runtime,
    )
    data = prepare(store, snapshot, backbone, features=features)  # the vectors just read, not read again
    del features  # the splits hold their own copy: the catalogue's vectors are not kept twice through the anchors
    shared_anchors(store, anchor_path(snapshot.id, feature_key(backbone)), data.splits)
    return replace(outcome, anchors_seconds=round(time.perf_counter() - extracted, 2))


def feature_drift(settings: Settings, config: TrainConfig) -> FeatureShift | None:
    """The shift of the new albums' cover features (albums the champion's snapshot lacks) against the champion's
    snapshot's, on the config's backbone; None without a champion, or with fewer than two albums on a side."""
    from albumml.dataset.feature_drift import FeatureShift, mmd_test
    from albumml.models.backbones import load_backbone
    from albumml.models.features import extract_features
    from albumml.training.loop import store_reader

    store = open_store(settings)
    snapshot = load_snapshot(store, config.snapshot_id)
    reference_id = reference_snapshot_id(settings, snapshot.target)
    if not reference_id or reference_id == config.snapshot_id:
        return None
    reference = load_snapshot(store, reference_id).manifest
    current = snapshot.manifest
    new = current[~current["album_id"].isin(set(reference["album_id"]))]
    if len(new) < 2 or len(reference) < 2:
        return None
    backbone = load_backbone(config.backbone, config.weights, read=store_reader(store))
    before = extract_features(store, backbone, list(reference["cover_key"]))
    after = extract_features(store, backbone, list(new["cover_key"]))
    if len(before.vectors) < 2 or len(after.vectors) < 2:
        return None
    mmd2, p_value = mmd_test(before.vectors, after.vectors)
    return FeatureShift(reference_id, config.snapshot_id, len(before.vectors), len(after.vectors), mmd2, p_value)


def finished_variant(settings: Settings, config: TrainConfig) -> FinishedRun | None:
    """The finished MLflow run of exactly this config, if one exists (a retried night skips that variant)."""
    from albumml.registry.runs import find_finished_run

    return find_finished_run(settings, config)


def needs_training(settings: Settings, outcome: SnapshotOutcome) -> bool:
    """Train when the snapshot is new, or when the gate has not yet judged a model on it (a night that trained
    but failed before its gate trains again; a night after a defence does not)."""
    if outcome.created:
        return True
    name = registered_name(settings.model_name, Target(outcome.target))
    judged = champion.judged_snapshot(client(settings), name)
    log.info("snapshot %s unchanged; the gate last judged snapshot %s", outcome.snapshot_id, judged)
    return judged != outcome.snapshot_id


def best_candidate(trained: list[dict[str, Any]]) -> dict[str, Any]:
    """The variant the nightly puts to the gate: the best by validation micro AP. The test split is left to the
    gate, so the figure it judges on is not biased by the choice."""
    if not trained:
        raise AlbummlError("no variant was trained: nothing to put to the gate")
    return max(trained, key=lambda run: run["validation_micro_ap"])


def train(
    settings: Settings, config: TrainConfig, *, resume: bool = False, progress: Progress | None = None
) -> TrainResult:
    """Trains one variant, tracked in MLflow, with its HTML run report unless the config turns it off."""
    from albumml.registry import training_run
    from albumml.report.build import run_report

    return training_run.train(settings, config, resume=resume, progress=progress, report=run_report)


def sweep_budget(settings: Settings, trials: int | None = None, timeout_s: float | None = None) -> SweepBudget:
    """A sweep's budget: what the caller gave, else the settings'."""
    from albumml.training.sweep import SweepBudget

    return SweepBudget(trials or settings.sweep_trials, timeout_s or settings.sweep_timeout_s)


@dataclass
class Swept:
    """A sweep and the run retrained from its best trial."""

    sweep: SweepOutcome
    sweep_run_id: str
    result: TrainResult | None


def sweep(
    settings: Settings,
    config: TrainConfig,
    budget: SweepBudget,
    *,
    retrain: bool = True,
    progress: Progress | None = None,
    on_trial: Sequence[Callable[[Any, Any], None]] = (),
) -> Swept:
    """Chooses the variant's head recipe on validation, then (with `retrain`) trains and logs the chosen recipe as
    the variant's run, recording the sweep that chose it; the test split is read once, by that run."""
    from albumml.registry import sweep_run

    outcome, sweep_run_id = sweep_run.sweep(settings, config, budget, on_trial=on_trial, progress=progress)
    if not retrain:
        return Swept(outcome, sweep_run_id, None)
    from albumml.registry import training_run
    from albumml.report.build import run_report

    result = training_run.train(
        settings,
        outcome.chosen,
        resume=True,
        progress=progress,
        report=run_report,
        tags=sweep_run.sweep_tags(outcome, sweep_run_id),
    )
    return Swept(outcome, sweep_run_id, result)
