"""`python -m benchmarks [STAGE...] [--quick]`: run the stages, print ratios, write the JSON and Markdown report.

Each stage runs in its own process, so the report can give each stage's peak memory.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.harness import RESULTS, Figure, Report, peak_memory

# Each stage's module (`benchmarks.bench_NAME`, imported only when the stage runs: together they import the whole
# stack, seconds a process) and its quick sizes.
STAGES: dict[str, dict[str, int]] = {
    "catalogue": {"albums": 1_000, "orm_albums": 100},
    "store": {"objects": 40},
    "crawl": {"albums": 40, "rounds": 1},
    "models": {"covers": 32, "pyfunc_requests": 3},
    "flows": {"albums": 120, "epochs": 2, "rounds": 1},
    "variants": {"albums": 80, "epochs": 2},
    "sweep": {"albums": 80, "epochs": 2, "trials": 3},
    "scale": {"albums": 2_000, "covers": 20, "vectors": 3_000, "anchor_albums": 4_000, "probe_albums": 400},
    "analysis": {"albums": 5_000, "tsne_albums": 50, "queries": 20, "baseline_queries": 5},
    # the quick rehearsal checks the harness: one model (the nightly flow test trains all four)
    "nightly": {"albums": 60, "epochs": 2, "models": 1, "nights": 3, "cache": 0, "min_mood_count": 3},
}
STUDY_MODELS = 4  # the rehearsal trains the study's first N of its four models
REHEARSAL_NIGHTS = STAGES["nightly"]["nights"]  # the quick rehearsal runs every night
# The full-scale rehearsal runs for hours at its default size: only when named (`python -m benchmarks nightly`).
DEFAULT_STAGES = [name for name in STAGES if name != "nightly"]


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high` (no bound above when None), or argparse's one-line
    error naming the option, before any stage starts."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low or (high is not None and value > high):
            allowed = f"at least {low}" if high is None else f"{low} to {high}"
            raise argparse.ArgumentTypeError(f"{value} is out of range ({allowed})")
        return value

    return parse


def run_stage_process(name: str, quick: bool, report: Report, sizes: dict[str, int | None]) -> None:
    """Run one stage in its own process, so its peak memory is its own; merge its figures into `report`."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "benchmarks", name, "--in-process", "--output", folder, *(["--quick"] * quick)]
        command += [f"--{size}={value}" for size, value in sizes.items() if value is not None]
        subprocess.run(command, check=True)
        data = json.loads((Path(folder) / "benchmarks.json").read_text())
    report.figures += [Figure(**{k: v for k, v in f.items() if k not in {"ratio", "met"}}) for f in data["figures"]]
    report.peaks.update(data["peak_memory_mib"])


def main() -> None:
    """Parse the stages to run and write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("stages", nargs="*", choices=[*STAGES, []], help="stages to run (all by default)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the harness runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for benchmarks.json and .md")
    parser.add_argument(
        "--albums", type=whole_number(1), help="albums for the stages that take a size in albums (nightly: 127467)"
    )
    parser.add_argument(
        "--models",
        type=whole_number(1, STUDY_MODELS),
        help="the rehearsal trains the study's first MODELS models (nightly: 4)",
    )
    parser.add_argument(
        "--nights",
        type=whole_number(1, REHEARSAL_NIGHTS),
        help="the rehearsal runs its first NIGHTS nights (nightly: 3)",
    )
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    given = {"albums": arguments.albums, "models": arguments.models, "nights": arguments.nights}
    report = Report()
    for name in arguments.stages or DEFAULT_STAGES:
        if arguments.in_process:
            run = importlib.import_module(f"benchmarks.bench_{name}").run
            quick_sizes = STAGES[name]
            sizes = dict(quick_sizes) if arguments.quick else {}
            sizes |= {size: value for size, value in given.items() if value is not None and size in quick_sizes}
            run(report, **sizes)
            report.peaks[name] = peak_memory()
        else:
            run_stage_process(name, arguments.quick, report, given)
    json_path, markdown_path = report.write(arguments.output)
    print(f"report: {json_path} and {markdown_path}")


if __name__ == "__main__":
    main()
