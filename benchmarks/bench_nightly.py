"""The full-scale rehearsal: the real nightly flow on a generated sample site of `--albums` albums, on this machine,
with PostgreSQL, the local store, a local MLflow and a real Prefect server. Three nights: the first (everything
new), one with nothing changed, and one after 1% of the albums changed (`sample-site change`).

`make bench ARGS="nightly --albums 127467"` runs it at the study's size (the generated site is cached under
`benchmarks/results/sites/`, so a second rehearsal does not render 127k covers again); `--quick` at 60 albums.
Per night it records each Prefect task's wall time and share of the night, the peak RSS of every process of the
night (the flow, the crawler's, ...), store objects and bytes written and catalogue rows written; the figures are
ratios of the later nights against the first. The crawl uses the sample site's explicit fast settings
(`sample_site.FAST_CRAWL_SETTINGS`); a real site gets the polite defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from albumml.storage.metering import PRICE_PER_1000, read_request_log
from benchmarks.harness import RESULTS, Figure, Report
from sample_site import FAST_CRAWL_SETTINGS, Faults, change_site, generate_site, serving
from tests.support.services import admin_execute, dsn_to_url, postgres_server, prefect_server

SITES = RESULTS / "sites"
TABLES = ("albums", "album_moods", "album_themes", "moods", "themes", "crawl_runs", "crawl_errors")
SAMPLE_EVERY_S = 0.25
# glibc allocator thresholds (the Makefile and the worker image export them): the report states them.
ALLOCATOR_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
# The first night's Batch estimate. Assumed, not measured (no GPU machine measured it yet): a VGG-16-class backbone
# under AMP extracts about 1,000 covers/s on one current datacenter GPU, and a Batch job takes about 3 minutes
# from submission to its first batch (instance start, image pull). Replace with the device figures when taken.
GPU_COVERS_PER_S = 1_000.0
BATCH_JOB_STARTUP_S = 180.0
CHANGED_NIGHT = "third night (1% of the albums changed)"
# The rehearsal's nights in order; `--nights N` runs the first N (the first night alone shows a size's peak memory).
NIGHTS = ("first night (everything new)", "second night (nothing changed)", CHANGED_NIGHT)


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[parent].append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def process_peak(pid: int) -> tuple[str, float, float] | None:
    """A process's command (shortened), its peak RSS so far and its RSS now in MiB (VmHWM, VmRSS), or None once it
    is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    fields = {line.split(":")[0]: line for line in status.splitlines() if line.startswith(("VmHWM:", "VmRSS:"))}
    if len(fields) < 2:
        return None
    mib = {name: int(line.split()[1]) / 1024 for name, line in fields.items()}
    return " ".join(command.split()[1:4])[:60] or str(pid), mib["VmHWM"], mib["VmRSS"]


@dataclass
class Watch:
    """What sampling a night's processes found: each command's peak RSS, and the RSS of all of them over time."""

    peaks: dict[str, float] = field(default_factory=dict)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (epoch seconds, MiB of all processes)

    def peak_between(self, start: float, end: float) -> float:
        """The most RSS all the night's processes held together between two moments (0 when none was sampled)."""
        return max((rss for moment, rss in self.samples if start <= moment <= end), default=0.0)


@contextmanager
def watched(pid: int) -> Iterator[Watch]:
    """Peak RSS (MiB) of every process below `pid` while the block runs, by command, and their total over time."""
    watch = Watch()
    peaks = watch.peaks
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total = 0.0
            for child in descendants(pid):
                found = process_peak(child)
                if found is not None:
                    peaks[found[0]] = max(peaks.get(found[0], 0.0), found[1])
                    total += found[2]
            watch.samples.append((time.time(), total))
            done.wait(SAMPLE_EVERY_S)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        done.set()
        thread.join()


def store_totals(folder: Path) -> tuple[int, int]:
    """Objects and bytes under the local store's folder."""
    objects = size = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            objects += 1
            size += (Path(directory) / name).stat().st_size
    return objects, size


def row_counts(url: str) -> dict[str, int]:
    """Rows in each catalogue table."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}
    finally:
        engine.dispose()


def task_times(api: str, flow_run_id: str | None) -> tuple[dict[str, float], dict[str, list[tuple[float, float]]]]:
    """Wall seconds of each task of a flow run (tasks of one name summed), and when each ran (epoch seconds), from
    the Prefect server."""
    body: dict[str, Any] = {"limit": 200}
    if flow_run_id:
        body["flow_runs"] = {"id": {"any_": [flow_run_id]}}
    runs = httpx.post(f"{api}/task_runs/filter", json=body, timeout=30).json()
    seconds: dict[str, float] = defaultdict(float)
    windows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for run in runs:
        name = run["name"].rsplit("-", 1)[0]
        seconds[name] += float(run.get("total_run_time") or 0.0)
        if run.get("start_time") and run.get("end_time"):
            moments = [datetime.fromisoformat(run[key]).timestamp() for key in ("start_time", "end_time")]
            windows[name].append((moments[0], moments[1]))
    return dict(seconds), dict(windows)


def latest_flow_run(api: str) -> str | None:
    """The id of the newest flow run on the server."""
    runs = httpx.post(f"{api}/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": 1}, timeout=30).json()
    return runs[0]["id"] if runs else None


@dataclass
class Night:
    """What one night cost."""

    name: str
    seconds: float
    stages: dict[str, float]
    peaks: dict[str, float]
    objects: int
    bytes: int
    rows: dict[str, int]
    report: dict[str, Any] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    epochs: int = 0
    stage_peaks: dict[str, float] = field(default_factory=dict)  # MiB all processes held together in the stage

    def throughput(self, stage: str) -> str:
        """The stage's work per second in its own unit, where the night's report says how much work it did."""
        seconds = self.stages.get(stage) or 0.0
        features = self.report.get("features") or {}
        work: dict[str, tuple[float, str]] = {
            "crawl": (float((self.report.get("crawl") or {}).get("pages_fetched") or 0), "pages"),
            "snapshot": (float((self.report.get("snapshot") or {}).get("albums") or 0), "albums"),
            "featurize": (float(features.get("computed") or 0), "covers computed"),
            "train": (self.album_epochs(), "album-epochs"),
        }
        if stage == "featurize" and features.get("extract_seconds"):
            seconds = float(features["extract_seconds"])  # extraction alone; the anchors are their own column
        done, unit = work.get(stage, (0.0, ""))
        if not done or not seconds:
            return "-"
        return f"{done / seconds:,.2f} {unit}/s" if done / seconds < 10 else f"{done / seconds:,.0f} {unit}/s"

    def album_epochs(self) -> float:
        """Albums x epochs the night's models trained through (the epoch budget; early stopping may end sooner)."""
        albums = float((self.report.get("snapshot") or {}).get("albums") or 0)
        return albums * self.epochs * len(self.report.get("trained") or [])

    def s3_line(self) -> str:
        """The night's store work as S3 requests and their price."""
        if not self.requests:
            return "S3 requests: none."
        counted = ", ".join(f"{kind} {self.requests[kind]:,}" for kind in PRICE_PER_1000 if self.requests[kind])
        dollars = sum(PRICE_PER_1000[kind] * count / 1000 for kind, count in self.requests.items())
        return f"S3 requests (the store's work counted as S3 would bill it): {counted}; ${dollars:,.4f}."

    def markdown(self) -> list[str]:
        """The night's stages, processes and writes as Markdown lines."""
        lines = [
            f"**{self.name}**: {self.seconds:.1f} s",
            "",
            "| stage | seconds | share of the night | throughput | peak RSS, all processes (MiB) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for stage, seconds in sorted(self.stages.items(), key=lambda item: -item[1]):
            peak = f"{self.stage_peaks[stage]:,.0f}" if self.stage_peaks.get(stage) else "-"
            lines.append(
                f"| {stage} | {seconds:.1f} | {seconds / self.seconds:.1%} | {self.throughput(stage)} | {peak} |"
            )
        outside = max(self.seconds - sum(self.stages.values()), 0.0)  # tasks in parallel can sum past the night
        lines.append(
            f"| outside tasks (process start, imports, the flow itself) | {outside:.1f} | "
            f"{outside / self.seconds:.1%} | - | - |"
        )
        lines += ["", "| process | peak RSS (MiB) |", "| --- | ---: |"]
        lines += [f"| `{command}` | {peak:,.0f} |" for command, peak in sorted(self.peaks.items(), key=lambda i: -i[1])]
        rows = ", ".join(f"{table} {count:+,}" for table, count in self.rows.items() if count)
        lines += [
            "",
            f"Store: {self.objects:+,} objects, {self.bytes / 2**20:+,.1f} MiB. Catalogue rows: {rows or 'none'}.",
            "",
            self.s3_line(),
            "",
        ]
        return lines


def batch_estimate(first: Night) -> list[str]:
    """How the first night's compute would run as AWS Batch GPU jobs: extraction at GPU_COVERS_PER_S, each variant's
    head training no slower than it ran here, every job paying BATCH_JOB_STARTUP_S."""
    covers = float((first.report.get("features") or {}).get("computed") or 0)
    variants = max(1, len(first.report.get("trained") or []))
    extraction = covers / GPU_COVERS_PER_S
    training = first.stages.get("train", 0.0)  # CPU seconds here, summed over variants: an upper bound on a GPU
    startup = BATCH_JOB_STARTUP_S * variants
    total = extraction + training + startup
    return [
        "**First night on AWS Batch (estimate)**: "
        f"extraction {covers:,.0f} covers / {GPU_COVERS_PER_S:,.0f} covers/s = {extraction / 60:.1f} GPU-min; "
        f"head training at most {training / 60:.1f} GPU-min (this machine's CPU seconds, {variants} variants); "
        f"job start-up {startup / 60:.1f} min ({variants} jobs x {BATCH_JOB_STARTUP_S:.0f} s); "
        f"about {total / 60:.1f} GPU-minutes billed. The GPU rate and start-up are assumptions "
        "(`GPU_COVERS_PER_S`, `BATCH_JOB_STARTUP_S` in `benchmarks/bench_nightly.py`), not measurements.",
        "",
    ]


def site_for(albums: int, seed: int, folder: Path, cache: bool) -> Path:
    """The generated site: a fresh copy under `folder`, from the cache of earlier rehearsals when asked."""
    target = folder / "site"
    cached = SITES / f"{albums}-{seed}"
    if cache and (cached / "manifest.json").exists():
        subprocess.run(["cp", "-a", str(cached), str(target)], check=True)
        return target
    generate_site(target, albums=albums, seed=seed, faults=Faults())
    if cache:
        SITES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", str(target), str(cached)], check=True)
    return target


@dataclass(frozen=True)
class Rehearsal:
    """Where the nights run and what they are asked to do."""

    env: dict[str, str]
    url: str
    epochs: int
    models: int
    min_mood_count: int
    api: str
    home: Path
    database: str


def allocator(env: dict[str, str]) -> str:
    """The allocator settings the nights run under, as the report states them."""
    settings = [f"{name}={env[name]}" for name in ALLOCATOR_VARIABLES if name in env]
    return "allocator " + (", ".join(settings) if settings else "glibc defaults")


def night(name: str, rehearsal: Rehearsal) -> Night:
    """One nightly flow run as a deployment would run it, in its own process, watched."""
    home, database = rehearsal.home, rehearsal.database
    objects_before, bytes_before = store_totals(home / "store")
    rows_before = row_counts(database)
    requests_log = home.parent / f"requests-{time.monotonic_ns()}.jsonl"
    env = {**rehearsal.env, "ALBUMML_STORE_REQUEST_LOG": str(requests_log)}
    started = time.perf_counter()
    command = [
        *(sys.executable, "-m", "albumml", "flows", "nightly", "--url", rehearsal.url, "--json"),
        *("--epochs", str(rehearsal.epochs), "--min-mood-count", str(rehearsal.min_mood_count)),
        *(f"--model={model}" for model in range(1, rehearsal.models + 1)),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with watched(process.pid) as watch:
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{name} failed: {stderr[-3000:]}")
    objects_after, bytes_after = store_totals(home / "store")
    rows_after = row_counts(database)
    stages, windows = task_times(rehearsal.api, latest_flow_run(rehearsal.api))
    return Night(
        name,
        seconds,
        stages,
        dict(watch.peaks),
        objects_after - objects_before,
        bytes_after - bytes_before,
        {table: rows_after[table] - rows_before[table] for table in TABLES},
        json.loads(stdout.strip().splitlines()[-1]),
        read_request_log(requests_log),
        rehearsal.epochs,
        {stage: max(watch.peak_between(*window) for window in spans) for stage, spans in windows.items()},
    )


def write_nights(note: str, nights: list[Night]) -> str:
    """The rehearsal's Markdown so far, written to `nightly.md` after every night (a run of hours keeps what it
    measured if a later night fails); returns it."""
    lines = [f"# Nightly rehearsal: {note}", ""]
    for each in nights:
        lines += each.markdown()
    lines += batch_estimate(nights[0])
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nightly.md").write_text(text)
    return text


def run(
    report: Report,
    *,
    albums: int = 127_467,
    epochs: int = 15,
    models: int = 4,
    nights: int = 3,
    seed: int = 11,
    cache: int = 1,
    min_mood_count: int = 20,
) -> None:
    """Three nights on one generated site (or the first `nights` of them), training the study's first `models`
    models; figures of the later nights against the first, and a Markdown table."""
    import tempfile
    import uuid

    trained = "model 1" if models == 1 else f"models 1-{models}"
    note = (
        f"{albums:,} albums, PostgreSQL, local store, {trained}, {epochs} epochs, fast crawl settings, "
        f"{allocator(dict(os.environ))}"
    )
    if not 1 <= nights <= len(NIGHTS):
        raise ValueError(f"a rehearsal runs 1 to {len(NIGHTS)} nights, not {nights}")
    done: list[Night] = []
    with tempfile.TemporaryDirectory() as folder, postgres_server() as dsn:
        root = Path(folder)
        site = site_for(albums, seed, root, bool(cache))
        name = f"albumml_rehearsal_{uuid.uuid4().hex[:8]}"
        admin_execute(dsn, f'CREATE DATABASE "{name}"')
        database = dsn_to_url(dsn, name)
        try:
            with prefect_server(root / "prefect") as api, serving(site) as server:
                env = {
                    **os.environ,
                    **FAST_CRAWL_SETTINGS,
                    "ALBUMML_HOME": str(root / "home"),
                    "ALBUMML_DATABASE_URL": database,
                    "PREFECT_API_URL": api,
                    "PREFECT_HOME": str(root / "prefect"),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                }
                subprocess.run(
                    [sys.executable, "-m", "albumml", "db", "upgrade"], env=env, check=True, capture_output=True
                )
                rehearsal = Rehearsal(
                    env, server.base_url, epochs, models, min_mood_count, api, root / "home", database
                )
                for title in NIGHTS[:nights]:
                    if title == CHANGED_NIGHT:
                        change_site(site, albums=max(1, albums // 100))
                    done.append(night(title, rehearsal))
                    write_nights(note, done)
        finally:
            admin_execute(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    first = done[0]
    report.add(
        Figure(
            "nightly",
            "first night",
            "albums/s",
            albums / first.seconds,
            "-",
            albums / first.seconds,
            None,
            f"{note}: {first.seconds:.1f} s",
        )
    )
    if len(done) < len(NIGHTS):
        print(write_nights(note, done))
        return
    unchanged, changed = done[1:]
    report.add(
        Figure(
            "nightly",
            "unchanged night",
            "nights/h",
            3600 / unchanged.seconds,
            "first night",
            3600 / first.seconds,
            None,
            f"{note}: {unchanged.seconds:.1f} s",
        )
    )
    report.add(
        Figure(
            "nightly",
            "1%-changed night",
            "nights/h",
            3600 / changed.seconds,
            "first night",
            3600 / first.seconds,
            None,
            f"{note}: {changed.seconds:.1f} s",
        )
    )
    extraction = [n.report.get("features", {}).get("extract_seconds") or 0.0 for n in done]
    changed_features = changed.report.get("features", {})
    if extraction[0] and extraction[2]:
        report.add(
            Figure(
                "nightly",
                "1%-changed night's feature extraction (cache read + new covers)",
                "extractions/h",
                3600 / extraction[2],
                "first night's",
                3600 / extraction[0],
                20.0,  # at most 5% of the first night's
                f"{extraction[2]:.1f} s vs {extraction[0]:.1f} s; covers computed: "
                f"{changed_features.get('computed')} of {changed_features.get('covers')}",
            )
        )
    print(write_nights(note, done))
